using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LobbyEdge.EventLog;

/// <summary>
/// The running service's exclusive claim on its data directory: an exclusive <c>flock</c> on the directory itself
/// (so deleting a file cannot bypass it), and the file <c>lock</c> in it, also held with an exclusive <c>flock</c>
/// (what .NET does for <see cref="FileShare.None"/> on Linux; this also keeps out a version that locks only the file)
/// and holding the holder's process id, to name it. The kernel drops both locks when the process ends however it
/// ends, so a lock file left by a dead process never blocks a start. Read-only tools (<c>inspect</c>, <c>verify</c>)
/// do not take it.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly SafeFileHandle? _directory;

    private DataDirectoryLock(SafeFileHandle? directory, SafeFileHandle file, string path)
    {
        _directory = directory;
        _file = file;
        FilePath = path;
    }

    /// <summary>The lock file.</summary>
    public string FilePath { get; }

    /// <summary>Takes the lock of <paramref name="directory"/> (creating the directory if needed) and writes this process's id into it.</summary>
    /// <exception cref="DataDirectoryLockedException">Another process holds it; the message names the directory and that process.</exception>
    /// <exception cref="DataDirectoryNotWritableException">
    /// This process may not write in the directory (its owner or mode: EACCES, EPERM) or the file system is read-only
    /// (EROFS); the message says which and what to do. Before, the first was a bare "Access to the path … is denied",
    /// and a read-only directory with a lock file in it was reported as in use by another process.
    /// </exception>
    public static DataDirectoryLock Acquire(string directory)
    {
        string root = Path.GetFullPath(directory);
        string path = Path.Combine(root, "lock");
        SafeFileHandle? directoryLock;
        try
        {
            Directory.CreateDirectory(root);
            directoryLock = LogFiles.TryLockDirectory(root, out bool heldByOther);
            if (heldByOther)
            {
                throw Locked(root, path, null);
            }
        }
        catch (Exception e) when (DataDirectoryNotWritableException.Explains(e))
        {
            throw new DataDirectoryNotWritableException(root, e);
        }

        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (DataDirectoryNotWritableException.Explains(e))
        {
            directoryLock?.Dispose();
            throw new DataDirectoryNotWritableException(root, e);
        }
        catch (IOException e) when (File.Exists(path))
        {
            directoryLock?.Dispose();
            throw Locked(root, path, e);
        }
        catch
        {
            directoryLock?.Dispose();
            throw;
        }

        byte[] pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        RandomAccess.SetLength(file, 0);
        RandomAccess.Write(file, pid, 0);
        return new DataDirectoryLock(directoryLock, file, path);
    }

    /// <summary>Releases the lock (the file stays; an unlocked file blocks nobody).</summary>
    public void Dispose()
    {
        _file.Dispose();
        _directory?.Dispose();
    }

    private static DataDirectoryLockedException Locked(string root, string path, Exception? inner) => new(
        $"the data directory {root} is in use by process {Holder(root, path)} (lock file {path}): another lobby-edge already runs on it. " +
        "Two processes appending to one log would corrupt it; stop the other one first (systemctl stop lobby-edge). " +
        "'lobby-edge inspect' and 'lobby-edge verify' work beside a running service.",
        inner);

    /// <summary>
    /// The holder's process id as written in the lock file, read without taking a lock; when the file was deleted or
    /// holds none, the process that holds an flock and has the directory itself open (from /proc).
    /// </summary>
    private static string Holder(string root, string path)
    {
        byte[] content = LogFiles.ReadUnlocked(path, 32);
        string text = Encoding.ASCII.GetString(content).Trim();
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            return text;
        }

        foreach (string pid in FlockHolders())
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget == root))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to look at.
            }
        }

        return $"(unknown: the lock file {(File.Exists(path) ? "holds no process id" : "was deleted")}; 'lslocks' shows it)";
    }

    /// <summary>The process ids that hold an flock, from /proc/locks ("1: FLOCK ADVISORY WRITE 4711 08:01:1234 0 EOF").</summary>
    private static IEnumerable<string> FlockHolders()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/locks");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 4 && f[1] == "FLOCK")
            .Select(f => f[4])
            .Distinct(StringComparer.Ordinal);
    }
}

/// <summary>The data directory is locked by another running process.</summary>
public sealed class DataDirectoryLockedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataDirectoryLockedException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The service may not write in its data directory: a permission (the directory belongs to another user, or its mode
/// refuses this one: EACCES, EPERM), a deployment mistake the start is refused for with exit code 2; or a read-only
/// file system (EROFS: mounted read-only, or made read-only by the kernel after errors on the card), a storage fault
/// (exit code 1, as a full card). Also thrown for a file inside the directory the service may not write (a segment
/// left by a run as root). The message names the directory, the file where it is not the directory itself, the user
/// and what to do.
/// </summary>
public sealed class DataDirectoryNotWritableException : IOException
{
    private const int Eperm = 1;
    private const int Eacces = 13;
    private const int Erofs = 30;

    /// <summary>Says why <paramref name="directory"/> cannot be written and what to do.</summary>
    public DataDirectoryNotWritableException(string directory, Exception inner)
        : base(Describe(directory, inner), inner)
    {
        ReadOnlyFileSystem = IsReadOnly(inner);
    }

    /// <summary>Whether the file system is read-only (a storage fault) rather than a permission (a deployment mistake).</summary>
    public bool ReadOnlyFileSystem { get; }

    /// <summary>Whether <paramref name="e"/> means the directory cannot be written: a permission or a read-only file system.</summary>
    public static bool Explains(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException io && io.HResult is Eperm or Eacces or Erofs);

    /// <summary>Whether <paramref name="e"/> says the file system is read-only (EROFS).</summary>
    public static bool IsReadOnly(Exception e) => e is IOException { HResult: Erofs };

    private static string Describe(string directory, Exception e) => IsReadOnly(e)
        ? $"the data directory {directory} is on a read-only file system ({e.Message}). If it is mounted read-only, mount it " +
            "read-write; if the kernel made the card read-only after errors (dmesg: \"Remounting filesystem read-only\"), the card " +
            $"is failing: replace it and restore {directory} from its backup. Nothing was written."
        : $"the data directory {directory} cannot be written by this process (user {Environment.UserName}): {e.Message.TrimEnd('.')}. " +
            $"Give the directory and everything in it to the user the service runs as, writable by it: sudo chown -R {Environment.UserName}: {directory}; " +
            $"sudo chmod -R u+w {directory}; " +
            "or start with --data naming a directory of its own. Under the shipped systemd unit (a dynamic user, which exists " +
            "only while the unit runs) use its state directory, --data /var/lib/lobby-edge, which systemd gives to the " +
            "service's user at every start. Nothing was written.";
}
