using System.Diagnostics;
using System.Globalization;
using LobbyEdge.Engine;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>How long a start takes to rebuild the memory of head-office requests (printed; README, "Performance").</summary>
/// <remarks><c>LOBBYEDGE_REQUEST_DAYS</c>: busy simulated days in the log, each with 1,000 requests (default 3).</remarks>
[Trait("Category", "Measure")]
public sealed class RequestMemoryMeasurement(ITestOutputHelper output)
{
    [Fact]
    public async Task Rebuild_ReadsOnlyTheWindow_AndHowFast()
    {
        int days = (int)DrainMeasurement.Setting("LOBBYEDGE_REQUEST_DAYS", 3);
        const int RequestsPerDay = 1_000;
        using var branch = new TestBranch("req-measure");
        long key = 0;
        for (int day = 0; day < days; day++)
        {
            branch.RunDays(1, ticketsPerDay: 3_000);

            // After the day closed: head office's requests of the evening, each refused and recorded.
            branch.CommandTime = new DateTimeOffset(BusinessCalendar.ToUtc(TestBranch.Shanghai, TestBranch.Monday.AddDays(day), new TimeOnly(19, 0)), TimeSpan.Zero);
            for (int i = 0; i < RequestsPerDay; i++)
            {
                await branch.Handler.ExecuteAsync(Command.Issue(0) with { Request = new RequestKey(++key, key) }, CancellationToken.None);
            }
        }

        using var memory = new RequestMemory(branch.Log, new HeadOfficeOptions().RequestMemory, HeadOfficeOptions.RequestMemoryCapacity);
        var watch = Stopwatch.StartNew();
        memory.Start();
        TimeSpan rebuilt = watch.Elapsed;

        // The window (25 h of event time) holds the last evening's requests and the earlier ones within a day.
        Assert.True(memory.TryFind(key, out DecidedRequest last));
        Assert.Equal(RefusalReason.DayNotOpen, last.Result.Refusal);
        Assert.False(memory.TryFind(1, out _) && days > 2);
        long read = branch.Log.LastSequence - memory.StartedAt + 1;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"request memory: log of {branch.Log.LastSequence} events ({days} busy days, {key} requests); rebuilt {memory.Count} requests from the last {read} events in {rebuilt.TotalMilliseconds:0} ms"));
    }
}
