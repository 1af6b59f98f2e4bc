using LobbyEdge.Service.Lobby;

namespace LobbyEdge.Service;

/// <summary>
/// <c>lobby-edge staff add|pin|remove|list</c>: keeps the console's staff file (<see cref="StaffFile"/>). The PIN is
/// read from standard input (one line), never from the command line, where it would stay in the shell history and
/// the process list; it is stored hashed only.
/// </summary>
/// <remarks>
/// Exit codes: 0 done (<c>list</c> of a file that does not exist says "no staff file at &lt;path&gt;" and lists
/// nothing); 2 a bad command line (option values are never echoed), a bad PIN or name, a directory given as the file,
/// or a staff file that cannot be read (one <c>file:line: field: problem</c> line per bad line); 1 the file cannot be
/// written. Comment lines of a hand-edited file are kept.
/// </remarks>
public static class StaffCommand
{
    /// <summary>The usage lines.</summary>
    public const string Usage =
        "usage: lobby-edge staff add    (--data <dir> | --file <staff.txt>) --id <1..999999> --name <name> --role <lobby-manager|counter|supervisor>   (PIN on stdin)\n" +
        "       lobby-edge staff pin    (--data <dir> | --file <staff.txt>) --id <id>   (new PIN on stdin)\n" +
        "       lobby-edge staff remove (--data <dir> | --file <staff.txt>) --id <id>\n" +
        "       lobby-edge staff list   (--data <dir> | --file <staff.txt>)";

    /// <summary>The actions, the word after <c>staff</c>.</summary>
    public static IReadOnlyList<string> Actions { get; } = ["add", "pin", "remove", "list"];

    /// <summary>Every option <c>staff</c> takes (each at most once).</summary>
    public static IReadOnlyList<CommandOption> Options { get; } =
    [
        new("--data", "<dir>", "the data directory: its staff.txt is the file (the service's Lobby:StaffFile default)"),
        new("--file", "<staff.txt>", "the staff file itself, instead of --data"),
        new("--id", "<1..999999>", "the staff member's number (add, pin, remove)"),
        new("--name", "<name>", "the name the console shows (add)"),
        new("--role", "<role>", "lobby-manager, counter or supervisor (add)"),
    ];

