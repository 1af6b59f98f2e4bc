using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// The identity of a head-office command, which makes a repeat of it recognisable (deploy/head-office.md,
/// "Commands are idempotent"):
/// <list type="bullet">
/// <item>a top-level string field <c>requestId</c> in the payload, when present: the identity is that id alone
/// (head office chose it, it survives new Correlation Data on a retry);</item>
/// <item>otherwise the MQTT 5 Correlation Data together with the Response Topic (the subscriber cannot see the
/// sender's client id; the Response Topic is the sender's address, so two senders that both count their
/// Correlation Data from 1 do not collide);</item>
/// <item>neither: no identity. A command with an effect is then refused, since a repeat could not be told apart.</item>
/// </list>
/// The 64-bit key is the first 8 bytes (big-endian) of SHA-256 over <c>"lobby-request-v1\n"</c>, then either
/// <c>"id\n"</c> and the request id in UTF-8, or <c>"mqtt\n"</c>, the Response Topic in UTF-8, <c>"\n"</c> and the
/// Correlation Data; 0 is never a key. The fingerprint hashes the command name and the payload's fields (sorted by
/// name, <c>requestId</c> left out, each value as sent) the same way, so a repeat sent again with its fields in
/// another order is still the same request, and an identity reused for a different request is told apart.
/// </summary>
internal static class RequestIdentity
{
    /// <summary>Longest <c>requestId</c> accepted, in characters.</summary>
    public const int MaxRequestIdLength = 200;

    /// <summary>The payload field that carries a request id.</summary>
    public const string RequestIdField = "requestId";

    /// <summary>Works out the identity of a command; <see cref="RequestKey.None"/> when it has none.</summary>
    public static RequestKey Of(string name, ReadOnlySequence<byte> payload, string? responseTopic, byte[]? correlationData)
    {
        string? requestId = null;
        var fingerprint = new ArrayBufferWriter<byte>(256);
        fingerprint.Write("lobby-command-v1\n"u8);
        fingerprint.Write(Encoding.UTF8.GetBytes(name));
        fingerprint.Write("\n"u8);
        JsonDocument? document = null;
        try
        {
            if (payload.Length is > 0 and <= HeadOfficeCommandReader.MaxPayloadBytes)
            {
                document = JsonDocument.Parse(payload);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the command is refused by validation anyway; the raw bytes are its fingerprint.
        }

        if (document is not null && document.RootElement.ValueKind == JsonValueKind.Object)
        {
            using (document)
            {
                List<JsonProperty> fields = [.. document.RootElement.EnumerateObject()];
                fields.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (JsonProperty field in fields)
                {
                    if (field.Name == RequestIdField)
                    {
                        requestId = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : null;
                        continue;
                    }

                    fingerprint.Write(Encoding.UTF8.GetBytes(field.Name));
                    fingerprint.Write("\0"u8);
                    fingerprint.Write(Encoding.UTF8.GetBytes(field.Value.GetRawText()));
                    fingerprint.Write("\n"u8);
                }
            }
        }
        else
        {
            document?.Dispose();
            foreach (ReadOnlyMemory<byte> segment in payload)
            {
                fingerprint.Write(segment.Span);
            }
        }

        var identity = new ArrayBufferWriter<byte>(128);
        identity.Write("lobby-request-v1\n"u8);
        if (requestId is { Length: > 0 and <= MaxRequestIdLength })
        {
            identity.Write("id\n"u8);
            identity.Write(Encoding.UTF8.GetBytes(requestId));
        }
        else if (correlationData is { Length: > 0 })
        {
            identity.Write("mqtt\n"u8);
            identity.Write(Encoding.UTF8.GetBytes(responseTopic ?? ""));
            identity.Write("\n"u8);
            identity.Write(correlationData);
        }
        else
        {
            return RequestKey.None;
        }

        long id = Hash(identity.WrittenSpan);
        return new RequestKey(id == 0 ? 1 : id, Hash(fingerprint.WrittenSpan));
    }

    /// <summary>The key as head office can write it: 16 lower-case hex digits (as in <c>lobby.request.decided</c>).</summary>
    public static string Text(long key) => key.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static long Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}

/// <summary>What a request was answered: the outcome that a repeat is given again.</summary>
/// <param name="Sequence">The <see cref="EventKind.RequestDecided"/> event that recorded it (0 when not recorded).</param>
/// <param name="TimeTicks">When it was decided (the event's time, UTC ticks).</param>
/// <param name="Fingerprint">What the request asked for (<see cref="RequestKey.Fingerprint"/>).</param>
/// <param name="Command">The engine command it ran.</param>
/// <param name="Result">The engine's answer, as far as the reply shows it.</param>
/// <param name="Configuration">For an accepted <see cref="CommandKind.Reconfigure"/>: the version it made and how it
/// applied, from the <see cref="EventKind.ConfigurationChanged"/> event just before the record (its effect); else null.</param>
internal readonly record struct DecidedRequest(long Sequence, long TimeTicks, long Fingerprint, CommandKind Command, CommandResult Result, DecidedConfiguration? Configuration = null);

/// <summary>
/// The requests head office had decided within the remembered window, rebuilt from the event log's
/// <see cref="EventKind.RequestDecided"/> events and kept up to date by reading the log on: the log is the only
/// memory, so what the branch remembers is exactly what is durable. Not thread-safe: the link uses it under its
/// command gate.
/// </summary>
internal sealed class RequestMemory : IDisposable
{
    private readonly BranchLog _log;
    private readonly long _keepTicks;
    private readonly int _capacity;
    private readonly Dictionary<long, DecidedRequest> _byKey = [];
    private readonly Queue<(long Key, long Sequence, long TimeTicks)> _order = new();
    private LogReader? _reader;
    private LobbyEvent _previous;
    private long _dropped;

