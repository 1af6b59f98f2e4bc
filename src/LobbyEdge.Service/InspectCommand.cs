using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Service.Profiles;

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
        string? data = null;
        string? branch = null;
        long from = 1;
        long to = 0;
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string? value = i + 1 < args.Count ? args[++i] : null;
            bool ok = name switch
            {
                "--data" => (data = value) is not null,
                "--branch" => (branch = value) is not null,
                "--from" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out from) && from >= 1,
                "--to" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out to) && to >= 1,
                _ => false,
            };
            if (!ok)
            {
                stderr.WriteLine($"lobby-edge inspect: bad option '{name}'{(value is null ? " (no value)" : $" '{value}'")}");
                stderr.WriteLine(Usage);
                return ExitCodes.InvalidConfiguration;
            }
        }

        if (data is null)
        {
            stderr.WriteLine("lobby-edge inspect: --data is required");
            stderr.WriteLine(Usage);
            return ExitCodes.InvalidConfiguration;
        }

        BranchConfig? config = null;
        if (branch is not null)
        {
            try
            {
                config = BranchProfileLoader.Load(branch);
            }
            catch (ProfileException e)
            {
                stderr.WriteLine(e.Message);
                return ExitCodes.InvalidConfiguration;
            }
        }

        try
        {
            LogInspector.Write(data, stdout, from, to, config);
            return ExitCodes.Stopped;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"lobby-edge inspect: {e.Message}");
            return e is InvalidDataException ? ExitCodes.Fatal : ExitCodes.InvalidConfiguration;
        }
    }
}
