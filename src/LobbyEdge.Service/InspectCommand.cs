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

    /// <summary>Runs the command and returns the exit code (0, or 2 for a bad command line, a missing log or a bad profile).</summary>
    public static int Run(IReadOnlyList<string> args, Stream stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        long from = 1;
        long to = 0;
        ToolCommandLine? line = ToolCommandLine.Parse(args, Usage, stderr, (name, value) => name switch
        {
            "--from" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out from) && from >= 1,
            "--to" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out to) && to >= 1,
            _ => false,
        });
        if (line is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        try
        {
            LogInspector.Write(line.Data, stdout, from, to, line.Config);
            return ExitCodes.Stopped;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"lobby-edge inspect: {e.Message}");
            return e is InvalidDataException ? ExitCodes.Fatal : ExitCodes.InvalidConfiguration;
        }
    }
}
