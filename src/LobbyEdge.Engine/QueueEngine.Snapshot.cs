using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    private const uint SnapshotMagic = 0x4C455353; // "SSEL"
    // 3: care KPI (issue 12); 4: customer ratings (issue 13); 5: configuration versions (issue 15); 6: one timer entry
    // per (ticket, kind), none stale (issue 17: a version 5 heap may hold several, so it is refused and the log replayed);
    // 7: the day's advice list and self-service choices (issue 14); 8: prediction statistics (issue 14, ServiceRates) and
    // the printed upper bound in the ticket record; 9: the typical wait's median correction in ServiceRates (issue 14)
    private const int SnapshotVersion = 9;

    /// <summary>
    /// A fingerprint of the configuration the engine's storage depends on (services, number ranges, counters and
    /// their services), of the configuration in force. A snapshot taken under another fingerprint is not restored;
    /// the log is replayed instead.
    /// </summary>
    public ulong ConfigFingerprint { get; private set; }

    /// <summary>
    /// The whole state as bytes, so that start-up can restore it and replay only the events after
    /// <see cref="LastSequence"/>. Allocates; taken now and then, not per command. The format is private to one
    /// build of the engine (raw struct layouts); a snapshot that does not match is refused by
    /// <see cref="TryRestoreSnapshot"/> and the log is replayed instead.
    /// </summary>
    public byte[] CreateSnapshot()
    {
        var w = new SnapshotWriter();
        w.U32(SnapshotMagic);
        w.I32(SnapshotVersion);
        w.I64(_config.Version);
        w.I64(_config.Hash);
        w.Bool(_pending is not null);
        w.I64(_pending?.Version ?? 0);
        w.I64(_pending?.Hash ?? 0);
        w.I32((int)_pendingSource);
        w.U64(ConfigFingerprint);
        w.I32(Unsafe.SizeOf<TicketRecord>());
        w.I64(_lastSequence);
        w.I64(_lastEventTicks);
        w.Bool(_dayOpen);
        w.I32(_businessDay);
        w.I64(_cutoffTicks);
        w.I64(_closeTicks);
        w.I32(_ticketCount);
        w.Raw(_tickets.AsSpan(0, _ticketCount));
        w.Raw<Lane>(_lanes);
        w.Raw<Lane>(_noShows);
        w.Raw<int>(_waitingByTier);
        w.Raw<int>(_waiting);
        w.Raw<int>(_lastNumber);
        w.Raw<int>(_issued);
        w.Raw<int>(_calls);
        foreach (int[] map in _ticketByNumber)
        {
            w.Raw<int>(map);
        }

        w.Raw<double>(_meanServiceMs);
        w.Raw<double>(_varServiceMs);
        w.Raw<CareTally>(_care);
        w.Raw<RatingTally>(_ratingsByService);
        w.Raw<RatingTally>(_ratingsByCounter);
        w.Raw<CounterRecord>(_counterState);
        w.Raw<long>(_counterStateMs);
        foreach (int[] credit in _weightCredit)
        {
            w.Raw<int>(credit);
        }

        w.Raw<RecentCall>(_recent);
        w.I32(_recentCount);
        w.I32(_recentHead);
        w.I32(_timers.Count);
        w.Raw(_timers.Items);
        // --- issue 14: advice and self-service (format 7) ---
        w.I32(_adviceCount);
        w.Raw<AdviceRecord>(_advice.AsSpan(0, _adviceCount));
        w.Raw<int>(_selfServiceChosen);
        // --- end issue 14 ---

        // Prediction statistics (format 8, issue 14; median correction format 9): one record per service.
        w.Raw<ServiceRates>(_rates);
        // End of the prediction statistics.
        return w.ToArray();
    }

    /// <summary>
    /// Restores a snapshot taken by <see cref="CreateSnapshot"/>. A snapshot taken under another configuration version
    /// (or with a configuration waiting for the next opening) needs that configuration from
    /// <see cref="ConfigurationResolver"/>; the engine then runs with it. Returns false (and leaves the engine as it
    /// was) if the bytes are not such a snapshot, are of another format version (an older one: before 9), or name a
    /// configuration the resolver does not give or whose storage does not match.
    /// </summary>
    public bool TryRestoreSnapshot(ReadOnlySpan<byte> snapshot)
    {
        var r = new SnapshotReader(snapshot);
        if (!r.TryU32(out uint magic) || magic != SnapshotMagic
            || !r.TryI32(out int version) || version != SnapshotVersion
            || !r.TryI64(out long configVersion) || !r.TryI64(out long configHash)
            || !r.TryBool(out bool hasPending) || !r.TryI64(out long pendingVersion) || !r.TryI64(out long pendingHash)
            || !r.TryI32(out int pendingSource) || (uint)pendingSource > (uint)ConfigurationSource.Rollback)
        {
            return false;
        }

        BranchConfig config = _config;
        if (configVersion != config.Version || configHash != config.Hash)
        {
            if (ResolveThroughHost(configVersion) is not { } found || found.Hash != configHash)
            {
                return false;
            }

            config = found;
        }

        BranchConfig? pending = null;
        if (hasPending)
        {
            pending = _pending is { } p && p.Version == pendingVersion && p.Hash == pendingHash ? p : ResolveThroughHost(pendingVersion);
            if (pending is null || pending.Hash != pendingHash)
            {
                return false;
            }
        }

        if (!r.TryU64(out ulong fingerprint) || fingerprint != Fingerprint(config)
            || !r.TryI32(out int ticketSize) || ticketSize != Unsafe.SizeOf<TicketRecord>()
            || !r.TryI64(out long lastSequence) || !r.TryI64(out long lastEventTicks) || !r.TryBool(out bool dayOpen) || !r.TryI32(out int businessDay)
            || !r.TryI64(out long cutoff) || !r.TryI64(out long close)
            || !r.TryI32(out int ticketCount) || (uint)ticketCount > (uint)config.MaxTicketsPerDay)
        {
            return false;
        }

        // Check the exact length before touching state, so a truncated or padded snapshot changes nothing.
        int needed = (ticketCount * Unsafe.SizeOf<TicketRecord>()) + FixedStateBytes(config);
        int timerCount = r.PeekI32(needed + 8);
        if (timerCount < 0)
        {
            return false;
        }

        int timersEnd = needed + 12 + (timerCount * Unsafe.SizeOf<TimerEntry>());
        // --- issue 14: advice and self-service (format 7) ---
        int adviceCount = r.PeekI32(timersEnd);
        if ((uint)adviceCount > MaxAdvicePerDay
            || r.Remaining != timersEnd + sizeof(int) + (adviceCount * Unsafe.SizeOf<AdviceRecord>()) + (config.Services.Count * sizeof(int))
               + (config.Services.Count * Unsafe.SizeOf<ServiceRates>()))
        {
            return false;
        }

        // --- end issue 14 ---

        if (!ReferenceEquals(config, _config))
        {
            Allocate(config);
        }

        Array.Clear(_tickets);
        r.Raw(_tickets.AsSpan(0, ticketCount));
        r.Raw<Lane>(_lanes);
        r.Raw<Lane>(_noShows);
        r.Raw<int>(_waitingByTier);
        r.Raw<int>(_waiting);
        r.Raw<int>(_lastNumber);
        r.Raw<int>(_issued);
        r.Raw<int>(_calls);
        foreach (int[] map in _ticketByNumber)
        {
            r.Raw<int>(map);
        }

        r.Raw<double>(_meanServiceMs);
        r.Raw<double>(_varServiceMs);
        r.Raw<CareTally>(_care);
        r.Raw<RatingTally>(_ratingsByService);
        r.Raw<RatingTally>(_ratingsByCounter);
        r.Raw<CounterRecord>(_counterState);
        r.Raw<long>(_counterStateMs);
        foreach (int[] credit in _weightCredit)
        {
            r.Raw<int>(credit);
        }

        r.Raw<RecentCall>(_recent);
        r.TryI32(out _recentCount);
        r.TryI32(out _recentHead);
        r.TryI32(out _);
        _timers.Restore(ref r, timerCount);
        // --- issue 14: advice and self-service (format 7) ---
        Array.Clear(_advice);
        r.TryI32(out _adviceCount);
        r.Raw<AdviceRecord>(_advice.AsSpan(0, _adviceCount));
        r.Raw<int>(_selfServiceChosen);
        // --- end issue 14 ---

        // Prediction statistics (format 8, issue 14; median correction format 9): one record per service.
        r.Raw<ServiceRates>(_rates);
        // End of the prediction statistics.
        RebuildLaneIndex();
        InvalidateCapacity();

        _lastSequence = lastSequence;
        _lastEventTicks = lastEventTicks;
        _dayOpen = dayOpen;
        _businessDay = businessDay;
        _cutoffTicks = cutoff;
        _closeTicks = close;
        _ticketCount = ticketCount;
        _nextAutoOpenTicks = 0;
        _outCount = 0;
        _pending = pending;
        _pendingSource = (ConfigurationSource)pendingSource;
        return true;
    }

    /// <summary>
    /// Rebuilds the order-statistics index of the waiting lanes from the lanes' linked lists (a restored snapshot
    /// stores the lists, not the index). O(n log n), once per restore.
    /// </summary>
    private void RebuildLaneIndex()
    {
        _laneIndex.Clear();
        for (int lane = 0; lane < _lanes.Length; lane++)
        {
            int position = 0;
            for (int t = _lanes[lane].Head; t >= 0; t = _tickets[t].Next)
            {
                _laneIndex.Insert(lane, t, position++, _tickets[t].IssuedTicks);
            }
        }
    }

    /// <summary>The bytes of the state whose size a configuration fixes (everything but the tickets and the timers).</summary>
    private static int FixedStateBytes(BranchConfig config)
    {
        int s = config.Services.Count;
        int c = config.Counters.Count;
        int bytes = s * (LaneCount + 1) * Unsafe.SizeOf<Lane>();
        bytes += ((s * LaneCount) + (s * 4)) * sizeof(int);
        foreach (ServiceConfig service in config.Services)
        {
            bytes += (service.LastNumber - service.FirstNumber + 1) * sizeof(int);
        }

        bytes += s * 2 * sizeof(double);
        bytes += s * Unsafe.SizeOf<CareTally>();
        bytes += (s + c) * Unsafe.SizeOf<RatingTally>();
        bytes += c * Unsafe.SizeOf<CounterRecord>();
        bytes += c * 5 * sizeof(long);
        foreach (CounterConfig counter in config.Counters)
        {
            bytes += counter.Services.Count * sizeof(int);
        }

        bytes += Math.Max(1, config.RecentCallCount) * Unsafe.SizeOf<RecentCall>();
        return bytes;
    }

    private static ulong Fingerprint(BranchConfig config)
    {
        var sb = new StringBuilder();
        sb.Append(config.MaxTicketsPerDay).Append('|').Append(config.RecentCallCount).Append('|');
        foreach (ServiceConfig s in config.Services)
        {
            sb.Append(s.Prefix).Append(s.FirstNumber).Append('-').Append(s.LastNumber).Append(';');
        }

        foreach (CounterConfig c in config.Counters)
        {
            sb.Append(c.Number).Append(':');
            foreach (ServiceWeight w in c.Services)
            {
                sb.Append(w.Service).Append('x').Append(w.Weight).Append(',');
            }

            sb.Append(';');
        }

        // FNV-1a, 64-bit: stable across runs and builds (string.GetHashCode is randomised per process).
        ulong hash = 14695981039346656037;
        foreach (char ch in sb.ToString())
        {
            hash = (hash ^ ch) * 1099511628211;
        }

        return hash;
    }

    private sealed class SnapshotWriter
    {
        private byte[] _buffer = new byte[4096];
        private int _length;

        public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), v);

        public void I32(int v) => BinaryPrimitives.WriteInt32LittleEndian(Grow(4), v);

        public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), v);

        public void I64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Grow(8), v);

        public void Bool(bool v) => Grow(1)[0] = v ? (byte)1 : (byte)0;

        public void Raw<T>(ReadOnlySpan<T> items)
            where T : unmanaged
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(items);
            bytes.CopyTo(Grow(bytes.Length));
        }

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        private Span<byte> Grow(int n)
        {
            if (_length + n > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
            }

            Span<byte> span = _buffer.AsSpan(_length, n);
            _length += n;
            return span;
        }
    }
}

