using System.Text;
using LobbyEdge.HeadOffice;

namespace LobbyEdge.Service;

/// <summary>One option of a verb, as its parser accepts it and as <c>--help</c> explains it.</summary>
/// <param name="Name">The option as typed, e.g. <c>--speed</c>.</param>
/// <param name="Value">The value's placeholder, e.g. <c>&lt;x&gt;</c>; null for a flag that takes no value.</param>
/// <param name="Description">What it does, with its default.</param>
public sealed record CommandOption(string Name, string? Value, string Description);

/// <summary>One verb of <c>lobby-edge</c>, as <c>--help</c> explains it.</summary>
/// <param name="Name">The verb as typed (<c>run</c>, <c>inspect</c>, …).</param>
/// <param name="Usage">The verb's usage lines (each starting with <c>usage:</c> or indented under it).</param>
/// <param name="Summary">What the verb does, one sentence.</param>
/// <param name="Options">Every option the verb's parser accepts; the parser refuses any other.</param>
/// <param name="ExitCodes">The verb's exit codes, one line each (<c>"0  …"</c>).</param>
/// <param name="Actions">The words the verb takes right after it (<c>staff add</c>); empty when it takes none.</param>
public sealed record CommandVerb(string Name, string Usage, string Summary, IReadOnlyList<CommandOption> Options, IReadOnlyList<string> ExitCodes, IReadOnlyList<string>? Actions = null);

/// <summary>
/// <c>lobby-edge --version</c>, <c>lobby-edge --help</c> (<c>-h</c>, <c>help</c>) and <c>lobby-edge &lt;verb&gt; --help</c>:
/// what an operator on the box types first. Help goes to stdout and exits 0.
/// </summary>
public static class CommandLineHelp
{
    /// <summary>The last line of every command-line error of the service itself.</summary>
    public const string Hint = "see lobby-edge --help";

    /// <summary>The informational version, the same the head-office <c>status</c> message carries as <c>"version"</c>.</summary>
    public static string Version => HeadOfficeLink.BuildVersion;

    /// <summary>Every verb, in the order help lists them; <c>run</c> (the service) is the default verb.</summary>
    public static IReadOnlyList<CommandVerb> Verbs { get; } =
    [
        new(
            "run",
            LaunchOptions.Usage.Split('\n')[0].Replace("lobby-edge --branch", "lobby-edge [run] --branch", StringComparison.Ordinal),
            "Runs the branch's service (the default verb: 'run' may be left out). Under --simulate, simulated customers and staff play whole days and the service stops after them.",
            LaunchOptions.Options,
            [
                "0  stopped normally: a stop request (SIGTERM), or a simulation that played all its days",
                "1  fatal runtime error: the data directory's log cannot be opened or written, a loop of the service failed (systemd restarts it)",
                "2  invalid command line, configuration or profile: stderr names the file, line and field; nothing was started",
            ]),
        new(
            "inspect",
            InspectCommand.Usage,
            "Prints the branch log's events as JSON lines, read-only (safe beside the running service).",
            InspectCommand.Options,
            [
                "0  every event asked for was printed (a torn tail after them is noted on stderr)",
                "1  it stopped at damage the service refuses to start with (named on stderr with file and offset)",
                "2  bad command line, no log there, or a bad profile",
                "3  it stopped at damage in a closed segment the service tolerates",
            ]),
        new(
            "verify",
            VerifyCommand.Usage,
            "Checks every segment, snapshot and cursor of a data directory, read-only; with --branch it also restores each snapshot and replays today, as a start would.",
            VerifyCommand.Options,
            [
                "0  every file is intact",
                "1  the service would refuse to start (the report says the file, offset and what to do)",
                "2  bad command line, no log there, or a bad profile",
                "3  the service starts, with findings (a torn tail it will cut, damage in an old day, a damaged snapshot or cursor)",
            ]),
        new(
            "staff",
            StaffCommand.Usage,
            "Keeps the lobby manager's console staff file; the PIN is read from standard input, never from the command line, and stored hashed.",
            StaffCommand.Options,
            [
                "0  done ('list' of a file that does not exist says so and lists nothing)",
                "1  the staff file cannot be written",
                "2  bad command line, PIN, name or role, or a staff file that cannot be read",
            ],
            StaffCommand.Actions),
        new(
            "help",
            "usage: lobby-edge help [<verb>]   (or lobby-edge --help, -h; lobby-edge <verb> --help)",
            "Prints this help, or one verb's; 'lobby-edge --version' prints the version. Both go to stdout.",
            [
                new("--help", null, "prints this help (also -h, -?); after a verb, that verb's help"),
                new("--version", null, "prints the version (the same as the head-office 'status' message's \"version\")"),
            ],
            ["0  help or version printed", "2  help of a verb that does not exist, or beside an option or word the verb does not take"]),
    ];

