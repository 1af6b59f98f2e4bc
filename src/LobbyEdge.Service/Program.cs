using LobbyEdge.Profiles;
using LobbyEdge.Service;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// lobby-edge --version | --help | help [<verb>] | <verb> --help   (stdout, exit 0)
// lobby-edge [run] --branch <file.yaml> [--data <dir>] [--simulate [--speed <x>] [--seed <n>] [--days <n>]]
// lobby-edge inspect --data <dir> [--from <seq>] [--to <seq>] [--branch <file.yaml>]
// lobby-edge verify --data <dir> [--branch <file.yaml>]   (exit 0 intact, 1 the branch would refuse, 3 findings)
// lobby-edge staff add|pin|remove|list (--data <dir> | --file <staff.txt>) ...   (the console's staff; PIN on stdin)
// Exit codes (CONTRACTS.md, "Process"): 0 stopped, 1 fatal runtime error, 2 invalid command line,
// configuration or profile. Everything that can be wrong with the input is checked before anything starts.

StartupTrace.Mark("main");
if (CommandLineHelp.TryAnswer(args, Console.Out, Console.Error) is { } answered)
{
    return answered;
}

if (args.Length > 0 && args[0] == "inspect")
{
    using Stream stdout = Console.OpenStandardOutput();
    return InspectCommand.Run(args, stdout, Console.Error);
}

if (args.Length > 0 && args[0] == "staff")
{
    return StaffCommand.Run(args, Console.In, Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "verify")
{
    return VerifyCommand.Run(args, Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "run")
{
    args = args[1..];
}

if (!LaunchOptions.TryParse(args, out LaunchOptions? options, out string? error))
{
    if (error is null)
    {
        Console.Out.Write(CommandLineHelp.Text());
        return ExitCodes.Stopped;
    }

    Console.Error.WriteLine($"lobby-edge: {error}");
    Console.Error.WriteLine(LaunchOptions.Usage);
    Console.Error.WriteLine(CommandLineHelp.Hint);
    return ExitCodes.InvalidConfiguration;
}

try
{
    options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
}
catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
{
    Console.Error.WriteLine($"lobby-edge: --data '{options.DataDirectory}': {e.Message}");
    return ExitCodes.InvalidConfiguration;
}

// A configuration from head office that changes the branch's structure stops the host once it is in force; a new
// host is then built from the rewritten profile file, in this process (src/LobbyEdge.Service/README.md,
// "Configuration from head office").
while (true)
{
    BranchProfile profile;
    string profileText;
    try
    {
        profile = BranchProfileLoader.Load(options.BranchPath);

        // The exact text, for the configuration store; read again in case the file changed in between.
        profileText = File.ReadAllText(options.BranchPath);
        if (BranchProfileLoader.HashOf(profileText) != profile.Branch.Hash)
        {
            profile = BranchProfileLoader.LoadText(profileText, options.BranchPath);
        }
    }
    catch (ProfileException e)
    {
        // One "file:line:column: field: message" line per problem.
        Console.Error.WriteLine(e.Message);
        return ExitCodes.InvalidConfiguration;
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"{options.BranchPath}: cannot read the file: {e.Message}");
        return ExitCodes.InvalidConfiguration;
    }

    StartupTrace.Mark("profile");
    _ = StartupCollections.Begin();
    IHost host;
    try
    {
        host = LobbyEdgeHost.Build(options, profile, profileText, restoreWhileBuilding: true);
    }
    catch (InvalidDataException e)
    {
        // A malformed appsettings.json: the message names the file, the innermost one the line.
        Console.Error.Write($"lobby-edge: {e.Message}");
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            Console.Error.Write($" {inner.Message}");
        }

        Console.Error.WriteLine();
        return ExitCodes.InvalidConfiguration;
    }

    try
    {
        // The event log will live here; a directory that cannot be made is a deployment mistake, not a crash.
        Directory.CreateDirectory(options.DataDirectory);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        // As an existing directory that cannot be written (DataDirectoryNotWritableException): a read-only file
        // system is a storage fault (1: a failing card, a read-only mount), anything else a deployment mistake (2).
        var refusal = new LobbyEdge.EventLog.DataDirectoryNotWritableException(Path.GetFullPath(options.DataDirectory), e);
        bool readOnly = refusal.ReadOnlyFileSystem;
        Console.Error.WriteLine(readOnly
            ? $"lobby-edge: {refusal.Message}"
            : $"lobby-edge: --data '{options.DataDirectory}': cannot create the data directory: {e.Message}");
        host.Dispose();
        return readOnly ? ExitCodes.Fatal : ExitCodes.InvalidConfiguration;
    }

    StartupTrace.Mark("host-built");
    HostRestart restart = host.Services.GetRequiredService<HostRestart>();
    LobbyEdgeHost.LogStart(host, profile.Branch.BranchId);
    StartupTrace.Mark("start-logged");
    int exitCode = await LobbyEdgeHost.RunAsync(host);
    if (exitCode != ExitCodes.Stopped || !restart.Requested)
    {
        return exitCode;
    }
}
