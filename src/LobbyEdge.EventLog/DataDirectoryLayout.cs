namespace LobbyEdge.EventLog;

/// <summary>
/// One entry the branch keeps in its data directory: its name there, whether it is a folder, what it holds (for the
/// message) and, for a folder, the extension of the files in it that must be files (".seg"), or null for none.
/// </summary>
/// <param name="Name">The entry's name in the data directory ("log").</param>
/// <param name="IsFolder">A folder (true) or a file (false).</param>
/// <param name="Holds">What it holds, said in the message ("the event log's segments").</param>
/// <param name="FileExtension">For a folder: the extension of its files that must be regular files (or links to one); null: not checked.</param>
public readonly record struct DataDirectoryEntry(string Name, bool IsFolder, string Holds, string? FileExtension = null);

/// <summary>
/// Checks, before anything in a data directory is opened or written, that what the branch keeps there is of the kind
/// it keeps it as: its folders folders, its files files, and every symbolic link among them leading to something that
/// exists without going round in a loop. Another kind there (a file named <c>log</c> copied in, a folder made where
/// <c>durable.mark</c> belongs, a segment linked to itself) made the start fail with exit 1, "The file '…/log' already
/// exists." or "Too many levels of symbolic links" and a stack trace; or, for <c>lock</c>, a permission refusal whose
/// <c>chown</c> could not help. Now: <see cref="DataDirectoryLayoutException"/>, naming the entry, what belongs there and
/// what to do, before one byte is written. Read-only (stat and directory listings), no allocation worth naming on a
/// start: one listing of each checked folder.
/// </summary>
public static class DataDirectoryLayout
{
    /// <summary>What the event log keeps in the data directory (see the EventLog README, "Files").</summary>
    public static IReadOnlyList<DataDirectoryEntry> LogEntries { get; } =
    [
        new("lock", false, "the lock that keeps a second lobby-edge out"),
        new("durable.mark", false, "the durable mark (the last event known to be on the card)"),
        new("log", true, "the event log's segments", LogFiles.SegmentExtension),
        new("cursors", true, "the consumers' cursors (how far head office has the log)", ".cursor"),
        new("snapshots", true, "the engine's snapshots", ".snap"),
    ];

    /// <summary>
    /// Checks <paramref name="entries"/> (<see cref="LogEntries"/>, or another part's) in <paramref name="directory"/>;
    /// an entry that does not exist is fine (it is created when needed), and so is a directory that does not exist yet.
    /// </summary>
    /// <exception cref="DataDirectoryLayoutException">An entry, or a file in a checked folder, is of the wrong kind, or a symbolic link there loops or leads nowhere.</exception>
    public static void Check(string directory, IEnumerable<DataDirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (DataDirectoryEntry entry in entries)
        {
            string path = Path.Combine(root, entry.Name);
            CheckOne(root, path, entry.IsFolder, entry.Holds);
            if (entry.IsFolder && entry.FileExtension is { } extension && Directory.Exists(path))
            {
                foreach (string file in Directory.EnumerateFileSystemEntries(path, "*" + extension))
                {
                    CheckOne(root, file, false, $"one of {entry.Holds}");
                }
            }
        }
    }

    private static void CheckOne(string root, string path, bool folder, string holds)
    {
        var info = new FileInfo(path);
        string? problem = null;
        if (info.LinkTarget is { } target)
        {
            try
            {
                FileSystemInfo? final = info.ResolveLinkTarget(returnFinalTarget: true);
                if (final is null || !(File.Exists(final.FullName) || Directory.Exists(final.FullName)))
                {
                    problem = $"is a symbolic link to {target}, which does not exist (a disk that is not mounted, or a file moved away)";
                }
            }
            catch (IOException e)
            {
                problem = $"is a symbolic link that cannot be followed ({e.Message.TrimEnd('.')}; a link that leads back to itself)";
            }
        }

        if (problem is null)
        {
            // Both follow links: what the branch would open.
            if (folder && File.Exists(path))
            {
                problem = "is a file";
            }
            else if (!folder && Directory.Exists(path))
            {
                problem = "is a folder";
            }
        }

        if (problem is not null)
        {
            throw new DataDirectoryLayoutException(root, path, $"{problem}, where the branch keeps {holds} ({(folder ? "a folder" : "a file")})");
        }
    }
}

/// <summary>
/// Something in the data directory is not of the kind the branch keeps there (see <see cref="DataDirectoryLayout"/>):
/// a mistake made on the box (a file copied in under the wrong name, a link), which the start is refused for with exit
/// code 2 (systemd does not restart it; a restart could not help). The message names the entry, what belongs there
/// and what to do; nothing was written.
/// </summary>
public sealed class DataDirectoryLayoutException : IOException
{
    /// <summary>Says what is wrong with <paramref name="path"/> in the data directory <paramref name="directory"/>.</summary>
    public DataDirectoryLayoutException(string directory, string path, string problem)
        : base($"the data directory {directory} is not laid out as the branch keeps it: {path} {problem}. Nothing was written. " +
            $"Move {path} out of the data directory (keep it: it may be a backup put back in the wrong place, or hold events) and " +
            $"start again; lobby-edge verify --data {directory} then checks the rest without writing.")
    {
    }
}
