using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Configuration;

namespace LobbyEdge.Service;

/// <summary>
/// The command line shared by the read-only tools (<c>inspect</c>, <c>verify</c>): <c>--data &lt;dir&gt;</c> (required),
/// <c>--branch &lt;file.yaml&gt;</c> (optional, loaded and checked), and the tool's own options.
/// </summary>
internal sealed class ToolCommandLine
{
    private ToolCommandLine(string data, BranchConfig? config, string? branchPath)
    {
        Data = data;
        Config = config;
        BranchPath = branchPath;
    }

    /// <summary>The options every tool takes: <c>--data</c> and <c>--branch</c>.</summary>
    public static IReadOnlyList<CommandOption> CommonOptions { get; } =
    [
        new("--data", "<dir>", "the data directory to read (required; e.g. /var/lib/lobby-edge)"),
        new("--branch", "<file.yaml>", "the branch profile: loaded and checked, and used to read the events as the branch does"),
    ];

    /// <summary>The data directory.</summary>
    public string Data { get; }

    /// <summary>The branch loaded from <c>--branch</c>, or null.</summary>
    public BranchConfig? Config { get; }

    /// <summary>The path given with <c>--branch</c>, or null.</summary>
    public string? BranchPath { get; }

    /// <summary>
    /// Parses <paramref name="args"/> (the tool's name first). Any name not in <paramref name="options"/>, or given twice, is refused;
    /// <paramref name="option"/> takes the tool's own options (name, value) and returns false for a bad value. Returns null after writing the problem
    /// and <paramref name="usage"/> to <paramref name="stderr"/> (the tool then exits 2).
    /// </summary>
    public static ToolCommandLine? Parse(IReadOnlyList<string> args, string usage, IReadOnlyList<CommandOption> options, TextWriter stderr, Func<string, string?, bool>? option = null)
    {
        string tool = $"lobby-edge {args[0]}";
        string? data = null;
        string? branch = null;
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string? value = i + 1 < args.Count ? args[++i] : null;
            if (options.Any(o => o.Name == name) && !given.Add(name))
            {
                // The last of two would win silently: say so instead.
                return Refuse(stderr, tool, usage, $"{name} is given twice");
            }

            bool ok = options.Any(o => o.Name == name) && name switch
            {
                "--data" => (data = value) is not null,
                "--branch" => (branch = value) is not null,
                _ => option is not null && option(name, value),
            };
            if (!ok)
            {
                return Refuse(stderr, tool, usage, $"bad option '{name}'{(value is null ? " (no value)" : $" '{value}'")}");
            }
        }

        if (data is null)
        {
            return Refuse(stderr, tool, usage, "--data is required");
        }

        BranchConfig? config;
        try
        {
            config = branch is null ? null : BranchProfileLoader.Load(branch).Branch;
        }
        catch (ProfileException e)
        {
            stderr.WriteLine(e.Message);
            return null;
        }

        // Another branch's profile would name this branch's services, counters and tiers wrongly: refused, as the
        // service refuses to start on another branch's data.
        if (config is not null && BranchMarker.OtherThan(config.BranchId, ConfigurationStore.BranchOf(data), data) is { } owner)
        {
            return Refuse(stderr, tool, usage,
                $"the data directory {data} belongs to branch \"{owner.BranchId}\" ({owner.RecordedIn}), but {branch} is branch \"{config.BranchId}\": " +
                "give that branch's profile, or leave --branch out " + (args[0] == "inspect"
                    ? "(services, counters and tiers are then shown by number)"
                    : "(the files are then checked without replaying today)"));
        }

        return new ToolCommandLine(data, config, branch);
    }

    /// <summary>
    /// Writes a command-line problem of <paramref name="tool"/> (e.g. <c>lobby-edge inspect</c>), its usage and where
    /// help is, to <paramref name="stderr"/>; returns null (the tool then exits 2).
    /// </summary>
    public static ToolCommandLine? Refuse(TextWriter stderr, string tool, string usage, string problem)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        stderr.WriteLine($"{tool}: {problem}");
        stderr.WriteLine(usage);
        stderr.WriteLine($"see {tool} --help");
        return null;
    }
}
