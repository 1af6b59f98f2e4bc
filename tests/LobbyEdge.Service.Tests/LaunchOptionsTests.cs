namespace LobbyEdge.Service.Tests;

public sealed class LaunchOptionsTests
{
    [Fact]
    public void BranchOnly_RunsLiveWithTheSystemDataDirectory()
    {
        Assert.True(LaunchOptions.TryParse(["--branch", "b.yaml"], out LaunchOptions? options, out string? error), error);

        Assert.Equal("b.yaml", options.BranchPath);
        Assert.False(options.Simulate);
        Assert.Equal("/var/lib/lobby-edge", options.DataDirectory);
        Assert.Empty(options.ConfigurationArguments);
    }

    [Fact]
    public void Simulate_DefaultsToLocalDataSixtyTimesFasterOneDay()
    {
        Assert.True(LaunchOptions.TryParse(["--branch=b.yaml", "--simulate"], out LaunchOptions? options, out string? error), error);

        Assert.True(options.Simulate);
        Assert.Equal("lobby-data", options.DataDirectory);
        Assert.Equal(60, options.Speed);
        Assert.Equal(1, options.Days);
        Assert.Null(options.Seed);
    }

    [Fact]
    public void EveryOption_IsRead()
    {
        string[] args = ["--simulate", "--branch", "b.yaml", "--data", "/tmp/x", "--speed", "2000.5", "--seed=-7", "--days", "3"];

        Assert.True(LaunchOptions.TryParse(args, out LaunchOptions? options, out string? error), error);

        Assert.Equal("/tmp/x", options.DataDirectory);
        Assert.Equal(2000.5, options.Speed);
        Assert.Equal(-7, options.Seed);
        Assert.Equal(3, options.Days);
    }

    [Fact]
    public void ConfigurationKeys_GoToTheConfigurationSources()
    {
        string[] args = ["--branch", "b.yaml", "--Logging:LogLevel:Default=Debug", "--Http:Port", "9181"];

        Assert.True(LaunchOptions.TryParse(args, out LaunchOptions? options, out string? error), error);

        Assert.Equal(["--Logging:LogLevel:Default=Debug", "--Http:Port=9181"], options.ConfigurationArguments);
    }

    [Theory]
    [InlineData("--branch <file.yaml> is required", "--simulate")]
    [InlineData("unknown option '--brnach'", "--brnach", "b.yaml")]
    [InlineData("unknown option '--Simulate'", "--branch", "b.yaml", "--Simulate")]
    [InlineData("unexpected argument 'b.yaml'", "b.yaml")]
    [InlineData("--branch needs a value", "--branch")]
    [InlineData("--branch needs a value", "--branch", "--simulate")]
    [InlineData("--branch is given twice", "--branch", "a.yaml", "--branch", "b.yaml")]
    [InlineData("--speed 'fast'", "--branch", "b.yaml", "--simulate", "--speed", "fast")]
    [InlineData("--speed '0'", "--branch", "b.yaml", "--simulate", "--speed", "0")]
    [InlineData("--speed 'NaN'", "--branch", "b.yaml", "--simulate", "--speed", "NaN")]
    [InlineData("--speed '20000'", "--branch", "b.yaml", "--simulate", "--speed", "20000")]
    [InlineData("--days '0'", "--branch", "b.yaml", "--simulate", "--days", "0")]
    [InlineData("--seed 'x'", "--branch", "b.yaml", "--simulate", "--seed", "x")]
    [InlineData("--speed applies only with --simulate", "--branch", "b.yaml", "--speed", "10")]
    [InlineData("--simulate takes no value", "--branch", "b.yaml", "--simulate=yes")]
    public void BadCommandLine_IsRefusedWithTheReason(string expected, params string[] args)
    {
        Assert.False(LaunchOptions.TryParse(args, out LaunchOptions? options, out string? error));

        Assert.Null(options);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_IsNotAnError()
    {
        Assert.False(LaunchOptions.TryParse(["--branch", "b.yaml", "--help"], out LaunchOptions? options, out string? error));

        Assert.Null(options);
        Assert.Null(error);
    }

    [Fact]
    public void EveryOptionInTheHelpTable_IsAccepted_SoTheTableIsWhatTheParserReads()
    {
        Assert.NotEmpty(LaunchOptions.Options);
        foreach (CommandOption option in LaunchOptions.Options)
        {
            // "1" is a valid value for every option that takes one (a data directory, a speed, a seed, a day count).
            string[] args =
            [
                option.Name, .. option.Value is null ? Array.Empty<string>() : ["1"],
                .. option.Name == "--branch" ? Array.Empty<string>() : ["--branch", "b.yaml"],
                .. option.Name == "--simulate" ? Array.Empty<string>() : ["--simulate"],
            ];
            Assert.True(LaunchOptions.TryParse(args, out _, out string? error), $"{option.Name}: {error}");
        }
    }
}
