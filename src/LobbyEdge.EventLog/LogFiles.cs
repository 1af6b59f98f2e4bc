using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LobbyEdge.EventLog;

/// <summary>Names and lists the files of a log directory, and makes renames and creations durable.</summary>
internal static partial class LogFiles
{
    public const string SegmentExtension = ".seg";
    public const int SegmentHeaderSize = 16;
    public const string TempSuffix = ".tmp";

    /// <summary>"LOBBYLOG" then format version 1 and 4 reserved bytes.</summary>
    public static ReadOnlySpan<byte> SegmentHeader => "LOBBYLOG\u0001\0\0\0\0\0\0\0"u8;

    public static string SegmentsDirectory(string root) => Path.Combine(root, "log");

    public static string CursorsDirectory(string root) => Path.Combine(root, "cursors");

    public static string SnapshotsDirectory(string root) => Path.Combine(root, "snapshots");

    public static string SegmentPath(string root, long firstSequence) =>
        Path.Combine(SegmentsDirectory(root), firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);

    /// <summary>The segments, oldest first, as (first sequence, path).</summary>
    public static List<(long First, string Path)> ListSegments(string root)
    {
        var list = new List<(long, string)>();
        string dir = SegmentsDirectory(root);
        if (!Directory.Exists(dir))
        {
            return list;
        }

        foreach (string path in Directory.EnumerateFiles(dir, "*" + SegmentExtension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out long first))
            {
                list.Add((first, path));
            }
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    /// <summary>
    /// Makes a directory entry (a new file, a rename, a deletion) durable: fsync on the directory itself, which
    /// POSIX needs and .NET does not offer. No-op where the platform has no such call.
    /// </summary>
    /// <exception cref="IOException">The fsync failed (EIO, ENOSPC on some file systems); HResult is the errno.</exception>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of the directory {directory} failed (errno {errno})", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Writes a small file atomically and durably: temp file, fsync, rename over, fsync the directory. When any
    /// step fails the temp file is removed (it must not eat the space of a full disk) and the old file, if any,
    /// stays as it was.
    /// </summary>
    /// <exception cref="LogWriteException">A write, fsync or rename failed.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, LogWriteSite site)
    {
        try
        {
            DurableFile.WriteAtomically(path, content);
        }
        catch (Exception e) when (IsStorageFault(e))
        {
            throw new LogWriteException(site, path, e);
        }
    }

    /// <summary>Whether an exception from a file operation is the storage refusing a write (the kind <see cref="LogWriteException"/> reports).</summary>
    public static bool IsStorageFault(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>Deletes temp files that a crash between write and rename left in <paramref name="directory"/>.</summary>
    public static void DeleteLeftoverTemps(string directory)
    {
        foreach (string temp in Directory.EnumerateFiles(directory, "*" + TempSuffix))
        {
            TryDelete(temp);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (IsStorageFault(e))
        {
            // Best effort: a storage that cannot even delete is already reported by the write that failed.
        }
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> bytes of a file with plain <c>open</c>/<c>read</c>, bypassing .NET's
    /// advisory <c>flock</c>, which would refuse a file another process holds exclusively (the data directory's lock).
    /// Returns nothing where the platform has no such call or the file cannot be read.
    /// </summary>
    public static unsafe byte[] ReadUnlocked(string path, int max)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return [];
        }

        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return [];
        }

        try
        {
            byte[] buffer = new byte[max];
            fixed (byte* p = buffer)
            {
                nint n = ReadFd(fd, p, max);
                return n > 0 ? buffer[..(int)n] : [];
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Takes an exclusive, non-blocking <c>flock</c> on the directory itself (open(2) read-only, close-on-exec). Unlike a
    /// lock on a file in it, this cannot be bypassed by deleting a file: the directory is the data. Returns the held
    /// handle (closing it releases the lock), or null with <paramref name="heldByOther"/> true when another process
    /// holds it; null and false where the platform has no <c>flock</c>.
    /// </summary>
    /// <exception cref="IOException">The directory could not be opened or locked for another reason; HResult is the errno.</exception>
    public static SafeFileHandle? TryLockDirectory(string directory, out bool heldByOther)
    {
        heldByOther = false;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        int fd = Open(directory, OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000 /* O_RDONLY | O_CLOEXEC */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open the data directory {directory} to lock it (errno {errno})", errno);
        }

        if (Flock(fd, 2 | 4 /* LOCK_EX | LOCK_NB */) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = Close(fd);
            heldByOther = errno == (OperatingSystem.IsMacOS() ? 35 : 11) /* EWOULDBLOCK */;
            return heldByOther ? null : throw new IOException($"cannot lock the data directory {directory} (errno {errno})", errno);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFd(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
