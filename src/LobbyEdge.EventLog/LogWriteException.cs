namespace LobbyEdge.EventLog;

/// <summary>The file a failed write of the branch's storage was for.</summary>
public enum LogWriteSite
{
    /// <summary>A group commit: the append and fsync of events to the current segment.</summary>
    Segment,

    /// <summary>Creating the segment of a new business day.</summary>
    NewSegment,

    /// <summary>An engine snapshot.</summary>
    Snapshot,

    /// <summary>A consumer's cursor.</summary>
    Cursor,

    /// <summary>Deleting segments past retention.</summary>
    Prune,
}

/// <summary>
/// A write or fsync of the branch's storage failed: the disk is full (ENOSPC, EDQUOT), the medium failed (EIO),
/// the file system went read-only (EROFS) or access was taken away. Every write site of the log throws this one
/// kind, naming the file, what was being written and the system's reason.
/// </summary>
/// <remarks>
/// What it means depends on the site. After a failed <see cref="LogWriteSite.Segment"/> or
/// <see cref="LogWriteSite.NewSegment"/> write the log is stopped (<see cref="BranchLog.Fault"/>): the events
/// of that commit were never acknowledged, and the log takes nothing more. A failed snapshot, cursor or prune
/// loses nothing: the caller goes on and tries again later.
/// </remarks>
public sealed class LogWriteException : IOException
{
    private const int Enospc = 28;
    private const int Eio = 5;
    private const int Erofs = 30;
    private const int Edquot = 122;

    /// <summary>Creates the exception for a failed write of <paramref name="path"/>.</summary>
    /// <param name="site">What was being written.</param>
    /// <param name="path">The file (or directory) written.</param>
    /// <param name="innerException">The system's error (an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>).</param>
    public LogWriteException(LogWriteSite site, string path, Exception innerException)
        : base(Describe(site, path, innerException), innerException)
    {
        ArgumentNullException.ThrowIfNull(innerException);
        Site = site;
        Path = path;
        IsStorageFull = ErrnoOf(innerException) is Enospc or Edquot;
    }

    /// <summary>What was being written.</summary>
    public LogWriteSite Site { get; }

    /// <summary>The file (or directory) whose write failed.</summary>
    public string Path { get; }

    /// <summary>Whether the storage is out of space (ENOSPC) or over quota (EDQUOT), rather than failing.</summary>
    public bool IsStorageFull { get; }

    /// <summary>The short problem in the lobby's words: <c>branch storage full</c>, <c>branch storage failed</c>, ...</summary>
    public string Problem => ProblemOf(ErrnoOf(InnerException!), InnerException);

    private static string Describe(LogWriteSite site, string path, Exception inner)
    {
        string what = site switch
        {
            LogWriteSite.Segment => "appending events to",
            LogWriteSite.NewSegment => "creating the new day's segment",
            LogWriteSite.Snapshot => "writing the snapshot",
            LogWriteSite.Cursor => "saving the cursor",
            _ => "deleting the old segment",
        };
        return $"{ProblemOf(ErrnoOf(inner), inner)}: {what} {path} failed ({inner.Message})";
    }

    private static string ProblemOf(int errno, Exception? inner) => errno switch
    {
        Enospc or Edquot => "branch storage full",
        Erofs => "branch storage read-only",
        Eio => "branch storage I/O error",
        _ when inner is UnauthorizedAccessException => "branch storage not writable",
        _ => "branch storage write failed",
    };

    /// <summary>The errno .NET keeps in an <see cref="IOException"/>'s HResult on Unix (0 where it is not an errno).</summary>
    private static int ErrnoOf(Exception e) => e is IOException && e.HResult is > 0 and < 4096 ? e.HResult : 0;
}
