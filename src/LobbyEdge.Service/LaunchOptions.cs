using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LobbyEdge.Service;

/// <summary>
/// What <c>lobby-edge</c> was asked to do on its command line:
/// <c>lobby-edge --branch &lt;file.yaml&gt; [--data &lt;dir&gt;] [--simulate [--speed &lt;x&gt;] [--seed &lt;n&gt;] [--days &lt;n&gt;]]</c>.
/// </summary>
/// <remarks>
/// The host's own options are parsed here rather than by the configuration command-line provider, because that
/// provider accepts any <c>--name</c> silently and cannot read a flag without a value (<c>--simulate</c>). A
/// misspelt option must stop the start with exit code 2, not be ignored. Arguments whose name holds a colon
/// (<c>--Logging:LogLevel:Default=Debug</c>) are configuration keys and go on to the configuration sources.
/// </remarks>
public sealed record LaunchOptions
{
    /// <summary>The one-line usage shown with every command-line error.</summary>
    public const string Usage =
        "usage: lobby-edge --branch <file.yaml> [--data <dir>] [--simulate [--speed <x>] [--seed <n>] [--days <n>]] [--Section:Key=value ...]\n" +
        "       lobby-edge inspect --data <dir> [--from <sequence>] [--to <sequence>] [--branch <file.yaml>]\n" +
        "       lobby-edge verify --data <dir> [--branch <file.yaml>]\n" +
        "       lobby-edge staff add|pin|remove|list (--data <dir> | --file <staff.txt>) [--id <id> --name <name> --role <role>]   (PIN on stdin)";

    /// <summary>Where the service keeps its data when it runs for real (systemd's StateDirectory).</summary>
    public const string DefaultDataDirectory = "/var/lib/lobby-edge";

    /// <summary>Where a simulation keeps its data, relative to the working directory, so a demo never touches a real branch's log.</summary>
    public const string DefaultSimulationDataDirectory = "lobby-data";

    /// <summary>Default simulation speed: a day of eight opening hours in eight minutes.</summary>
    public const double DefaultSpeed = 60;

    /// <summary>
    /// The fastest simulation allowed. Real timers wait at least a millisecond, which at this speed is ten
    /// simulated seconds added to every step of the day; beyond it counters serve visibly fewer customers than
    /// they would (from about 5000x on, the day summary already drifts from the same day run at 60x).
    /// </summary>
    public const double MaxSpeed = 10_000;

    /// <summary>
    /// Every option of the service's command line, as <c>lobby-edge --help</c> lists it. The parser refuses any
    /// name that is not here (besides <c>--help</c>, <c>-h</c>, <c>-?</c> and configuration keys <c>--Section:Key=value</c>).
    /// </summary>
    public static IReadOnlyList<CommandOption> Options { get; } =
    [
        new("--branch", "<file.yaml>", "the branch profile (required); every problem in it exits 2 naming file, line and field"),
        new("--data", "<dir>", $"the data directory: event log, snapshots, cursors, staff file (default {DefaultDataDirectory}; ./{DefaultSimulationDataDirectory} under --simulate)"),
        new("--simulate", null, "play the day with simulated customers and staff instead of real devices; stops after --days"),
        new("--speed", "<x>", $"with --simulate: times faster than real time, above 0 and at most {MaxSpeed.ToString(CultureInfo.InvariantCulture)} (default {DefaultSpeed.ToString(CultureInfo.InvariantCulture)}: a day of eight opening hours in eight minutes)"),
        new("--seed", "<n>", "with --simulate: the simulation's seed, a whole number (default: drawn and logged, so any run can be repeated)"),
        new("--days", "<n>", "with --simulate: business days to play before the service stops, 1 to 366 (default 1)"),
    ];

    /// <summary>The branch profile (YAML) as given.</summary>
    public required string BranchPath { get; init; }

    /// <summary>The data directory as given, or the default for the mode.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Whether to drive the branch with simulated customers and staff instead of real devices.</summary>
    public bool Simulate { get; init; }

    /// <summary>How many times faster than real time a simulation runs.</summary>
    public double Speed { get; init; } = DefaultSpeed;

    /// <summary>The simulation's seed, or null to draw one (it is logged, so any run can be repeated).</summary>
    public int? Seed { get; init; }

    /// <summary>How many business days a simulation runs before the service stops.</summary>
    public int Days { get; init; } = 1;

