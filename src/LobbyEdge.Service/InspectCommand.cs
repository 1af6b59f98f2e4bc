using System.Globalization;
using LobbyEdge.EventLog;

namespace LobbyEdge.Service;

/// <summary>
/// <c>lobby-edge inspect --data &lt;dir&gt; [--from &lt;seq&gt;] [--to &lt;seq&gt;] [--branch &lt;file.yaml&gt;]</c>: prints the
/// branch log's events as JSON lines, read-only, for operators and support.
/// </summary>
public static class InspectCommand
{
    /// <summary>The usage line.</summary>
    public const string Usage = "usage: lobby-edge inspect --data <dir> [--from <sequence>] [--to <sequence>] [--branch <file.yaml>]";

    /// <summary>Every option <c>inspect</c> takes.</summary>
    public static IReadOnlyList<CommandOption> Options { get; } =
    [
        .. ToolCommandLine.CommonOptions,
        new("--from", "<sequence>", "the first event's sequence number, 1 or more (default 1: the oldest kept)"),
        new("--to", "<sequence>", "the last event's sequence number, not before --from (default: the newest)"),
    ];

    /// <summary>
    /// Runs the command and returns the exit code: 0 every event asked for was printed (a torn tail after them is
    /// noted on stderr: never acknowledged, the service cuts it); 1 it stopped at damage (or found evidence of missing
    /// events) that makes the service refuse to start, named on stderr with file and offset; 3 it stopped at damage in
    /// a closed segment the service tolerates; 2 a bad command line, a missing log or a bad profile. The same
    /// classification and codes as <c>verify</c> (<see cref="LogCheck"/>).
    /// </summary>
    public static int Run(IReadOnlyList<string> args, Stream stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        long from = 1;
        long to = 0;
        ToolCommandLine? line = ToolCommandLine.Parse(args, Usage, Options, stderr, (name, value) => name switch
        {
            "--from" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out from) && from >= 1,
            "--to" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out to) && to >= 1,
            _ => false,
        });
        if (line is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        if (to > 0 && to < from)
        {
            // A reversed range would print nothing and exit 0, as if the log had no such events.
            _ = ToolCommandLine.Refuse(stderr, "lobby-edge inspect", Usage, $"--from {from} is after --to {to}: give the first sequence number, then the last (--from {to} --to {from})");
            return ExitCodes.InvalidConfiguration;
        }

        try
        {
            LogInspection result = LogInspector.Inspect(line.Data, stdout, from, to, line.Config);
            if (result.Note(Path.GetFullPath(line.Data)) is { } note)
            {
                stderr.WriteLine($"lobby-edge inspect: {note}");
            }
            else if (from > result.LastSequence && from > 1)
            {
                // Nothing printed and exit 0 would read as "no such events happened"; they are not in the log yet.
                _ = ToolCommandLine.Refuse(stderr, "lobby-edge inspect", Usage, result.LastSequence == 0
                    ? $"--from {from}: the log has no events yet"
                    : $"--from {from} is past the log's newest event, {result.LastSequence}");
                return ExitCodes.InvalidConfiguration;
            }

            if (line.Config is null && result.Events > 0)
            {
                stderr.WriteLine("lobby-edge inspect: services, counters and tiers are shown by number; add --branch <file.yaml> to show them by name");
            }

            return result.Damage is null ? ExitCodes.Stopped : result.Refuses ? VerifyCommand.Refuses : VerifyCommand.Findings;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"lobby-edge inspect: {e.Message}");
            return e is InvalidDataException ? ExitCodes.Fatal : ExitCodes.InvalidConfiguration;
        }
    }
}