/// <summary>Reads what <c>SnapshotWriter</c> wrote, checking bounds as it goes.</summary>
internal ref struct SnapshotReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public bool TryU32(out uint v)
    {
        bool ok = Take(4, out ReadOnlySpan<byte> s);
        v = ok ? BinaryPrimitives.ReadUInt32LittleEndian(s) : 0;
        return ok;
    }

    public bool TryI32(out int v)
    {
        bool ok = Take(4, out ReadOnlySpan<byte> s);
        v = ok ? BinaryPrimitives.ReadInt32LittleEndian(s) : 0;
        return ok;
    }

    public bool TryU64(out ulong v)
    {
        bool ok = Take(8, out ReadOnlySpan<byte> s);
        v = ok ? BinaryPrimitives.ReadUInt64LittleEndian(s) : 0;
        return ok;
    }

    public bool TryI64(out long v)
    {
        bool ok = Take(8, out ReadOnlySpan<byte> s);
        v = ok ? BinaryPrimitives.ReadInt64LittleEndian(s) : 0;
        return ok;
    }

    public bool TryBool(out bool v)
    {
        bool ok = Take(1, out ReadOnlySpan<byte> s);
        v = ok && s[0] != 0;
        return ok;
    }

    /// <summary>Reads an int <paramref name="offset"/> bytes ahead without moving, or -1 if out of range.</summary>
    public readonly int PeekI32(int offset) =>
        _position + offset + 4 <= _data.Length ? BinaryPrimitives.ReadInt32LittleEndian(_data.Slice(_position + offset, 4)) : -1;

    public void Raw<T>(Span<T> items)
        where T : unmanaged
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(items);
        if (Take(bytes.Length, out ReadOnlySpan<byte> s))
        {
            s.CopyTo(bytes);
        }
    }

    private bool Take(int n, out ReadOnlySpan<byte> span)
    {
        if (_position + n > _data.Length)
        {
            span = default;
            return false;
        }

        span = _data.Slice(_position, n);
        _position += n;
        return true;
    }
}
