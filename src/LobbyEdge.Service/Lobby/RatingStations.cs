namespace LobbyEdge.Service.Lobby;

/// <summary>
/// Which counters can take a customer's rating now: a rating pad configured on the counter (hardware profile,
/// <c>rating: true</c>) or a rating page (<c>/rate/{counter}</c>) open on the counter's tablet. The rating prompter
/// asks for a rating after a finish only where something can take it, so the response rate is not diluted by
/// counters that have neither. Thread-safe; pages come and go at any time.
/// </summary>
public sealed class RatingStations
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _pads = [];
    private readonly Dictionary<int, int> _pages = [];

    /// <summary>Records that a counter (1..999) has a rating pad.</summary>
    public void AddPad(int counter)
    {
        lock (_gate)
        {
            _pads.Add(counter);
        }
    }

    /// <summary>
    /// Records that a rating page for the counter is open (one per connected page feed); dispose the result when the
    /// page goes away.
    /// </summary>
    public IDisposable PageOpened(int counter)
    {
        lock (_gate)
        {
            _pages[counter] = _pages.GetValueOrDefault(counter) + 1;
        }

        return new PageLease(this, counter);
    }

    /// <summary>Whether the counter has a rating pad.</summary>
    public bool HasPad(int counter)
    {
        lock (_gate)
        {
            return _pads.Contains(counter);
        }
    }

    /// <summary>Whether a rating page for the counter is open now.</summary>
    public bool HasPage(int counter)
    {
        lock (_gate)
        {
            return _pages.GetValueOrDefault(counter) > 0;
        }
    }

    /// <summary>Whether the counter can take a rating now (a pad, or an open page).</summary>
    public bool CanRate(int counter) => HasPad(counter) || HasPage(counter);

    private void PageClosed(int counter)
    {
        lock (_gate)
        {
            int n = _pages.GetValueOrDefault(counter) - 1;
            if (n > 0)
            {
                _pages[counter] = n;
            }
            else
            {
                _pages.Remove(counter);
            }
        }
    }

    private sealed class PageLease(RatingStations owner, int counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.PageClosed(counter);
            }
        }
    }
}
