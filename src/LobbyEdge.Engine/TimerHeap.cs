namespace LobbyEdge.Engine;

/// <summary>What a timer entry is for.</summary>
internal enum TimerKind : byte
{
    Care = 0,
    Sla = 1,
    NoShowExpiry = 2,
}

/// <summary>A due time for one ticket's timer of one kind.</summary>
internal readonly record struct TimerEntry(long Due, int Ticket, TimerKind Kind)
{
    public bool Before(in TimerEntry other) =>
        Due != other.Due ? Due < other.Due
        : Ticket != other.Ticket ? Ticket < other.Ticket
        : Kind < other.Kind;
}

/// <summary>
/// An indexed binary min-heap of timer entries, at most one per (ticket, kind), in arrays sized once for the day's
/// tickets. Arming a timer that is already armed moves its entry to the new due time in place (sift up or down);
/// a timer that can no longer fire is removed (<see cref="Cancel"/>), never left stale. So the heap holds at most
/// three entries per ticket whatever the number of no-show and recover, divert or care cycles, never grows and
/// never allocates. Push, cancel and pop cost O(log n); a timer tick costs O(due · log n).
/// </summary>
internal sealed class TimerHeap
{
    private const int Kinds = 3;

    private readonly TimerEntry[] _items;
    private readonly int[] _position; // [ticket * 3 + kind] -> index in _items, or -1
    private int _count;

    /// <summary>A heap for <paramref name="tickets"/> tickets (ids 0 to tickets - 1).</summary>
    public TimerHeap(int tickets)
    {
        _items = new TimerEntry[Math.Max(1, tickets) * Kinds];
        _position = new int[_items.Length];
        Array.Fill(_position, -1);
    }

    public int Count => _count;

    /// <summary>The entries in heap order, for a snapshot.</summary>
    public ReadOnlySpan<TimerEntry> Items => _items.AsSpan(0, _count);

    /// <summary>
    /// Replaces the entries with a snapshot's, re-armed one by one so the index is rebuilt. An entry of a ticket
    /// outside the day's range (a damaged snapshot) is skipped.
    /// </summary>
    public void Restore(ref SnapshotReader reader, int count)
    {
        Clear();
        var one = new TimerEntry[1]; // restore allocates anyway (it is not a hot path)
        for (int i = 0; i < count; i++)
        {
            reader.Raw(one);
            if ((uint)one[0].Ticket < (uint)(_items.Length / Kinds) && (uint)one[0].Kind < Kinds)
            {
                Push(one[0]);
            }
        }
    }

    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _position[Slot(in _items[i])] = -1;
        }

        _count = 0;
    }

    /// <summary>Whether a ticket's timer of a kind is armed, and when it is due.</summary>
    public bool TryGetDue(int ticket, TimerKind kind, out long due)
    {
        int at = _position[(ticket * Kinds) + (int)kind];
        due = at >= 0 ? _items[at].Due : 0;
        return at >= 0;
    }

    /// <summary>Arms the entry's timer at its due time: a new entry, or the armed one moved there.</summary>
    public void Push(in TimerEntry entry)
    {
        int slot = Slot(in entry);
        int at = _position[slot];
        if (at < 0)
        {
            SiftUp(_count++, entry);
            return;
        }

        TimerEntry old = _items[at];
        if (entry.Before(old))
        {
            SiftUp(at, entry);
        }
        else
        {
            SiftDown(at, entry);
        }
    }

    /// <summary>Disarms a ticket's timer of a kind, if armed.</summary>
    public void Cancel(int ticket, TimerKind kind)
    {
        int slot = (ticket * Kinds) + (int)kind;
        int at = _position[slot];
        if (at >= 0)
        {
            _position[slot] = -1;
            RemoveAt(at);
        }
    }

    public bool TryPeek(out TimerEntry entry)
    {
        if (_count == 0)
        {
            entry = default;
            return false;
        }

        entry = _items[0];
        return true;
    }

    public void Pop()
    {
        _position[Slot(in _items[0])] = -1;
        RemoveAt(0);
    }

    private static int Slot(in TimerEntry entry) => (entry.Ticket * Kinds) + (int)entry.Kind;

    /// <summary>Fills the hole at <paramref name="at"/> (its slot already cleared) with the last entry.</summary>
    private void RemoveAt(int at)
    {
        TimerEntry last = _items[--_count];
        if (at == _count)
        {
            return;
        }

        if (at > 0 && last.Before(_items[(at - 1) >> 1]))
        {
            SiftUp(at, last);
        }
        else
        {
            SiftDown(at, last);
        }
    }

    private void SiftUp(int i, in TimerEntry entry)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!entry.Before(_items[parent]))
            {
                break;
            }

            Place(i, _items[parent]);
            i = parent;
        }

        Place(i, entry);
    }

    private void SiftDown(int i, in TimerEntry entry)
    {
        int half = _count >> 1;
        while (i < half)
        {
            int child = (2 * i) + 1;
            int right = child + 1;
            if (right < _count && _items[right].Before(_items[child]))
            {
                child = right;
            }

            if (!_items[child].Before(entry))
            {
                break;
            }

            Place(i, _items[child]);
            i = child;
        }

        Place(i, entry);
    }

    private void Place(int i, in TimerEntry entry)
    {
        _items[i] = entry;
        _position[Slot(in entry)] = i;
    }
}
