using System.Collections.Concurrent;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Simulator;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// A branch for the link's tests: a real event log in a temporary directory, filled by a real engine running
/// simulated days (group commits, like the host), and the command handler and state source the host would give.
/// </summary>
internal sealed class TestBranch : IDisposable
{
    public static readonly TimeZoneInfo Shanghai = TestBranches.Shanghai;
    public static readonly DateOnly Monday = TestBranches.Monday;

    private int _days;

    public TestBranch(string branchId)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("lobby-ho-").FullName;
        Config = CreateConfig(branchId);
        Engine = new QueueEngine(Config);
        Log = BranchLog.Open(Directory);
        Handler = new EngineHandler(this);
        CommandTime = new DateTimeOffset(BusinessCalendar.ToUtc(Shanghai, Monday, new TimeOnly(9, 0)), TimeSpan.Zero);
    }

    public string Directory { get; }

    public BranchConfig Config { get; }

    public QueueEngine Engine { get; }

    public BranchLog Log { get; private set; }

    public EngineHandler Handler { get; }

    public TestState State { get; } = new();

    public TestLogger Logger { get; } = new();

    /// <summary>The link to wake after commits, like the host's sink does.</summary>
    public HeadOfficeLink? Link { get; set; }

    /// <summary>The engine's "now" for head-office commands.</summary>
    public DateTimeOffset CommandTime { get; set; }

    /// <summary>Guards the engine and the log: the test thread and the MQTT receive task both use them.</summary>
    public Lock Gate { get; } = new();

    public static BranchConfig CreateConfig(string branchId, int maxTicketsPerDay = 16_384) => new()
    {
        BranchId = branchId,
        TimeZone = Shanghai,
        MaxTicketsPerDay = maxTicketsPerDay,
        Services =
        [
            new ServiceConfig { Prefix = 'A', Id = "cash", SeedServiceTime = TimeSpan.FromSeconds(40), FirstNumber = 1, LastNumber = 9999 },
            new ServiceConfig { Prefix = 'B', Id = "noncash", SeedServiceTime = TimeSpan.FromSeconds(40), FirstNumber = 1, LastNumber = 9999 },
        ],
        Counters =
        [
            .. Enumerable.Range(1, 6).Select(n => new CounterConfig { Number = n, Services = [new(0), new(1)] }),
            .. Enumerable.Range(7, 6).Select(n => new CounterConfig { Number = n, Mode = CounterMode.LongestWait, Services = [new(1), new(0)] }),
        ],
    };

    /// <summary>Runs simulated business days; every step's events go to the log, committed in groups of steps.</summary>
    /// <returns>The log's last sequence.</returns>
    public long RunDays(int days, int ticketsPerDay = 200)
    {
        lock (Gate)
        {
            int steps = 0;
            for (int d = 0; d < days; d++)
            {
                var traffic = new LobbyTraffic(Config, new TrafficProfile { TicketsPerDay = ticketsPerDay }, Monday.AddDays(_days), seed: 1000 + _days);
                _days++;
                SimulatedDay.Run(Engine, traffic, TimeSpan.FromSeconds(10), events =>
                {
                    Log.Append(events);
                    if (++steps % 64 == 0)
                    {
                        Commit();
                    }
                });
                Commit();
            }

            return Log.LastSequence;
        }
    }

    /// <summary>Runs simulated days until the log holds at least <paramref name="events"/> events.</summary>
    public long RunUntil(long events, int ticketsPerDay = 2000)
    {
        while (Log.LastSequence < events)
        {
            RunDays(1, ticketsPerDay);
        }

        return Log.LastSequence;
    }

    /// <summary>Every durable event, read back from the log.</summary>
    public List<LobbyEvent> ReadAll()
    {
        var list = new List<LobbyEvent>();
        using LogReader reader = Log.ReadFrom(1);
        while (reader.TryRead(out LobbyEvent e))
        {
            list.Add(e);
        }

        return list;
    }

    public HeadOfficeLink CreateLink(HeadOfficeOptions options, IHeadOfficeCommandHandler? handler = null, TimeProvider? time = null)
    {
        var link = new HeadOfficeLink(options, Config, Log, handler ?? Handler, State, time ?? TimeProvider.System, Logger);
        Link = link;
        return link;
    }

    /// <summary>Options for a fast test: short back-off and time-outs.</summary>
    public static HeadOfficeOptions Options(params string[] brokers) => new()
    {
        Brokers = [.. brokers],
        ReconnectMinSeconds = 0.05,
        ReconnectMaxSeconds = 0.5,
        ConnectTimeoutSeconds = 5,
        KeepAliveSeconds = 5,
    };

    public void Dispose()
    {
        Log.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Commit()
    {
        Log.Commit();
        Link?.NotifyCommitted(Log.LastSequence);
    }

    /// <summary>The host's side of head-office commands, over the real engine and log.</summary>
    internal sealed class EngineHandler(TestBranch branch) : IHeadOfficeCommandHandler
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public Func<Command, CommandResult>? Override { get; set; }

        public ValueTask<CommandResult> ExecuteAsync(Command command, CancellationToken cancellationToken)
        {
            Calls.Enqueue(command.Kind.ToString());
            if (Override is { } o)
            {
                return ValueTask.FromResult(o(command));
            }

            lock (branch.Gate)
            {
                CommandResult result = branch.Engine.Execute(in command, branch.CommandTime);
                if (result.EventCount > 0)
                {
                    branch.Log.Append(branch.Engine.LastEvents);
                    branch.Commit();
                }

                return ValueTask.FromResult(result);
            }
        }

        public ValueTask<HeadOfficeReply> BroadcastNoticeAsync(string text, DateTimeOffset? until, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"notice:{text}:{until?.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}");
            return ValueTask.FromResult(HeadOfficeReply.Done);
        }

        public ValueTask<HeadOfficeReply> ConfigureAsync(ConfigurationRequest request, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"{request.Name}:{request.ProfileText ?? request.CalendarJson ?? request.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            return ValueTask.FromResult(HeadOfficeReply.Failed("configuration updates are not supported by this test branch"));
        }
    }
}

/// <summary>A state source the test changes at will.</summary>
internal sealed class TestState : IBranchStateSource
{
    private byte[] _json = "{}"u8.ToArray();
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>When set, every call returns a new state (for the rate test).</summary>
    public bool ChangeEveryCall { get; set; }

    public void Set(string json) => Volatile.Write(ref _json, System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>When each call came (Stopwatch timestamps).</summary>
    public ConcurrentQueue<long> CallTimes { get; } = new();

    public ReadOnlyMemory<byte> GetStateJson()
    {
        CallTimes.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
        int call = Interlocked.Increment(ref _calls);
        return ChangeEveryCall ? System.Text.Encoding.UTF8.GetBytes($"{{\"call\":{call}}}") : Volatile.Read(ref _json);
    }
}

/// <summary>Keeps what the link logs, to show on failure and to check that no secret is logged.</summary>
internal sealed class TestLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string Text => string.Join(Environment.NewLine, _lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {eventId.Id} {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
    }
}
