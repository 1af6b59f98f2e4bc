using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 15, item 6: a small fleet on one broker, consumed as deploy/FLEET.md says head office should. Three real
/// <c>lobby-edge</c> processes (own branch id, own data directory) play a simulated day each against one Mosquitto;
/// head office's consumer is one group of two MQTT 5 clients on the shared subscription
/// <c>$share/ingest/lobby/v1/+/events/#</c>, de-duplicating on the CloudEvents id and keeping each branch by sequence.
/// It drops a run of one branch's events on purpose, finds the gap by sequence and refills it with <c>resend-events</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FleetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Branches = 3;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-fleet-");
    private readonly List<FleetBranch> _fleet = [];
    private Mosquitto _broker = null!;
    private ConsumerGroup _consumers = null!;
    private Observer _office = null!;

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        for (int i = 1; i <= Branches; i++)
        {
            _fleet.Add(new FleetBranch($"fleet-{i:000}", _work.FullName).WriteProfile(byHand: false));
        }

        _consumers = await ConsumerGroup.StartAsync(_broker, "ingest", members: 2);
        _office = await Observer.ConnectAsync(_broker, [.. _fleet.Select(b => b.Replies)]);
    }

    public async Task DisposeAsync()
    {
        foreach (FleetBranch branch in _fleet)
        {
            if (branch.Process is { } process)
            {
                await process.DisposeAsync();
            }
        }

        await _office.DisposeAsync();
        await _consumers.DisposeAsync();
        await _broker.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task ThreeBranches_OneSharedSubscriptionGroup_GetsEveryEventOnce_InSequence_AndResendFillsTheGapItMade()
    {
        // Head office's consumer loses events 100..149 of the second branch (stored nowhere after its PUBACK).
        FleetBranch lossy = _fleet[1];
        _consumers.Drop = (branch, sequence) => branch == lossy.Id && sequence is >= 100 and < 150;

        await Task.WhenAll(_fleet.Select((b, i) => b.StartAsync(_broker, "--simulate", "--speed", "2000", "--days", "1", "--seed", $"{41 + i}")));

        // The consumer finds the gap by sequence, once it has events on both sides of it, and asks the branch for it.
        await Wait.UntilAsync(() => _consumers.Stored(lossy.Id).Keys.Count(s => s < 300) == 299 - 50, FleetBranch.Patience, "the lossy branch's first 300 events but the dropped ones", lossy.Lines);
        (long from, long to) = Assert.Single(_consumers.Gaps(lossy.Id, upTo: 299));
        Assert.Equal((100, 149), (from, to));
        Received answer = await lossy.SendAsync(_office, "resend-events", $$"""{"from":{{from}},"to":{{to}}}""");
        Assert.Equal($$"""{"ok":true,"from":{{from}},"to":{{to}},"count":{{to - from + 1}}}""", answer.Text);
        await Wait.UntilAsync(() => _consumers.ContiguousUpTo(lossy.Id) >= 299, FleetBranch.Patience, "the gap refilled", lossy.Lines);

        // Each branch ends its day and stops by itself.
        foreach (FleetBranch branch in _fleet)
        {
            Assert.Equal(0, await branch.Process!.WaitForExitAsync(FleetBranch.Patience));
        }

        foreach (FleetBranch branch in _fleet)
        {
            (long last, long acknowledged, List<LobbyEvent> events) = branch.ReadLog();
            Assert.True(acknowledged > 1000, $"{branch.Id}: only {acknowledged} events shipped");

            // Everything the broker acknowledged reaches the group: 1..N without a gap, one per id, each the event the
            // branch logged with that sequence (a graceful stop may leave the last few unshipped: they wait in the log).
            await Wait.UntilAsync(() => _consumers.ContiguousUpTo(branch.Id) >= acknowledged, FleetBranch.Patience, $"{branch.Id}'s events up to {acknowledged}");
            SortedDictionary<long, TakenEvent> stored = _consumers.Stored(branch.Id);
            Assert.Equal(stored.Count, _consumers.ContiguousUpTo(branch.Id));
            Assert.InRange(stored.Count, acknowledged, last);
            output.WriteLine($"{branch.Id}: {last} events logged, {acknowledged} acknowledged by the broker, {stored.Count} stored by the group");
            foreach ((long sequence, TakenEvent e) in stored)
            {
                Assert.Equal($"{branch.Id}:{sequence}", e.Id);
                Assert.Equal(EventJson.TypeOf(events[(int)sequence - 1].Kind), e.Type);
            }
        }

        // The broker gave each live event to exactly one member of the group, and both members had a share.
        List<TakenEvent> taken = _consumers.Taken;
        List<TakenEvent> live = [.. taken.Where(t => !t.Topic.EndsWith("/resent", StringComparison.Ordinal))];
        Assert.Equal(live.Count, live.Select(t => t.Id).Distinct().Count());
        Assert.Equal(0, _consumers.Duplicates);
        output.WriteLine($"live messages {live.Count}: member 1 took {live.Count(t => t.Member == 1)}, member 2 {live.Count(t => t.Member == 2)}; duplicates dropped {_consumers.Duplicates}");
        Assert.All(new[] { 1, 2 }, member => Assert.True(live.Count(t => t.Member == member) > live.Count / 10, $"member {member} took {live.Count(t => t.Member == member)} of {live.Count}"));

        // The refill: exactly the dropped events, on events/resent, the same bytes as first sent.
        // (Two members take them, so they are put back in sequence order as the store does.)
        List<TakenEvent> dropped = [.. _consumers.Dropped.OrderBy(d => d.Sequence)];
        List<TakenEvent> copies = [.. taken.Where(t => t.Topic == $"lobby/v1/{lossy.Id}/events/resent").OrderBy(c => c.Sequence)];
        Assert.Equal(Enumerable.Range(100, 50).Select(n => (long)n), dropped.Select(d => d.Sequence));
        Assert.Equal(dropped.Select(d => d.Id), copies.Select(c => c.Id));
        Assert.All(dropped.Zip(copies), pair => Assert.Equal(pair.First.Payload, pair.Second.Payload));
    }
}
