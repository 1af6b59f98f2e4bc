namespace LobbyEdge.Engine;

/// <summary>What a timer entry is for.</summary>
internal enum TimerKind : byte
{
    Care = 0,
    Sla = 1,
    NoShowExpiry = 2,
}

/// <summary>A due time for one ticket. Entries go stale when the ticket moves on; they are checked when popped.</summary>
internal readonly record struct TimerEntry(long Due, int Ticket, TimerKind Kind)
{
    public bool Before(in TimerEntry other) =>
        Due != other.Due ? Due < other.Due
        : Ticket != other.Ticket ? Ticket < other.Ticket
        : Kind < other.Kind;
}

/// <summary>
/// A binary min-heap of timer entries in a pre-sized array. The engine pops only what is due, so a timer tick
/// costs O(due · log n) instead of a scan of every waiting ticket.
/// </summary>
internal sealed class TimerHeap
{
    private TimerEntry[] _items;
    private int _count;

    public TimerHeap(int capacity) => _items = new TimerEntry[Math.Max(16, capacity)];

    public int Count => _count;

    /// <summary>The live entries, for a snapshot.</summary>
    public ReadOnlySpan<TimerEntry> Items => _items.AsSpan(0, _count);

    /// <summary>Replaces the entries with a snapshot's (already in heap order).</summary>
    public void Restore(ref SnapshotReader reader, int count)
    {
        if (count > _items.Length)
        {
            _items = new TimerEntry[count * 2];
        }

        reader.Raw(_items.AsSpan(0, count));
        _count = count;
    }

    public void Clear() => _count = 0;

    public void Push(in TimerEntry entry)
    {
        if (_count == _items.Length)
        {
            // Rare: more re-entries than sized for. Growing keeps correctness; steady state never gets here.
            Array.Resize(ref _items, _items.Length * 2);
        }

        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!entry.Before(_items[parent]))
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = entry;
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
        TimerEntry last = _items[--_count];
        int i = 0;
        int half = _count >> 1;
        while (i < half)
        {
            int child = (2 * i) + 1;
            int right = child + 1;
            if (right < _count && _items[right].Before(_items[child]))
            {
                child = right;
            }

            if (!_items[child].Before(last))
            {
                break;
            }

            _items[i] = _items[child];
            i = child;
        }

        if (_count > 0)
        {
            _items[i] = last;
        }
    }
}
