using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>What <c>inspect</c> printed and where it stopped.</summary>
/// <param name="Events">Events written.</param>
/// <param name="Damage">
/// The damage it stopped at, or evidence of missing events after the last event it printed (as <see cref="LogCheck"/>
/// classes it), or null.
/// </param>
/// <param name="Tail">The torn tail after the last event it printed (never acknowledged; the service cuts it), or null.</param>
/// <param name="LastSequence">The log's newest durable event's sequence number (0: no events).</param>
/// <param name="StartRefuses">
/// True when the service refuses to start because of damage anywhere in the data directory, also outside the events
/// asked for (then it cuts no torn tail either).
/// </param>
public sealed record LogInspection(long Events, LogDamage? Damage, TornTail? Tail, long LastSequence, bool StartRefuses = false)
{
    /// <summary>True when the service refuses to start because of <see cref="Damage"/>.</summary>
    public bool Refuses => Damage?.Blocking == true;

    /// <summary>One line for an operator saying where and why the listing stopped, or null when it ran to the end.</summary>
    public string? Note(string root) => Damage is { } d
        ? $"stopped at damage: {d}; {(d.Blocking ? "the service will refuse to start" : "a closed segment nobody needs: the service starts and reports it")}; run lobby-edge verify --data {root}"
        : Tail is { } t
        ? $"stopped at a torn tail: {t.File}, offset {t.GoodLength}, {t.Bytes} byte(s) ({t.Reason}): never acknowledged; "
            + (StartRefuses
                ? $"the service cuts it when it starts, but it refuses to start because of damage outside the events asked for; run lobby-edge verify --data {root}"
                : "the service cuts it when it next starts")
        : null;
}

/// <summary>Prints a log's events as JSON lines, for operators (the <c>inspect</c> command).</summary>
public static class LogInspector
{
    /// <summary>
    /// Writes the durable events from <paramref name="from"/> to <paramref name="to"/> (inclusive; 0 = to the end),
    /// one JSON object per line; see <see cref="Inspect"/>. Returns the number of events written.
    /// </summary>
    public static long Write(string directory, Stream output, long from = 1, long to = 0, BranchConfig? config = null) =>
        Inspect(directory, output, from, to, config).Events;

    /// <summary>
    /// Writes the durable events from <paramref name="from"/> to <paramref name="to"/> (inclusive; 0 = to the end),
    /// one JSON object per line, read-only (nothing is repaired, so inspecting a running branch's log never changes it).
    /// The data directory is checked first with <see cref="LogCheck"/>, the same classification the service's start
    /// uses: the listing stops before the first damaged stretch (a bad record, a bad segment header, a gap) and
    /// reports it, or stops at a torn tail, or reports evidence that events are missing after the end.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No <c>log</c> folder in <paramref name="directory"/>.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    public static LogInspection Inspect(string directory, Stream output, long from = 1, long to = 0, BranchConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(LogFiles.SegmentsDirectory(root)))
        {
            throw new DirectoryNotFoundException($"{root}: no event log here (expected a 'log' folder)");
        }

        LogCheck check = LogCheck.Run(root);
        long wanted = to == 0 ? long.MaxValue : to;
        LogDamage? stop = check.Damage
            .Where(d => d.Kind != LogDamageKind.MissingEvents && d.LastSequence >= from && d.FirstSequence <= wanted)
            .MinBy(d => d.FirstSequence);
        stop ??= check.Damage.FirstOrDefault(d => d.Kind == LogDamageKind.MissingEvents && d.FirstSequence <= wanted);
        long end = Math.Min(wanted, stop is null ? check.LastSequence : Math.Min(check.LastSequence, stop.FirstSequence - 1));
        TornTail? tail = stop is null && to == 0 ? check.Tail : null;

        long count = 0;
        if (end >= from)
        {
            using var reader = new LogReader(root, from, () => end);
            using var w = new Utf8JsonWriter(output);
            while (reader.TryRead(out LobbyEvent e))
            {
                EventJson.Write(w, in e, config);
                w.Flush();
                output.WriteByte((byte)'\n');
                w.Reset(output);
                count++;
            }
        }

        return new LogInspection(count, stop, tail, check.LastSequence, check.MustRefuse);
    }
}
