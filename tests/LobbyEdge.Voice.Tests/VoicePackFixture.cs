using System.Diagnostics;

namespace LobbyEdge.Voice.Tests;

/// <summary>The default voice pack, generated once with deploy/voice/make-voice-pack.sh (espeak-ng and sox) for the voice tests.</summary>
public sealed class VoicePackFixture : IDisposable
{
    /// <summary>The script, copied next to the tests with the rest of deploy/.</summary>
    public static readonly string Script = Path.Combine(AppContext.BaseDirectory, "deploy", "voice", "make-voice-pack.sh");

    private readonly DirectoryInfo _root = System.IO.Directory.CreateTempSubdirectory("lobby-voice-pack-");

    public VoicePackFixture()
    {
        Directory = Path.Combine(_root.FullName, "pack");
        Generate(Directory);
    }

    /// <summary>The generated pack.</summary>
    public string Directory { get; }

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>Runs the script into <paramref name="target"/>; fails the test with what it said when it fails.</summary>
    public static void Generate(string target)
    {
        (int exit, string said) = Tools.Run("bash", Script, target);
        Assert.True(exit == 0, $"make-voice-pack.sh exited with {exit}: {said}");
    }

    /// <summary>A copy of the pack in <paramref name="target"/>, to break on purpose.</summary>
    public string CopyTo(string target)
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }
}

[CollectionDefinition(Name)]
public sealed class VoicePackCollection : ICollectionFixture<VoicePackFixture>
{
    public const string Name = "Voice pack";
}

/// <summary>Runs the command-line tools the voice tests check against (sox, soxi, bash).</summary>
internal static class Tools
{
    public static (int Exit, string Said) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    /// <summary>What a tool prints, trimmed; fails the test when it fails.</summary>
    public static string Output(string program, params string[] args)
    {
        (int exit, string said) = Run(program, args);
        Assert.True(exit == 0, $"{program} {string.Join(' ', args)}: exit {exit}: {said}");
        return said.Trim();
    }
}
