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
    public async Task Help_ListsEveryVerb_EveryOptionItsParserAccepts_ConfigurationAndExitCodes(string help)
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
    public async Task AVerbsHelp_PrintsThatVerbsUsageAndOptionsOnly(params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(args);

        CommandVerb verb = CommandLineHelp.Find(args[0] == "help" ? args[1] : args[0])!;
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

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        (int exitCode, string stdout, string stderr) run = await ServiceProcess.RunToEndAsync(_workingDirectory.FullName, s_patience, args);
        output.WriteLine($"lobby-edge {string.Join(' ', args)} -> {run.exitCode}\nstdout: {run.stdout}\nstderr: {run.stderr}");
        return run;
    }
}
