using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>Prints a log's events as JSON lines, for operators (the <c>inspect</c> command).</summary>
public static class LogInspector
{
    /// <summary>
    /// Writes the durable events from <paramref name="from"/> to <paramref name="to"/> (inclusive; 0 = to the end),
    /// one JSON object per line. Opens the log read-only: a torn tail is reported but not repaired, so inspecting
    /// a running branch's log never changes it. Returns the number of events written.
    /// </summary>
    public static long Write(string directory, Stream output, long from = 1, long to = 0, BranchConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(LogFiles.SegmentsDirectory(root)))
        {
            throw new DirectoryNotFoundException($"{root}: no event log here (expected a 'log' folder)");
        }

        long count = 0;
        using var reader = new LogReader(root, from, () => long.MaxValue);
        using var w = new Utf8JsonWriter(output);
        try
        {
            while ((to == 0 || reader.NextSequence <= to) && reader.TryRead(out LobbyEvent e))
            {
                EventJson.Write(w, in e, config);
                w.Flush();
                output.WriteByte((byte)'\n');
                w.Reset(output);
                count++;
            }
        }
        catch (InvalidDataException ex) when (IsTail(root, reader.NextSequence))
        {
            // The last segment's torn tail: the service repairs it at its next start.
            w.Flush();
            Console.Error.WriteLine($"inspect: stopped at a torn tail ({ex.Message}); the service repairs it when it next starts");
        }

        return count;
    }

    private static bool IsTail(string root, long next)
    {
        List<(long First, string Path)> segments = LogFiles.ListSegments(root);
        return segments.Count > 0 && next >= segments[^1].First;
    }
}
