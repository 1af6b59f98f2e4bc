using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

/// <summary>
/// Customer ratings (issue 13) through a real log: the prompt and the rating events written, read back field for
/// field, inspected as JSON with their names; start-up replays them to the live rating figures, also over a snapshot
/// of the format before ratings.
/// </summary>
public sealed class RatingEventsTests
{
    private static readonly DateTimeOffset s_nine = new(BusinessCalendar.ToUtc(Days.Shanghai, Days.Monday, new TimeOnly(9, 0)), TimeSpan.Zero);

    /// <summary>
    /// A morning of ratings: A001 waits 12 minutes with one act of care, is served at counter 1, prompted twice and
    /// rated 4 on the pad; B001 is served at counter 2 and rated 3 with reasons on the page; a pad press at counter
    /// 3, which finished nothing, is unlinked.
    /// </summary>
    private static QueueEngine Morning(BranchLog log)
    {
        var engine = new QueueEngine(Days.Config());
        DateTimeOffset now = s_nine;
        void Run(Command command)
        {
            CommandResult r = engine.Execute(command, now);
            Assert.True(r.Accepted, $"{command.Kind}: {r.Refusal}");
            log.Append(engine.LastEvents);
            log.Commit();
        }

        Run(Command.OpenDay());
        Run(Command.Issue(0));
        Run(Command.Issue(1));
        now = now.AddMinutes(2);
        Run(Command.GiveCare(0, 1007));
        now = now.AddMinutes(10);
        Run(Command.CallNext(1));
        Run(Command.CallNext(2));
        now = now.AddMinutes(3);
        Run(Command.Finish(1));
        Run(Command.Finish(2));
        now = now.AddSeconds(5);
        Run(Command.RequestRating(1));
        now = now.AddSeconds(25);
        Run(Command.RequestRating(1));
        Run(Command.Rate(1, 4, RatingScale.Pad5));
        Run(Command.RateTicket(2, 1, 3, RatingScale.Nps11, RatingReasons.Waiting | RatingReasons.Annoying));
        Run(Command.Rate(3, 9, RatingScale.Nps11));
        return engine;
    }

    [Fact]
    public void RatingEvents_RoundTripThroughTheLog_AndInspectNamesThemWithTheirFields()
    {
        using var dir = new TempDir();
        var emitted = new List<LobbyEvent>();
        var written = new List<LobbyEvent>();
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            QueueEngine live = Morning(log);
            using LogReader reader = log.ReadFrom(1);
            while (reader.TryRead(out LobbyEvent e))
            {
                written.Add(e);
            }

            Assert.Equal(3, live.RatingFiguresTotal().Total);
        }

        // Every field of the rating events comes back as written (RecordCodec round trip).
        LobbyEvent[] ratings = [.. written.Where(e => e.Kind is EventKind.RatingRequested or EventKind.TicketRated)];
        Assert.Equal(5, ratings.Length);
        Assert.Equal([1, 2], ratings.Where(e => e.Kind == EventKind.RatingRequested).Select(e => e.AsRatingRequested().PromptNumber));
        Assert.Equal([5000L, 30000L], ratings.Where(e => e.Kind == EventKind.RatingRequested).Select(e => e.AsRatingRequested().SinceFinishMs));
        LobbyEvent unlinked = ratings[^1];
        Assert.Equal((EventKind.TicketRated, -1, (short)-1, (short)-1, 0, (short)3, 9, -1L, 0L), (unlinked.Kind, unlinked.Ticket, unlinked.Service, unlinked.NumberService, unlinked.Number, unlinked.Counter, unlinked.Count, unlinked.A, unlinked.B));

