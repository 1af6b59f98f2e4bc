using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

/// <summary>
/// Staffing advice and self-service choices (issue 14) through a real log: the events written, read back field for
/// field, inspected as JSON with their names; start-up gives back the day's advice list and choices, from the log
/// alone, over a snapshot, and over a snapshot of the format before advice (6), which is skipped.
/// </summary>
public sealed class AdviceEventsTests
{
    private static readonly DateTimeOffset s_nine = new(BusinessCalendar.ToUtc(Days.Shanghai, Days.Monday, new TimeOnly(9, 0)), TimeSpan.Zero);

    /// <summary>The log tests' branch; cash names an ATM as its self-service alternative.</summary>
    private static BranchConfig Config()
    {
        BranchConfig days = Days.Config();
        return new BranchConfig
        {
            BranchId = days.BranchId,
            TimeZone = days.TimeZone,
            Services =
            [
                new ServiceConfig
                {
                    Prefix = 'A',
                    Id = "cash",
                    SeedServiceTime = TimeSpan.FromMinutes(3),
                    SelfService = new SelfServiceAlternative("ATM / cash recycler", "自助存取款机", TimeSpan.FromMinutes(1)), // suggested from the first waiting customers
                },
                days.Services[1],
            ],
            Counters = days.Counters,
        };
    }

