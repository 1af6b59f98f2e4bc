using System.Reflection;
using LobbyEdge.HeadOffice;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// <c>lobby-edge --version</c>, <c>--help</c> and a verb's <c>--help</c> on the real process: what an operator on the
/// box types first. The options are taken from the parsers' own tables, so an option added without help fails here.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CommandLineHelpTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("lobby-edge-help-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Theory]
    [InlineData("--version")]
    [InlineData("run", "--version")]
    public async Task Version_PrintsTheInformationalVersionThatStatusCarries_AndExitsZero(params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        // The head-office link's "version" in its status message comes from the same attribute.
        string expected = typeof(HeadOfficeLink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(0, exitCode);
        Assert.Equal(expected, stdout.Trim());
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("help", "--help")]
    [InlineData("help", "help")]
    public async Task Help_ListsEveryVerb_EveryOptionItsParserAccepts_ConfigurationAndExitCodes(params string[] help)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(help);

        Assert.Equal(0, exitCode);
        Assert.Empty(stderr);
        foreach (string verb in new[] { "run", "inspect", "verify", "staff", "help" })
        {
            Assert.Contains($"lobby-edge {(verb == "run" ? "[run]" : verb)} ", stdout, StringComparison.Ordinal);
        }

        // The parsers refuse any name that is not in these tables (LaunchOptionsTests, the unknown-option tests).
        IEnumerable<CommandOption> parsed = [.. LaunchOptions.Options, .. InspectCommand.Options, .. VerifyCommand.Options, .. StaffCommand.Options];
        foreach (CommandOption option in parsed)
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Description), option.Name);
            Assert.Contains($"    {option.Name}{(option.Value is null ? "" : $" {option.Value}")} ", stdout, StringComparison.Ordinal);
            Assert.Contains($"  {option.Description}\n", stdout, StringComparison.Ordinal);
        }

        Assert.Contains("--Section:Key=value", stdout, StringComparison.Ordinal);
        Assert.Contains($"{LobbyEdgeHost.EnvironmentPrefix}Section__Key=value", stdout, StringComparison.Ordinal);
        Assert.Contains("--version", stdout, StringComparison.Ordinal);
        foreach (int code in new[] { ExitCodes.Stopped, ExitCodes.Fatal, ExitCodes.InvalidConfiguration })
        {
            Assert.Contains($"\n    {code}  ", stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("inspect", "--help")]
    [InlineData("verify", "-h")]
    [InlineData("staff", "add", "--help")]
    [InlineData("run", "--help")]
    [InlineData("help", "inspect")]
    [InlineData("help", "staff", "add")]
    [InlineData("-h", "verify")]
    [InlineData("--help", "staff", "list", "--data", "x")]
    public async Task AVerbsHelp_PrintsThatVerbsUsageAndOptionsOnly(params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        CommandVerb verb = CommandLineHelp.Find(args[0] is "help" or "-h" or "--help" ? args[1] : args[0])!;
        Assert.Equal(0, exitCode);
        Assert.Empty(stderr);
        Assert.StartsWith(verb.Usage, stdout, StringComparison.Ordinal);
        foreach (CommandOption option in verb.Options)
        {
            Assert.Contains(option.Description, stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(CommandLineHelp.Verbs.Where(v => v != verb), v => stdout.Contains(v.Usage, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HelpOfAVerbThatDoesNotExist_ExitsTwoWithTheHint()
    {
        (int exitCode, _, string stderr) = await RunAsync("help", "inpsect");

        Assert.Equal(2, exitCode);
        Assert.Contains("no verb 'inpsect'", stderr, StringComparison.Ordinal);
        Assert.EndsWith("see lobby-edge --help", stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("verify")]
    [InlineData("staff")]
    public async Task AVerbsUnknownOption_ExitsTwo_EndingWithTheVerbsHelpHint(string verb)
    {
        string[] args = verb == "staff" ? [verb, "list", "--pin", "1234"] : [verb, "--data", _workingDirectory.FullName, "--pin", "1234"];
        (int exitCode, _, string stderr) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("bad option '--pin'", stderr, StringComparison.Ordinal);
        Assert.EndsWith($"see lobby-edge {verb} --help", stderr.TrimEnd(), StringComparison.Ordinal);
    }

    /// <summary>
    /// --version stands alone: beside an unknown option it used to print the version and exit 0, hiding the typo.
    /// </summary>
    [Theory]
    [InlineData("unknown option '--bogus'", "--version", "--bogus")]
    [InlineData("unknown option '--bogus'", "run", "--bogus", "--version")]
    [InlineData("--version takes no other arguments (got '--branch x.yaml')", "--version", "--branch", "x.yaml")]
    [InlineData("--version takes no other arguments (got '--help')", "--version", "--help")]
    [InlineData("--version takes no other arguments (got '-h')", "run", "-h", "--version")]
    public async Task Version_WithAnythingElse_ExitsTwo_SayingWhat(string message, params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.EndsWith("see lobby-edge --help", stderr.TrimEnd(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Help asked beside a mistake: an option the verb does not take is a typo to show (help exited 0 and hid it); a
    /// word that is no verb, or a word after the verb it does not take, exits 2 wherever help stands on the line
    /// ('-h bogusverb' printed the whole help, 'help bogusverb' exited 2). 'help verb …' is 'verb … --help'. Known
    /// options beside --help are help for what was being typed (AVerbsHelp_…).
    /// </summary>
    [Theory]
    [InlineData("lobby-edge: unknown option '--bogus'", "see lobby-edge --help", "--help", "--bogus")]
    [InlineData("lobby-edge: unknown option '--bogus'", "see lobby-edge --help", "run", "--simulate", "--bogus=1", "-h")]
    [InlineData("lobby-edge inspect: unknown option '--bogus'", "see lobby-edge inspect --help", "inspect", "--help", "--bogus")]
    [InlineData("lobby-edge: unknown option '--bogus'", "see lobby-edge --help", "help", "run", "--bogus")]
    [InlineData("lobby-edge: no verb 'bogusverb'", "see lobby-edge --help", "-h", "bogusverb")]
    [InlineData("lobby-edge: no verb 'bogusverb'", "see lobby-edge --help", "--simulate", "bogusverb", "--help")]
    [InlineData("lobby-edge: unexpected argument 'extra'", "see lobby-edge --help", "--help", "run", "extra")]
    [InlineData("lobby-edge: unexpected argument 'extra'", "see lobby-edge --help", "help", "run", "extra")]
    [InlineData("lobby-edge inspect: unexpected argument 'extra'", "see lobby-edge inspect --help", "inspect", "extra", "-h")]
    [InlineData("lobby-edge staff: unexpected argument 'bogus'", "see lobby-edge staff --help", "help", "staff", "bogus")]
    [InlineData("lobby-edge help: no verb 'inpsect'", "see lobby-edge --help", "help", "inpsect", "extra")]
    public async Task Help_WithAMistake_ExitsTwo_SayingWhat(string message, string hint, params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.EndsWith(hint, stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--simulate", "--help")]
    [InlineData("inspect", "--data", "x", "--help")]
    public async Task Help_BesideKnownOptions_PrintsTheHelp(params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        Assert.Equal(0, exitCode);
        Assert.Equal("", stderr);
        Assert.Contains("usage: lobby-edge", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Option combinations that would be silently wrong: a reversed range (printed nothing, exit 0), an option given
    /// twice (the last won), both of two alternatives, an option the action does not take (ignored). Each exits 2
    /// saying which, before anything is read or written.
    /// </summary>
    [Theory]
    [InlineData("--from 5 is after --to 2", "inspect", "--data", "{data}", "--from", "5", "--to", "2")]
    [InlineData("--from is given twice", "inspect", "--data", "{data}", "--from", "1", "--from", "2")]
    [InlineData("--data is given twice", "verify", "--data", "{data}", "--data", "{data}")]
    [InlineData("give --data or --file, not both", "staff", "list", "--data", "{data}", "--file", "{data}/staff.txt")]
    [InlineData("--id is not an option of 'lobby-edge staff list'", "staff", "list", "--data", "{data}", "--id", "5")]
    [InlineData("--name is not an option of 'lobby-edge staff pin' (it takes --id)", "staff", "pin", "--data", "{data}", "--id", "5", "--name", "Li")]
    public async Task ContradictoryOrIgnoredOptions_ExitTwo_SayingWhich(string message, params string[] args)
    {
        string[] resolved = [.. args.Select(a => a.Replace("{data}", _workingDirectory.FullName, StringComparison.Ordinal))];
        (int exitCode, string stdout, string stderr) = await RunAsync(resolved);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.EndsWith($"see lobby-edge {args[0]} --help", stderr.TrimEnd(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_workingDirectory.FullName, "staff.txt")));
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        (int exitCode, string stdout, string stderr) run = await ServiceProcess.RunToEndAsync(_workingDirectory.FullName, s_patience, args);
        output.WriteLine($"lobby-edge {string.Join(' ', args)} -> {run.exitCode}\nstdout: {run.stdout}\nstderr: {run.stderr}");
        return run;
    }
}
