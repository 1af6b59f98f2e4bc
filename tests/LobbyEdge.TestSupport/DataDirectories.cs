namespace LobbyEdge.TestSupport;

/// <summary>Data directories for the process tests: one made by a simulated day, and what is in one, to compare.</summary>
public static class DataDirectories
{
    /// <summary>
    /// Runs lobby-edge <c>--simulate</c> for one day at 5,000x on <paramref name="data"/> (the demo branch unless
    /// <paramref name="profile"/> names another) and asserts it ended with exit code 0.
    /// </summary>
    public static async Task SimulatedDayAsync(string workingDirectory, string data, TimeSpan patience, string? profile = null)
    {
        (int simulated, _, string error) = await ServiceProcess.RunToEndAsync(
            workingDirectory, patience, "--branch", profile ?? ServiceProcess.DemoProfile, "--simulate", "--speed", "5000", "--days", "1", "--data", data, "--Http:Port=0");
        Assert.True(simulated == 0, error);
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> by its path relative to it, links not followed: a file's SHA-256,
    /// "folder", or "link to" its target.
    /// </summary>
    public static Dictionary<string, string> Contents(string root)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", options))
        {
            var info = new FileInfo(path);
            all[Path.GetRelativePath(root, path)] = info.LinkTarget is { } target ? "link to " + target
                : Directory.Exists(path) ? "folder"
                : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        }

        return all;
    }
}