    /// <summary>
    /// A morning: counter 3 closed, three cash tickets; a customer takes the ATM; advice 1 (open counter 3 for cash)
    /// is accepted by staff 1007 after 95 s; advice 2 (pause counter 2) stays open.
    /// </summary>
    private static QueueEngine Morning(BranchLog log)
    {
        var engine = new QueueEngine(Config());
        DateTimeOffset now = s_nine;
        void Run(Command command)
        {
            CommandResult r = engine.Execute(command, now);
            Assert.True(r.Accepted, $"{command.Kind}: {r.Refusal}");
            log.Append(engine.LastEvents);
            log.Commit();
        }

        Run(Command.OpenDay());
        Run(Command.CloseCounter(3));
        Run(Command.Issue(0));
        Run(Command.Issue(0));
        Run(Command.Issue(0));
        now = now.AddMinutes(1);
        Run(Command.ChooseSelfService(0));
        Run(Command.Advise(3, 0, new AdviceFigures(AdviceKind.Open, 4000, 8812, 6, 30)));
        now = now.AddSeconds(95);
        Run(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 1007));
        Run(Command.OpenCounter(3));
        Run(Command.Advise(2, -1, new AdviceFigures(AdviceKind.Pause, 9500, 9400, -1, 30)));
        return engine;
    }

    [Fact]
    public void AdviceEvents_RoundTripThroughTheLog_AndInspectNamesThemWithTheirFields()
    {
        using var dir = new TempDir();
        var written = new List<LobbyEvent>();
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            Morning(log);
            using LogReader reader = log.ReadFrom(1);
            while (reader.TryRead(out LobbyEvent e))
            {
                written.Add(e);
            }
        }

        // Every field comes back as the engine made it (RecordCodec round trip), the negative ones too.
        LobbyEvent[] advice = [.. written.Where(e => e.Kind is EventKind.AdviceIssued or EventKind.AdviceAnswered or EventKind.SelfServiceChosen)];
        Assert.Equal([EventKind.SelfServiceChosen, EventKind.AdviceIssued, EventKind.AdviceAnswered, EventKind.AdviceIssued], advice.Select(e => e.Kind));
        AdviceIssuedView open = advice[1].AsAdviceIssued();
        Assert.Equal((1, AdviceKind.Open, 3, 0, 4000, 8812, 6, 30), (open.AdviceId, open.Kind, open.CounterNumber, open.Service, open.ServiceLevelNowBp, open.ServiceLevelWithBp, open.PastCareAvoided, open.HorizonMinutes));
        AdviceIssuedView pause = advice[3].AsAdviceIssued();
        Assert.Equal((2, -1, -1), (pause.AdviceId, pause.Service, pause.PastCareAvoided));
        AdviceAnsweredView answer = advice[2].AsAdviceAnswered();
        Assert.Equal((1, AdviceAnswer.Accepted, 3, 0, 95_000L, 1007), (answer.AdviceId, answer.Answer, answer.CounterNumber, answer.Service, answer.AnsweredAfterMs, answer.Staff));
        SelfServiceChosenView chosen = advice[0].AsSelfServiceChosen();
        Assert.Equal((0, 3), (chosen.Service, chosen.Waiting));
        Assert.True(chosen.PredictedWaitMs > 0);

        using var output = new MemoryStream();
        Assert.Equal(written.Count, LogInspector.Write(dir.Path, output, config: Config()));
        JsonElement[] lines = [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        JsonElement Of(string type, int nth = 0) => lines.Where(l => l.GetProperty("type").GetString() == type).ElementAt(nth);

        JsonElement issued = Of("lobby.advice.issued");
        Assert.Equal("cash", issued.GetProperty("service").GetString());
        Assert.Equal(3, issued.GetProperty("counter").GetInt32());
        Assert.Equal(1, issued.GetProperty("adviceId").GetInt32());
        Assert.Equal("open", issued.GetProperty("kind").GetString());
        Assert.Equal(0.4, issued.GetProperty("serviceLevelNow").GetDouble());
        Assert.Equal(0.8812, issued.GetProperty("serviceLevelWith").GetDouble());
        Assert.Equal(6, issued.GetProperty("pastCareAvoided").GetInt32());
        Assert.Equal(30, issued.GetProperty("horizonMinutes").GetInt32());
        Assert.False(issued.TryGetProperty("ticket", out _));

        JsonElement second = Of("lobby.advice.issued", 1);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("service").ValueKind);
        Assert.Equal("pause", second.GetProperty("kind").GetString());
        Assert.Equal(-1, second.GetProperty("pastCareAvoided").GetInt32());

        JsonElement answered = Of("lobby.advice.answered");
        Assert.Equal(("accepted", 1, 95_000, 1007), (answered.GetProperty("answer").GetString(), answered.GetProperty("adviceId").GetInt32(), answered.GetProperty("answeredAfterMs").GetInt32(), answered.GetProperty("staff").GetInt32()));

        JsonElement self = Of("lobby.kiosk.self_service_chosen");
        Assert.Equal("cash", self.GetProperty("service").GetString());
        Assert.Equal(3, self.GetProperty("waiting").GetInt32());
        Assert.Equal(chosen.PredictedWaitMs, self.GetProperty("predictedWaitMs").GetInt64());
    }

    /// <summary>How start-up finds the log: no snapshot, a snapshot of this format, or one of format 6 (before advice).</summary>
    public enum SnapshotCase
    {
        /// <summary>The day replayed from the log alone.</summary>
        None,

        /// <summary>A snapshot of the live state, restored.</summary>
        Current,

        /// <summary>A snapshot stamped with format 6: skipped, the day replayed.</summary>
        Format6,
    }

    [Theory]
    [InlineData(SnapshotCase.None)]
    [InlineData(SnapshotCase.Current)]
    [InlineData(SnapshotCase.Format6)]
    public void Restore_GivesBackTheDaysAdviceAndChoices(SnapshotCase snapshot)
    {
        using var dir = new TempDir();
        QueueEngine live;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = Morning(log);
            if (snapshot != SnapshotCase.None)
            {
                byte[] bytes = live.CreateSnapshot();
                if (snapshot == SnapshotCase.Format6)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 6);
                }

                log.Snapshots.Save(log.LastSequence, bytes);
            }
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Config()), reopened);
        Assert.Equal(snapshot == SnapshotCase.Current ? live.LastSequence : 0, report.SnapshotSequence);
        Assert.Equal(live.DescribeState(), restored.DescribeState());
        Assert.Equal(2, restored.AdviceCount);
        Assert.True(restored.TryGetAdvice(1, out AdviceView first));
        Assert.Equal((AdviceKind.Open, 3, AdviceAnswer.Accepted, 1007), (first.Kind, first.CounterNumber, first.Answer, first.Staff));
        Assert.True(restored.TryGetAdvice(2, out AdviceView second));
        Assert.Equal(AdviceAnswer.None, second.Answer);
        Assert.Equal(1, restored.SelfServiceChosenCount(0));

        // The restored engine goes on from there: advice 2 can be answered once, advice 1 not again.
        DateTimeOffset later = s_nine.AddMinutes(5);
        Assert.Equal(RefusalReason.AlreadyAnswered, restored.Execute(Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 1007), later).Refusal);
        Assert.True(restored.Execute(Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 1007), later).Accepted);
    }
}
