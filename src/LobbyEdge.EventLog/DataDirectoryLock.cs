using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LobbyEdge.EventLog;

/// <summary>
/// The running service's exclusive claim on its data directory: the file <c>lock</c> in it, held open with an
/// exclusive <c>flock</c> (what .NET does for <see cref="FileShare.None"/> on Linux) and holding the holder's
/// process id. The kernel drops the lock when the process ends however it ends, so a lock file left by a dead
/// process never blocks a start. Read-only tools (<c>inspect</c>, <c>verify</c>) do not take it.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly SafeFileHandle _file;

    private DataDirectoryLock(SafeFileHandle file, string path)
    {
        _file = file;
        FilePath = path;
    }

    /// <summary>The lock file.</summary>
    public string FilePath { get; }

    /// <summary>Takes the lock of <paramref name="directory"/> (creating the directory if needed) and writes this process's id into it.</summary>
    /// <exception cref="DataDirectoryLockedException">Another process holds it; the message names the directory and that process.</exception>
    public static DataDirectoryLock Acquire(string directory)
    {
        string root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        string path = Path.Combine(root, "lock");
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            string holder = Holder(path);
            throw new DataDirectoryLockedException(
                $"the data directory {root} is in use by process {holder} (lock file {path}): another lobby-edge already runs on it. " +
                "Two processes appending to one log would corrupt it; stop the other one first (systemctl stop lobby-edge). " +
                "'lobby-edge inspect' and 'lobby-edge verify' work beside a running service.",
                e);
        }

        byte[] pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        RandomAccess.SetLength(file, 0);
        RandomAccess.Write(file, pid, 0);
        return new DataDirectoryLock(file, path);
    }

    /// <summary>Releases the lock (the file stays; an unlocked file blocks nobody).</summary>
    public void Dispose() => _file.Dispose();

    /// <summary>The holder's process id as written in the lock file, read without taking a lock.</summary>
    private static string Holder(string path)
    {
        byte[] content = LogFiles.ReadUnlocked(path, 32);
        string text = Encoding.ASCII.GetString(content).Trim();
        return text.Length > 0 && text.All(char.IsAsciiDigit) ? text : "(unknown: the lock file holds no process id)";
    }
}

/// <summary>The data directory is locked by another running process.</summary>
public sealed class DataDirectoryLockedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataDirectoryLockedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
