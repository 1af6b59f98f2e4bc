using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests.Contracts;

/// <summary>
/// What a reader made of a log: the events it gave (sequence and CloudEvents type), the last sequence it says the
/// log has, where it said the log is damaged, and the engine state it rebuilt; null where the reader does not
/// tell.
/// </summary>
public sealed record LogView(IReadOnlyList<(long Sequence, string Type)>? Events, long? Last, long? DamageAt, string? EngineState = null);

/// <summary>
/// What every reader of the event log agrees on, in the System.Threading.Channels <c>ChannelTestBase</c> style: the
/// tests are written once here against one recorded day, and each reader (the sequential reader the head-office
/// link uses, <c>inspect</c>, <c>verify</c>'s check, the salvage listing, the engine's replay) derives a class
/// that only says how it reads a data directory. Each test reads its own copy of the recording.
/// </summary>
public abstract class EventLogReaderContract : IClassFixture<RecordedDay>
{
    private readonly RecordedDay _day;

    protected EventLogReaderContract(RecordedDay day) => _day = day;

    /// <summary>Reads the data directory as this reader does.</summary>
    protected abstract LogView Read(string directory);

    /// <summary>Whether this reader goes on past a damaged record (the salvage listing does; the others stop there).</summary>
    protected virtual bool ReadsPastDamage => false;

    [Fact]
    public void RecordedDay_IsReadWhole_InOrder()
    {
        using var dir = new TempDir();
        _day.CopyTo(dir.Path);
        AssertWholeDay(Read(dir.Path));
    }

    [Fact]
    public void TornTail_IsNoEvent()
    {
        using var dir = new TempDir();
        _day.CopyTo(dir.Path);

        // Half a record after the last durable one: a write the power cut stopped, never acknowledged.
        using (var f = new FileStream(dir.LastSegment, FileMode.Append))
        {
            f.Write(new byte[30].Select((_, i) => (byte)(0xA0 + i)).ToArray());
        }

        AssertWholeDay(Read(dir.Path));
    }

    [Fact]
    public void DamagedRecord_IsSaidWhereItIs_AndNothingInItsPlaceIsRead()
    {
        using var dir = new TempDir();
        _day.CopyTo(dir.Path);
        const int k = 7;
        using (var f = new FileStream(dir.LastSegment, FileMode.Open))
        {
            f.Position = 16 + (64 * k) + 40;
            int b = f.ReadByte();
            f.Position--;
            f.WriteByte((byte)(b ^ 0x01));
        }

        long damaged = _day.FirstOfLastSegment + k;
        LogView view = Read(dir.Path);
        if (!ReadsPastDamage)
        {
            Assert.Equal(damaged, view.DamageAt);
        }

        if (view.Events is { } events)
        {
            Assert.Equal(_day.Events.Where(e => e.Sequence < damaged), events.Where(e => e.Sequence < damaged));
            Assert.DoesNotContain(events, e => e.Sequence == damaged);
            if (ReadsPastDamage)
            {
                Assert.Equal(_day.Events.Where(e => e.Sequence > damaged), events.Where(e => e.Sequence > damaged));
            }
            else
            {
                Assert.DoesNotContain(events, e => e.Sequence > damaged);
            }
        }
    }

    /// <summary>The view is the recorded day, no more and no less, in what it tells.</summary>
    private void AssertWholeDay(LogView view)
    {
        Assert.Null(view.DamageAt);
        if (view.Last is { } last)
        {
            Assert.Equal(_day.Last, last);
        }

        if (view.Events is { } events)
        {
            Assert.Equal(_day.Events, events);
        }

        if (view.EngineState is { } state)
        {
            Assert.Equal(_day.EngineState, state);
        }
    }

    internal static (long, string) Of(in LobbyEvent e) => (e.Sequence, EventJson.TypeOf(e.Kind));
}

/// <summary>One recorded business day (40 tickets, a commit per step), shared by a reader's tests; each copies it.</summary>
public sealed class RecordedDay : IDisposable
{
    private readonly TempDir _dir = new();