    /// <summary>The arguments meant for the configuration sources, each as <c>--Key=value</c>.</summary>
    public IReadOnlyList<string> ConfigurationArguments { get; init; } = [];

    /// <summary>
    /// Reads the command line. Returns false with <paramref name="error"/> set when it is not valid, or with
    /// <paramref name="error"/> null when help was asked for.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out LaunchOptions? options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = null;
        string? branch = null;
        string? data = null;
        bool simulate = false;
        string? speedText = null;
        string? seedText = null;
        string? daysText = null;
        var configuration = new List<string>();

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help" or "-?")
            {
                error = null;
                return false;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"unexpected argument '{arg}'";
                return false;
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? inline = equals < 0 ? null : arg[(equals + 1)..];

            if (name.Contains(':', StringComparison.Ordinal))
            {
                if (!TryTakeValue(args, ref i, name, inline, out string? value, out error))
                {
                    return false;
                }

                configuration.Add($"{name}={value}");
                continue;
            }

            if (!Options.Any(o => o.Name == name))
            {
                error = $"unknown option '{name}'";
                return false;
            }

            switch (name)
            {
                case "--simulate":
                    if (inline is not null)
                    {
                        error = "--simulate takes no value";
                        return false;
                    }

                    if (simulate)
                    {
                        error = "--simulate is given twice";
                        return false;
                    }

                    simulate = true;
                    break;

                case "--branch":
                    if (!TryTakeOnce(args, ref i, name, inline, ref branch, out error))
                    {
                        return false;
                    }

                    break;

                case "--data":
                    if (!TryTakeOnce(args, ref i, name, inline, ref data, out error))
                    {
                        return false;
                    }

                    break;

                case "--speed":
                    if (!TryTakeOnce(args, ref i, name, inline, ref speedText, out error))
                    {
                        return false;
                    }

                    break;

                case "--seed":
                    if (!TryTakeOnce(args, ref i, name, inline, ref seedText, out error))
                    {
                        return false;
                    }

                    break;

                case "--days":
                    if (!TryTakeOnce(args, ref i, name, inline, ref daysText, out error))
                    {
                        return false;
                    }

                    break;

                default:
                    error = $"unknown option '{name}'";
                    return false;
            }
        }

        if (branch is null)
        {
            error = "--branch <file.yaml> is required";
            return false;
        }

        if (!simulate && (speedText ?? seedText ?? daysText) is not null)
        {
            error = $"{(speedText is not null ? "--speed" : seedText is not null ? "--seed" : "--days")} applies only with --simulate";
            return false;
        }

        double speed = DefaultSpeed;
        if (speedText is not null
            && (!double.TryParse(speedText, NumberStyles.Float, CultureInfo.InvariantCulture, out speed)
                || !double.IsFinite(speed) || speed <= 0 || speed > MaxSpeed))
        {
            error = $"--speed '{speedText}': must be a number greater than 0 and at most {MaxSpeed.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        int? seed = null;
        if (seedText is not null)
        {
            if (!int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s))
            {
                error = $"--seed '{seedText}': must be a whole number";
                return false;
            }

            seed = s;
        }

        int days = 1;
        if (daysText is not null
            && (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > 366))
        {
            error = $"--days '{daysText}': must be a whole number from 1 to 366";
            return false;
        }

        options = new LaunchOptions
        {
            BranchPath = branch,
            DataDirectory = data ?? (simulate ? DefaultSimulationDataDirectory : DefaultDataDirectory),
            Simulate = simulate,
            Speed = speed,
            Seed = seed,
            Days = days,
            ConfigurationArguments = configuration,
        };
        error = null;
        return true;
    }

    private static bool TryTakeOnce(IReadOnlyList<string> args, ref int i, string name, string? inline, ref string? slot, out string? error)
    {
        if (slot is not null)
        {
            error = $"{name} is given twice";
            return false;
        }

        if (!TryTakeValue(args, ref i, name, inline, out string? value, out error))
        {
            return false;
        }

        slot = value;
        return true;
    }

    private static bool TryTakeValue(IReadOnlyList<string> args, ref int i, string name, string? inline, [NotNullWhen(true)] out string? value, out string? error)
    {
        // A value that starts with "--" is the next option, not a value: "--branch --simulate" is a missing path.
        value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
        if (string.IsNullOrEmpty(value))
        {
            value = null;
            error = $"{name} needs a value";
            return false;
        }

        error = null;
        return true;
    }
}
