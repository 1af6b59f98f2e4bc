namespace LobbyEdge.Engine;

/// <summary>
/// An order-statistics index over the waiting lanes (one per service and lane): a treap per lane, in the lane's
/// order (front first), whose nodes are the tickets and whose every subtree knows its size and the latest issue
/// time in it. The lanes themselves stay intrusive doubly linked lists through the ticket arena (the order calls
/// take, O(1) at the head); this index only answers the questions that used to walk a lane from the front:
/// <list type="bullet">
/// <item>which ticket is <c>k</c> places from the front (<see cref="TicketAt"/>), to link a ticket in there;</item>
/// <item>how many places from the front a ticket is (<see cref="Rank"/>);</item>
/// <item>where the first ticket issued after a time is (<see cref="FirstIssuedAfter"/>), the placement by age of
/// transfer, divert, tier change and the SLA lift.</item>
/// </list>
/// Each costs O(log n) expected in the lane's length. Priorities are a hash of the ticket id, so the shape is the
/// same however the lane was built (live, replayed or restored) and nothing is random. Storage is sized once for
/// the day's tickets; nothing allocates after construction.
/// </summary>
internal sealed class LaneIndex
{
    private readonly Node[] _nodes;   // [ticket]
    private readonly int[] _roots;    // [lane], -1 = empty

    /// <summary>An index for <paramref name="lanes"/> lanes and <paramref name="tickets"/> tickets.</summary>
    public LaneIndex(int lanes, int tickets)
    {
        _roots = new int[lanes];
        _nodes = new Node[Math.Max(1, tickets)];
        Clear();
    }

    /// <summary>Empties every lane.</summary>
    public void Clear() => Array.Fill(_roots, -1);

    /// <summary>Tickets in a lane.</summary>
    public int Count(int lane) => SizeOf(_roots[lane]);

    /// <summary>The ticket <paramref name="position"/> places from the front of a lane (0 = head); -1 past the end.</summary>
    public int TicketAt(int lane, int position)
    {
        int n = _roots[lane];
        while (n >= 0)
        {
            int left = SizeOf(_nodes[n].Left);
            if (position < left)
            {
                n = _nodes[n].Left;
            }
            else if (position == left)
            {
                return n;
            }
            else
            {
                position -= left + 1;
                n = _nodes[n].Right;
            }
        }

        return -1;
    }

    /// <summary>How many places from the front of its lane a ticket in the index is.</summary>
    public int Rank(int ticket)
    {
        int rank = SizeOf(_nodes[ticket].Left);
        int n = ticket;
        int parent = _nodes[n].Parent;
        while (parent >= 0)
        {
            if (_nodes[parent].Right == n)
            {
                rank += SizeOf(_nodes[parent].Left) + 1;
            }

            n = parent;
            parent = _nodes[n].Parent;
        }

        return rank;
    }

    /// <summary>
    /// Places from the front of a lane to the first ticket issued after <paramref name="issuedTicks"/>, or the
    /// lane's length when there is none: the number of tickets from the head on up to that one.
    /// </summary>
    public int FirstIssuedAfter(int lane, long issuedTicks)
    {
        int n = _roots[lane];
        int position = 0;
        while (n >= 0)
        {
            ref Node node = ref _nodes[n];
            if (node.Left >= 0 && _nodes[node.Left].MaxIssued > issuedTicks)
            {
                n = node.Left;
            }
            else if (node.Issued > issuedTicks)
            {
                return position + SizeOf(node.Left);
            }
            else
            {
                position += SizeOf(node.Left) + 1;
                n = node.Right;
            }
        }

        return position;
    }