    /// <summary>Creates an empty memory over <paramref name="log"/>; see <see cref="Start"/>.</summary>
    /// <param name="log">The branch event log.</param>
    /// <param name="keep">How long (event time) a decided request is remembered.</param>
    /// <param name="capacity">Most requests remembered; past it the oldest are forgotten (and counted).</param>
    public RequestMemory(BranchLog log, TimeSpan keep, int capacity)
    {
        _log = log;
        _keepTicks = keep.Ticks;
        _capacity = capacity;
    }

    /// <summary>Requests remembered now.</summary>
    public int Count => _byKey.Count;

    /// <summary>Requests forgotten before their time because more than the capacity were decided in the window.</summary>
    public long Dropped => _dropped;

    /// <summary>The first event read when the memory was rebuilt.</summary>
    public long StartedAt { get; private set; }

    /// <summary>
    /// Rebuilds the memory from the log: finds the first event of the window (the newest event's time minus the
    /// window; a binary search, since event time never goes back) and reads every event from there.
    /// </summary>
    /// <exception cref="InvalidDataException">A record in the window is corrupt (file and offset named).</exception>
    public void Start()
    {
        long last = _log.LastSequence;
        long from = 1;
        if (last > 0 && TimeAt(last) is { } newest)
        {
            long cutoff = newest - _keepTicks;
            long lo = 1;
            long hi = last;
            while (lo < hi)
            {
                long mid = lo + ((hi - lo) / 2);
                if (TimeAt(mid) is { } t && t >= cutoff)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            // One event earlier: the effect of a request at the window's edge comes just before its record.
            from = Math.Max(1, lo - 1);
        }

        StartedAt = from;
        _reader = _log.ReadFrom(from);
        CatchUp();
    }

    /// <summary>Looks a request up, after reading whatever the log made durable since the last look.</summary>
    /// <exception cref="InvalidDataException">A record is corrupt; the memory may be incomplete.</exception>
    public bool TryFind(long key, out DecidedRequest decided)
    {
        CatchUp();
        return _byKey.TryGetValue(key, out decided);
    }

    /// <summary>Reads the events made durable since the last call.</summary>
    public void CatchUp()
    {
        if (_reader is null)
        {
            return;
        }

        try
        {
            while (_reader.TryRead(out LobbyEvent e))
            {
                if (e.Kind == EventKind.RequestDecided)
                {
                    Remember(in e);
                }

                _previous = e;
            }
        }
        catch (InvalidDataException)
        {
            // Read again from where it stopped next time (a segment restored meanwhile), not past the damage.
            long next = _reader.NextSequence;
            _reader.Dispose();
            _reader = _log.ReadFrom(next);
            throw;
        }
    }

    /// <summary>What a decided-request event says, with the prediction of the ticket it issued (the event before it).</summary>
    public static DecidedRequest Read(in LobbyEvent e, in LobbyEvent previous)
    {
        RequestDecidedView decided = e.AsRequestDecided();
        bool issued = decided.EffectEvents > 0 && previous.Sequence == e.Sequence - 1 && previous.Kind == EventKind.TicketIssued && previous.Ticket == e.Ticket;
        TicketIssuedView prediction = issued ? previous.AsTicketIssued() : default;
        var result = new CommandResult
        {
            Refusal = decided.Refusal,
            Ticket = e.Ticket,
            Number = e.Number,
            NumberService = e.NumberService,
            PeopleAhead = issued ? prediction.PeopleAhead : 0,
            TypicalWaitMs = issued ? prediction.TypicalWaitMs : -1,
            UpperWaitMs = issued ? prediction.UpperWaitMs : -1,
        };
        bool configured = decided.Command == CommandKind.Reconfigure && decided.EffectEvents > 0
            && previous.Sequence == e.Sequence - 1 && previous.Kind == EventKind.ConfigurationChanged;
        DecidedConfiguration? configuration = null;
        if (configured)
        {
            ConfigurationChangedView changed = previous.AsConfigurationChanged();
            configuration = new DecidedConfiguration(e.Sequence, changed.Version, changed.Hash, changed.Change, changed.Source);
        }

        return new DecidedRequest(e.Sequence, e.TimeTicks, decided.Request.Fingerprint, decided.Command, result, configuration);
    }

    public void Dispose() => _reader?.Dispose();

    private void Remember(in LobbyEvent e)
    {
        // A key decided twice (a repeat that came through before this memory existed) keeps its first outcome.
        long key = e.AsRequestDecided().Request.Id;
        if (!_byKey.TryAdd(key, Read(in e, in _previous)))
        {
            return;
        }

        _order.Enqueue((key, e.Sequence, e.TimeTicks));
        while (_order.TryPeek(out (long Key, long Sequence, long TimeTicks) oldest)
            && (oldest.TimeTicks < e.TimeTicks - _keepTicks || _order.Count > _capacity))
        {
            _order.Dequeue();
            if (_byKey.TryGetValue(oldest.Key, out DecidedRequest d) && d.Sequence == oldest.Sequence)
            {
                _byKey.Remove(oldest.Key);
                if (oldest.TimeTicks >= e.TimeTicks - _keepTicks)
                {
                    _dropped++;
                }
            }
        }
    }

    private long? TimeAt(long sequence)
    {
        using LogReader reader = _log.ReadFrom(sequence);
        return reader.TryRead(out LobbyEvent e) ? e.TimeTicks : null;
    }
}
