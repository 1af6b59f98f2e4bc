namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The notice line of the signage page, set by head office (<c>broadcast-notice</c>) or a lobby manager. Thread-safe;
/// subscribers are told of every change.
/// </summary>
public sealed class NoticeBoard
{
    private readonly TimeProvider _time;
    private Notice? _notice;

    /// <summary>Creates an empty board.</summary>
    public NoticeBoard(TimeProvider time) => _time = time;

    /// <summary>Raised after the notice changes (on the caller's thread; handlers must not block).</summary>
    public event Action? Changed;

    /// <summary>The notice now, or null (none, or expired).</summary>
    public Notice? Current
    {
        get
        {
            Notice? n = Volatile.Read(ref _notice);
            return n is not null && (n.Until is null || n.Until > _time.GetUtcNow()) ? n : null;
        }
    }

    /// <summary>Shows <paramref name="text"/> until <paramref name="until"/> (or until replaced); empty text clears it.</summary>
    public void Set(string text, DateTimeOffset? until = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        Volatile.Write(ref _notice, text.Length == 0 ? null : new Notice(text, until));
        Changed?.Invoke();
    }
}

/// <summary>A notice and when it stops showing.</summary>
public sealed record Notice(string Text, DateTimeOffset? Until);
