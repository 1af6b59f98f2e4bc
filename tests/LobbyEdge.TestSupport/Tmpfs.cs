using System.Diagnostics;

namespace LobbyEdge.TestSupport;

/// <summary>
/// A small real tmpfs mounted in a temp directory (the tests run as root), for a disk that really fills up, and
/// read-only bind mounts of its subdirectories, for a file system that really refuses writes (EROFS). Unmounted
/// and removed on dispose. Shared with the service's process tests.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private readonly List<string> _binds = [];

    public Tmpfs(int kilobytes)
    {
        Path = Directory.CreateTempSubdirectory("lobby-tmpfs-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", Path);
    }

    public string Path { get; }

    /// <summary>Bytes still free on the tmpfs.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Makes <paramref name="directory"/> (inside the tmpfs) read-only; files already open stay writable.</summary>
    public void MakeReadOnly(string directory)
    {
        Run("mount", "--bind", directory, directory);
        _binds.Add(directory);
        Run("mount", "-o", "remount,bind,ro", directory, directory);
    }

    /// <summary>Copies the tmpfs' content to a normal directory, to read it there (opening a log may repair it).</summary>
    public string CopyTo(string target)
    {
        foreach (string file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            string to = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(Path, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return target;
    }

    public void Dispose()
    {
        for (int i = _binds.Count - 1; i >= 0; i--)
        {
            Run("umount", _binds[i]);
        }

        Run("umount", "--lazy", Path);
        Directory.Delete(Path);
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
        }
    }
}