        using var output = new MemoryStream();
        Assert.Equal(written.Count, LogInspector.Write(dir.Path, output, config: Days.Config()));
        JsonElement[] lines = [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        JsonElement Of(string type, int nth = 0) => lines.Where(l => l.GetProperty("type").GetString() == type).ElementAt(nth);

        JsonElement prompt = Of("lobby.ticket.rating_requested", 1);
        Assert.Equal("A001", prompt.GetProperty("ticket").GetString());
        Assert.Equal("cash", prompt.GetProperty("service").GetString());
        Assert.Equal(1, prompt.GetProperty("counter").GetInt32());
        Assert.Equal(2, prompt.GetProperty("prompt").GetInt32());
        Assert.Equal(30.0, prompt.GetProperty("sinceFinishSeconds").GetDouble());

        JsonElement pad = Of("lobby.ticket.rated");
        Assert.Equal("A001", pad.GetProperty("ticket").GetString());
        Assert.Equal(0, pad.GetProperty("ticketId").GetInt32());
        Assert.Equal("cash", pad.GetProperty("service").GetString());
        Assert.Equal("normal", pad.GetProperty("tier").GetString());
        Assert.Equal(1, pad.GetProperty("counter").GetInt32());
        Assert.Equal(4, pad.GetProperty("score").GetInt32());
        Assert.Equal("pad5", pad.GetProperty("scale").GetString());
        Assert.Equal(0, pad.GetProperty("reasons").GetArrayLength());
        Assert.True(pad.GetProperty("linked").GetBoolean());
        Assert.Equal(12 * 60.0, pad.GetProperty("waitSeconds").GetDouble());
        Assert.Equal(1, pad.GetProperty("careGiven").GetInt32());

        JsonElement page = Of("lobby.ticket.rated", 1);
        Assert.Equal("B001", page.GetProperty("ticket").GetString());
        Assert.Equal("noncash", page.GetProperty("service").GetString());
        Assert.Equal("nps11", page.GetProperty("scale").GetString());
        Assert.Equal(["waiting", "annoying"], page.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(0, page.GetProperty("careGiven").GetInt32());

        JsonElement counterOnly = Of("lobby.ticket.rated", 2);
        Assert.False(counterOnly.GetProperty("linked").GetBoolean());
        Assert.Equal(3, counterOnly.GetProperty("counter").GetInt32());
        Assert.Equal(9, counterOnly.GetProperty("score").GetInt32());
        foreach (string absent in new[] { "ticket", "ticketId", "service", "tier", "waitSeconds", "careGiven" })
        {
            Assert.False(counterOnly.TryGetProperty(absent, out _), absent);
        }
    }

    /// <param name="oldSnapshot">
    /// Also leave a snapshot of the live state stamped with format version 3 (before ratings): not this build's, so
    /// it is skipped and the day replayed from the log.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Restore_ReplaysTheRatings_ToTheLiveFigures_OverASnapshotOfTheFormatBeforeRatings(bool oldSnapshot)
    {
        using var dir = new TempDir();
        QueueEngine live;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = Morning(log);
            if (oldSnapshot)
            {
                byte[] old = live.CreateSnapshot();
                BinaryPrimitives.WriteInt32LittleEndian(old.AsSpan(4), 3);
                Assert.False(new QueueEngine(Days.Config()).TryRestoreSnapshot(old));
                log.Snapshots.Save(log.LastSequence, old);
            }
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Days.Config()), reopened);
        Assert.Equal(0, report.SnapshotSequence);
        Assert.Equal(oldSnapshot, report.Notes.Any(n => n.Contains("does not fit", StringComparison.Ordinal)));
        Assert.Equal(live.DescribeState(), restored.DescribeState());
        Assert.Equal(live.RatingFiguresTotal(), restored.RatingFiguresTotal());
        for (int c = 1; c <= 3; c++)
        {
            Assert.Equal(live.RatingFiguresOfCounter(c), restored.RatingFiguresOfCounter(c));
        }

        Assert.Equal(live.RatingFiguresOfService(0), restored.RatingFiguresOfService(0));
        Assert.Equal(live.RatingFiguresOfService(1), restored.RatingFiguresOfService(1));
        RatingFigures total = restored.RatingFiguresTotal();
        Assert.Equal((1, 1, 2, 1), (total.Requested, total.Answered, total.Linked, total.Unlinked));
    }
}