    /// <summary>Runs the command (<paramref name="args"/> starts with <c>staff</c>) and returns its exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string verb = args.Count > 1 ? args[1] : "";
        string tool = $"lobby-edge staff {verb}".TrimEnd();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 2; i < args.Count; i++)
        {
            string name = args[i];
            string? value = i + 1 < args.Count ? args[++i] : null;
            if (!Options.Any(o => o.Name == name) || value is null || !options.TryAdd(name, value))
            {
                // The value is never repeated: it may be a PIN typed after an option that does not exist (--pin 1234).
                return Fail(stderr, $"{tool}: bad option '{name}'{(value is null ? " (no value)" : options.ContainsKey(name) ? " (given twice)" : "")}");
            }
        }

        string? file = options.GetValueOrDefault("--file") ?? (options.GetValueOrDefault("--data") is { } data ? Path.Combine(data, StaffFile.DefaultFileName) : null);
        bool needsId = verb is "add" or "pin" or "remove";
        if (!Actions.Contains(verb))
        {
            return Fail(stderr, $"lobby-edge staff: unknown action '{verb}'");
        }

        if (file is null)
        {
            return Fail(stderr, $"{tool}: --data or --file is required");
        }

        // Options the action does not take would be ignored silently (a --name on 'pin' renames nobody): refuse them.
        if (options.ContainsKey("--data") && options.ContainsKey("--file"))
        {
            return Fail(stderr, $"{tool}: give --data or --file, not both");
        }

        string[] takes = verb switch
        {
            "add" => ["--id", "--name", "--role"],
            "pin" or "remove" => ["--id"],
            _ => [],
        };
        if (options.Keys.FirstOrDefault(o => o is not ("--data" or "--file") && Array.IndexOf(takes, o) < 0) is { } extra)
        {
            return Fail(stderr, $"{tool}: {extra} is not an option of '{tool}'{(takes.Length > 0 ? $" (it takes {string.Join(", ", takes)})" : "")}");
        }

        int id = 0;
        if (needsId && (!options.TryGetValue("--id", out string? idText) || StaffFile.IdProblem(idText, out id) is not null))
        {
            return Fail(stderr, $"{tool}: --id: {StaffFile.IdProblem(options.GetValueOrDefault("--id") ?? "", out _)}");
        }

        List<StaffMember> staff;
        try
        {
            staff = [.. StaffFile.Load(file)];
        }
        catch (StaffFileException e)
        {
            stderr.WriteLine(e.Message);
            return ExitCodes.InvalidConfiguration;
        }

        if (verb == "list" && !File.Exists(file))
        {
            stderr.WriteLine($"{tool}: no staff file at {Path.GetFullPath(file)}");
            return ExitCodes.Stopped;
        }

        int index = staff.FindIndex(s => s.Id == id);
        switch (verb)
        {
            case "list":
                foreach (StaffMember s in staff)
                {
                    stdout.WriteLine($"{s.Id}\t{s.RoleName}\t{s.Name}");
                }

                return ExitCodes.Stopped;
            case "remove":
                if (index < 0)
                {
                    return Fail(stderr, $"{tool}: {file}: no staff member {id}", usage: false);
                }

                staff.RemoveAt(index);
                return Write(file, staff, stdout, stderr, $"removed staff {id}");
            case "pin":
                if (index < 0)
                {
                    return Fail(stderr, $"{tool}: {file}: no staff member {id} (add them with 'lobby-edge staff add')", usage: false);
                }

                return ReadPin(stdin, stderr, tool) is { } newPin
                    ? Write(file, ReplaceAt(staff, index, staff[index] with { PinHash = PinHash.Hash(newPin) }), stdout, stderr, $"new PIN set for staff {id}")
                    : ExitCodes.InvalidConfiguration;
            default:
                string name = options.GetValueOrDefault("--name") ?? "";
                if (StaffFile.NameProblem(name) is { } nameProblem)
                {
                    return Fail(stderr, $"{tool}: --name: {nameProblem}");
                }

                if (!StaffFile.TryParseRole(options.GetValueOrDefault("--role") ?? "", out StaffRole role))
                {
                    return Fail(stderr, $"{tool}: --role: must be lobby-manager, counter or supervisor");
                }

                if (index >= 0)
                {
                    return Fail(stderr, $"{tool}: {file}: staff {id} is already there ({staff[index].Name}); to set a new PIN use 'lobby-edge staff pin'", usage: false);
                }

                if (ReadPin(stdin, stderr, tool) is not { } pin)
                {
                    return ExitCodes.InvalidConfiguration;
                }

                staff.Add(new StaffMember(id, name, role, PinHash.Hash(pin)));
                return Write(file, staff, stdout, stderr, $"added staff {id} {name} ({StaffFile.RoleName(role)})");
        }
    }

    private static List<StaffMember> ReplaceAt(List<StaffMember> staff, int index, StaffMember member)
    {
        staff[index] = member;
        return staff;
    }

    private static string? ReadPin(TextReader stdin, TextWriter stderr, string tool)
    {
        string pin = (stdin.ReadLine() ?? "").Trim();
        if (PinHash.Problem(pin) is { } problem)
        {
            // The PIN is not repeated, even when it is wrong.
            stderr.WriteLine($"{tool}: the PIN on standard input: {problem}");
            return null;
        }

        return pin;
    }

    private static int Write(string file, List<StaffMember> staff, TextWriter stdout, TextWriter stderr, string done)
    {
        try
        {
            StaffFile.Save(file, staff);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"lobby-edge staff: {file}: cannot write the staff file: {e.Message}");
            return ExitCodes.Fatal;
        }

        stdout.WriteLine($"{file}: {done}");
        return ExitCodes.Stopped;
    }

    private static int Fail(TextWriter stderr, string message, bool usage = true)
    {
        stderr.WriteLine(message);
        if (usage)
        {
            stderr.WriteLine(Usage);
            stderr.WriteLine("see lobby-edge staff --help");
        }

        return ExitCodes.InvalidConfiguration;
    }
}