    /// <summary>Whether <paramref name="arg"/> asks for help: <c>--help</c>, <c>-h</c> or <c>-?</c>.</summary>
    public static bool IsHelp(string arg) => arg is "--help" or "-h" or "-?";

    /// <summary>
    /// Answers <paramref name="args"/> when they ask for the version or help, and returns the exit code; returns
    /// null for any other command line (the verb's own parser then reads it). <c>help &lt;verb&gt; …</c> is answered as
    /// <c>&lt;verb&gt; … --help</c>, and help anywhere on a line is help for the verb the line names (its first word
    /// that is not an option or an option's value), whatever its place: <c>-h inspect</c> is inspect's help. Help beside
    /// a mistake (a word that is no verb, an option the verb does not take, a word it does not take) exits 2 saying so,
    /// as the same line without help would.
    /// </summary>
    public static int? TryAnswer(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count == 0)
        {
            return null;
        }

        if (args[0] == "help")
        {
            if (args.Count == 1 || (args.Count == 2 && IsHelp(args[1])))
            {
                // 'help', 'help --help': the whole help, as '--help --help' and 'help help' give.
                return Help(stdout, Text());
            }

            if (Find(args[1]) is null)
            {
                return Refuse(stderr, $"lobby-edge help: no verb '{args[1]}' (the verbs: {string.Join(", ", Verbs.Select(v => v.Name))})");
            }

            // 'help staff add' is 'staff add --help': one rule for both spellings.
            args = [.. args.Skip(1), "--help"];
        }

        CommandVerb? verb = Find(args[0]);

        // The service's own command line (with or without 'run'). --version stands alone: an option or argument beside
        // it is a mistake the operator should see (an unknown option first), not something silently ignored.
        // Configuration keys (--Section:Key=value, as a wrapper or unit may add) change nothing here and are let be.
        if ((verb is null || verb.Name == "run") && args.Contains("--version"))
        {
            var others = new List<string>();
            for (int i = verb is null ? 0 : 1; i < args.Count; i++)
            {
                string a = args[i];
                if (IsConfigurationKey(a))
                {
                    i += a.Contains('=', StringComparison.Ordinal) ? 0 : 1;
                }
                else if (a != "--version")
                {
                    others.Add(a);
                }
            }

            if (others.Count == 0)
            {
                stdout.WriteLine(Version);
                return ExitCodes.Stopped;
            }

            return Refuse(stderr, UnknownOption(others, LaunchOptions.Options) is { } unknown
                ? $"lobby-edge: unknown option '{unknown}'"
                : $"lobby-edge: --version takes no other arguments (got '{string.Join(' ', others)}')");
        }

