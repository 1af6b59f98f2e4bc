using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// How fast a backlog drains to a local Mosquitto after an outage: events/s acknowledged by the broker and received
/// by a head-office subscriber. CI runs it with 5,000 events; <c>LOBBYEDGE_DRAIN_EVENTS=100000</c> gives the
/// figure in the README. The figures are printed (run with <c>--logger "console;verbosity=detailed"</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DrainMeasurement(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Measure")]
    public async Task Backlog_DrainsCompletelyAndInOrder_AndHowFast()
    {
        long wanted = Setting("LOBBYEDGE_DRAIN_EVENTS", 5_000);
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("drain");

        // The outage: the backlog is in the log before the link starts (as after a long cut).
        var fill = Stopwatch.StartNew();
        long total = branch.RunUntil(wanted, ticketsPerDay: 3_000);
        fill.Stop();
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/drain/events"]);

        foreach (int window in new[] { 1, 32 })
        {
            // A fresh cursor each round: the same backlog again, from the first event.
            File.Delete(Path.Combine(branch.Directory, "cursors", HeadOfficeOptions.CursorName + ".cursor"));
            int before = office.Count;
            HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
            options.MaxInFlight = window;
            await using HeadOfficeLink link = branch.CreateLink(options);
            var watch = Stopwatch.StartNew();
            await link.StartAsync();
            await Wait.UntilAsync(() => link.AcknowledgedSequence == total, TimeSpan.FromMinutes(10), $"{total} events acknowledged (window {window})", () => branch.Logger.Text);
            TimeSpan acknowledged = watch.Elapsed;
            await Wait.UntilAsync(() => office.Count - before >= total, TimeSpan.FromMinutes(10), $"{total} events received (window {window})");
            TimeSpan received = watch.Elapsed;
            await link.StopAsync();

            List<Received> round = office.Messages().Skip(before).ToList();
            CloudEventAssert.CompleteAndInOrder(round, branch.ReadAll(), branch.Config, duplicatesAllowed: false);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"drain window {window,2}: {total} events; broker acknowledged all in {acknowledged.TotalSeconds:0.00} s ({total / acknowledged.TotalSeconds:0} events/s); head office received all in {received.TotalSeconds:0.00} s ({total / received.TotalSeconds:0} events/s)"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(the backlog of {total} events was made by the engine and group-committed to the log in {fill.Elapsed.TotalSeconds:0.0} s)"));
    }

    /// <summary>A positive whole number from the environment (a measurement's size), or <paramref name="fallback"/>.</summary>
    internal static long Setting(string variable, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : fallback;
}
