namespace LobbyEdge.EventLog;

/// <summary>
/// Small files written so that a crash or power cut leaves either the old content or the new, never a mix: the way
/// the log writes its cursors and snapshots, for the host's own files (the configuration store, the branch profile).
/// </summary>
public static class DurableFile
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically and durably: a temp file beside it
    /// (<c>path.tmp</c>, same directory, so the rename is atomic), fsync, rename over, fsync the directory. When a step
    /// fails the temp file is removed and the old file, if any, stays as it was.
    /// </summary>
    /// <exception cref="IOException">A write, fsync or rename failed (ENOSPC, EIO, EROFS).</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable (e.g. a read-only mount).</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string temp = path + LogFiles.TempSuffix;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            LogFiles.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (Exception e) when (LogFiles.IsStorageFault(e))
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception again) when (LogFiles.IsStorageFault(again))
            {
                // The first failure is the one to report.
            }

            throw;
        }
    }
}