        return args.Any(IsHelp) ? AnswerHelp(args, stdout, stderr) : null;
    }

    /// <summary>
    /// Help asked somewhere on <paramref name="args"/>: the help of the verb the line names (its first word that is no
    /// option or option's value; none is the whole help), or exit 2 for a word that is no verb, an option the verb does
    /// not take, or a word after the verb it does not take (only <c>staff</c> takes one, its action). Help hides no
    /// typo: <c>lobby-edge --simulate --help</c> is help for what was being typed, <c>lobby-edge --simulat --help</c> a mistake.
    /// </summary>
    private static int AnswerHelp(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        CommandVerb? verb = null;
        bool action = false;
        var options = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            IReadOnlyList<CommandOption> known = verb?.Options ?? LaunchOptions.Options;
            if (IsConfigurationKey(a))
            {
                i += a.Contains('=', StringComparison.Ordinal) ? 0 : 1;
            }
            else if (a.StartsWith('-') && a.Length > 1)
            {
                options.Add(a);
                string name = a.Split('=')[0];
                i += !a.Contains('=', StringComparison.Ordinal) && known.Any(o => o.Name == name && o.Value is not null) ? 1 : 0;
            }
            else if (verb is null)
            {
                verb = Find(a);
                if (verb is null)
                {
                    return Refuse(stderr, $"lobby-edge: no verb '{a}' (the verbs: {string.Join(", ", Verbs.Select(v => v.Name))})");
                }
            }
            else if (verb?.Actions is { } actions && !action && actions.Contains(a))
            {
                action = true;
            }
            else
            {
                return verb is null || verb.Name is "run" or "help"
                    ? Refuse(stderr, $"lobby-edge: unexpected argument '{a}'")
                    : Refuse(stderr, $"lobby-edge {verb.Name}: unexpected argument '{a}'", $"see lobby-edge {verb.Name} --help");
            }
        }

        if (UnknownOption(options, verb?.Options ?? LaunchOptions.Options) is { } unknown)
        {
            return verb is null || verb.Name is "run" or "help"
                ? Refuse(stderr, $"lobby-edge: unknown option '{unknown}'")
                : Refuse(stderr, $"lobby-edge {verb.Name}: unknown option '{unknown}'", $"see lobby-edge {verb.Name} --help");
        }

        return Help(stdout, verb is null || verb.Name == "help" ? Text() : VerbText(verb));
    }

    /// <summary>Whether <paramref name="arg"/> is a configuration key (<c>--Section:Key[=value]</c>), which help and --version let be.</summary>
    private static bool IsConfigurationKey(string arg) => arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal);

    /// <summary>
    /// The first argument that looks like an option (<c>--name</c> or <c>--name=value</c>) and is none of
    /// <paramref name="options"/>, help or <c>--version</c>, without its value; null when there is none.
    /// Configuration keys (<c>--Section:Key</c>) are the configuration's to check.
    /// </summary>
    private static string? UnknownOption(IEnumerable<string> args, IReadOnlyList<CommandOption> options) =>
        args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2 && !a.Contains(':', StringComparison.Ordinal) && !IsHelp(a) && a != "--version")
            .Select(a => a.Split('=')[0])
            .FirstOrDefault(name => !options.Any(o => o.Name == name));

    private static int Help(TextWriter stdout, string text)
    {
        stdout.Write(text);
        return ExitCodes.Stopped;
    }

    private static int Refuse(TextWriter stderr, string message, string hint = Hint)
    {
        stderr.WriteLine(message);
        stderr.WriteLine(hint);
        return ExitCodes.InvalidConfiguration;
    }

    /// <summary>The verb called <paramref name="name"/>, or null.</summary>
    public static CommandVerb? Find(string name) => Verbs.FirstOrDefault(v => v.Name == name);

    /// <summary>The whole help: every verb with its options and exit codes, then configuration.</summary>
    public static string Text()
    {
        var text = new StringBuilder();
        text.Append("lobby-edge ").Append(Version).Append(": the LobbyEdge branch service and its tools.\n\n");
        foreach (CommandVerb verb in Verbs)
        {
            text.Append(VerbText(verb)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>One verb's help: usage, what it does, each option, exit codes (and configuration, for <c>run</c>).</summary>
    public static string VerbText(CommandVerb verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var text = new StringBuilder();
        text.Append(verb.Usage).Append('\n').Append("  ").Append(verb.Summary).Append('\n');
        if (verb.Options.Count > 0)
        {
            text.Append("  options:\n");
            int width = verb.Options.Max(o => Label(o).Length);
            foreach (CommandOption option in verb.Options)
            {
                text.Append("    ").Append(Label(option).PadRight(width)).Append("  ").Append(option.Description).Append('\n');
            }
        }

        if (verb.Name == "run")
        {
            string environment = $"{LobbyEdgeHost.EnvironmentPrefix}Section__Key=value";
            text.Append("  configuration (lowest first: appsettings.json beside the program, the environment, the command line):\n")
                .Append("    ").Append("--Section:Key=value".PadRight(environment.Length)).Append("  any configuration key, e.g. --Http:Port=9180 --Logging:LogLevel:Default=Debug\n")
                .Append("    ").Append(environment).Append("  the same key from the environment, e.g. ").Append(LobbyEdgeHost.EnvironmentPrefix).Append("Http__Port=9180\n")
                .Append("    sections: ").Append(string.Join(", ", ConfigurationCheck.SectionNames))
                .Append(" (an unknown section or key exits 2; see src/LobbyEdge.Service/README.md)\n");
        }

        text.Append("  exit codes:\n");
        foreach (string code in verb.ExitCodes)
        {
            text.Append("    ").Append(code).Append('\n');
        }

        return text.ToString();
    }

    private static string Label(CommandOption option) => option.Value is null ? option.Name : $"{option.Name} {option.Value}";
}
