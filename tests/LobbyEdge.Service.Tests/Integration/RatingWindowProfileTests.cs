using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The branch profile's <c>branch.ratingWindowSeconds</c> (issue 13) at the real process: a bad value stops the start
/// with exit code 2, naming the file, the line and the field, before anything is started.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RatingWindowProfileTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_demoProfile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml");
    private static readonly TimeSpan s_startPatience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("lobby-edge-rating-window-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Theory]
    [InlineData("0", "must be between 1 and 3600 seconds")]
    [InlineData("7200", "must be between 1 and 3600 seconds")]
    [InlineData("soon", "must be a whole number")]
    public async Task BadRatingWindowSeconds_ExitsTwoNamingFileLineAndFieldAndStartsNothing(string value, string message)
    {
        // The demo profile with the key added to its branch section, after `close:`.
        List<string> lines = [.. File.ReadAllLines(s_demoProfile)];
        int close = lines.FindIndex(l => l.StartsWith("  close:", StringComparison.Ordinal));
        Assert.True(close >= 0, "the demo profile's branch section has a close time");
        lines.Insert(close + 1, $"  ratingWindowSeconds: {value}");
        string profile = Path.Combine(_workingDirectory.FullName, "rating-window.yaml");
        File.WriteAllLines(profile, lines);

        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(
            _workingDirectory.FullName, s_startPatience, "--branch", profile, "--simulate", "--Http:Port=0");
        output.WriteLine($"exit {exitCode}\nstderr: {stderr}\nstdout: {stdout}");

        Assert.Equal(2, exitCode);
        Assert.Contains($"{profile}:{close + 2}:", stderr, StringComparison.Ordinal);
        Assert.Contains("branch.ratingWindowSeconds", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains($"\"{value}\"", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(_workingDirectory.FullName, "lobby-data")));
    }
}