    /// <summary>Inserts a ticket <paramref name="position"/> places from the front of a lane (clamped to the end).</summary>
    public void Insert(int lane, int ticket, int position, long issuedTicks)
    {
        _nodes[ticket] = new Node { Left = -1, Right = -1, Parent = -1, Size = 1, Issued = issuedTicks, MaxIssued = issuedTicks };
        int n = _roots[lane];
        if (n < 0)
        {
            _roots[lane] = ticket;
            return;
        }

        while (true)
        {
            ref Node node = ref _nodes[n];
            node.Size++;
            node.MaxIssued = Math.Max(node.MaxIssued, issuedTicks);
            int left = SizeOf(node.Left);
            if (position <= left)
            {
                if (node.Left < 0)
                {
                    node.Left = ticket;
                    break;
                }

                n = node.Left;
            }
            else
            {
                position -= left + 1;
                if (node.Right < 0)
                {
                    node.Right = ticket;
                    break;
                }

                n = node.Right;
            }
        }

        _nodes[ticket].Parent = n;
        while (_nodes[ticket].Parent >= 0 && Priority(ticket) > Priority(_nodes[ticket].Parent))
        {
            RotateUp(lane, ticket);
        }
    }

    /// <summary>Removes a ticket from the lane that holds it.</summary>
    public void Remove(int lane, int ticket)
    {
        // Rotate it down until it has at most one child, then splice it out.
        while (_nodes[ticket].Left >= 0 && _nodes[ticket].Right >= 0)
        {
            int left = _nodes[ticket].Left;
            int right = _nodes[ticket].Right;
            RotateUp(lane, Priority(left) > Priority(right) ? left : right);
        }

        int child = _nodes[ticket].Left >= 0 ? _nodes[ticket].Left : _nodes[ticket].Right;
        int parent = _nodes[ticket].Parent;
        if (child >= 0)
        {
            _nodes[child].Parent = parent;
        }

        if (parent < 0)
        {
            _roots[lane] = child;
        }
        else if (_nodes[parent].Left == ticket)
        {
            _nodes[parent].Left = child;
        }
        else
        {
            _nodes[parent].Right = child;
        }

        for (int n = parent; n >= 0; n = _nodes[n].Parent)
        {
            Pull(n);
        }

        _nodes[ticket] = default;
    }

    /// <summary>A fixed, well-mixed priority per ticket (a 32-bit finaliser of its id): deterministic, never random.</summary>
    private static uint Priority(int ticket)
    {
        uint h = (uint)ticket * 0x9E3779B1u;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }

    private int SizeOf(int n) => n < 0 ? 0 : _nodes[n].Size;

    /// <summary>Recomputes a node's size and latest issue time from its children.</summary>
    private void Pull(int n)
    {
        ref Node node = ref _nodes[n];
        node.Size = 1 + SizeOf(node.Left) + SizeOf(node.Right);
        long max = node.Issued;
        if (node.Left >= 0)
        {
            max = Math.Max(max, _nodes[node.Left].MaxIssued);
        }

        if (node.Right >= 0)
        {
            max = Math.Max(max, _nodes[node.Right].MaxIssued);
        }

        node.MaxIssued = max;
    }

    /// <summary>Rotates <paramref name="x"/> above its parent, keeping the in-order (lane) order.</summary>
    private void RotateUp(int lane, int x)
    {
        int p = _nodes[x].Parent;
        int g = _nodes[p].Parent;
        if (_nodes[p].Left == x)
        {
            int moved = _nodes[x].Right;
            _nodes[p].Left = moved;
            if (moved >= 0)
            {
                _nodes[moved].Parent = p;
            }

            _nodes[x].Right = p;
        }
        else
        {
            int moved = _nodes[x].Left;
            _nodes[p].Right = moved;
            if (moved >= 0)
            {
                _nodes[moved].Parent = p;
            }

            _nodes[x].Left = p;
        }

        _nodes[p].Parent = x;
        _nodes[x].Parent = g;
        if (g < 0)
        {
            _roots[lane] = x;
        }
        else if (_nodes[g].Left == p)
        {
            _nodes[g].Left = x;
        }
        else
        {
            _nodes[g].Right = x;
        }

        Pull(p);
        Pull(x);
    }

    private struct Node
    {
        public int Left;
        public int Right;
        public int Parent;
        public int Size;
        public long Issued;
        public long MaxIssued;
    }
}