    public RecordedDay()
    {
        var events = new List<(long, string)>();
        using (BranchLog log = BranchLog.Open(_dir.Path))
        {
            QueueEngine engine = Days.Run(1, batch =>
            {
                log.Append(batch);
                log.Commit();
                foreach (LobbyEvent e in batch)
                {
                    events.Add(EventLogReaderContract.Of(e));
                }
            }, tickets: 40);
            Last = log.LastSequence;
            EngineState = engine.DescribeState();
        }

        Events = events;
        FirstOfLastSegment = long.Parse(Path.GetFileNameWithoutExtension(_dir.LastSegment), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Last > FirstOfLastSegment + 10, "the recording is too short for the damage test");
    }

    public IReadOnlyList<(long Sequence, string Type)> Events { get; }

    public long Last { get; }

    public long FirstOfLastSegment { get; }

    public string EngineState { get; }

    public void CopyTo(string target)
    {
        foreach (string file in Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(_dir.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// The sequential reader (what the head-office link ships from), read up to the durable boundary as a writer beside
/// it would give it (here the durable mark on disk), without opening the log for writing.
/// </summary>
public sealed class LogReaderContractTests(RecordedDay day) : EventLogReaderContract(day)
{
    protected override LogView Read(string directory)
    {
        var events = new List<(long, string)>();
        long durable = LogCheck.Run(directory).DurableMark;
        using var reader = new LogReader(Path.GetFullPath(directory), 1, () => durable);
        try
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                events.Add(Of(e));
            }
        }
        catch (InvalidDataException)
        {
            return new LogView(events, null, reader.NextSequence);
        }

        return new LogView(events, events.Count > 0 ? events[^1].Item1 : 0, null);
    }
}

/// <summary><c>lobby-edge inspect</c>: JSON lines, stopping at damage or a torn tail and saying so.</summary>
public sealed class InspectContractTests(RecordedDay day) : EventLogReaderContract(day)
{
    protected override LogView Read(string directory)
    {
        using var output = new MemoryStream();
        LogInspection inspection = LogInspector.Inspect(directory, output, config: Days.Config());
        output.Position = 0;
        var events = new List<(long, string)>();
        using var lines = new StreamReader(output);
        while (lines.ReadLine() is { } line)
        {
            JsonElement json = JsonDocument.Parse(line).RootElement;
            events.Add((json.GetProperty("sequence").GetInt64(), json.GetProperty("type").GetString()!));
        }

        Assert.Equal(events.Count, inspection.Events);
        return new LogView(events, inspection.Damage is null ? events.Count > 0 ? events[^1].Item1 : 0 : null, inspection.Damage?.FirstSequence);
    }
}

/// <summary><c>lobby-edge verify</c>'s check: lists no events, says the last sequence and the first damage.</summary>
public sealed class LogCheckContractTests(RecordedDay day) : EventLogReaderContract(day)
{
    protected override LogView Read(string directory)
    {
        LogCheck check = LogCheck.Run(directory);
        return new LogView(null, check.Damage.Count == 0 ? check.LastSequence : null, check.Damage.Count > 0 ? check.Damage.Min(d => d.FirstSequence) : null);
    }
}

/// <summary>The salvage listing for support: every intact record, damaged slots skipped.</summary>
public sealed class SalvageContractTests(RecordedDay day) : EventLogReaderContract(day)
{
    protected override bool ReadsPastDamage => true;

    protected override LogView Read(string directory)
    {
        List<(long, string)> events = [.. LogCheck.IntactEvents(directory).Select(x => Of(x.Event))];
        return new LogView(events, null, null);
    }
}

/// <summary>The engine's replay at start-up (<see cref="EngineRecovery"/>): opens the log, rebuilds the engine from it.</summary>
public sealed class ReplayContractTests(RecordedDay day) : EventLogReaderContract(day)
{
    protected override LogView Read(string directory)
    {
        try
        {
            using BranchLog log = BranchLog.Open(directory);
            (QueueEngine engine, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Days.Config()), log);
            return new LogView(null, report.LastSequence, null, engine.DescribeState());
        }
        catch (LogDamagedException e)
        {
            return new LogView(null, null, e.Check.Damage.Min(d => d.FirstSequence));
        }
    }
}
