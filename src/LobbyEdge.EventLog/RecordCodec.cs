using System.Buffers.Binary;
using System.Numerics;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>
/// The on-disk record: <c>[length u32][crc32c u32][payload]</c>, little-endian. The CRC-32C covers the length
/// bytes and the payload, so a torn length is caught as surely as a torn payload. The payload of an event
/// (version 1) is 56 bytes; see <c>docs</c> in this project's README for the field layout.
/// </summary>
internal static class RecordCodec
{
    public const int HeaderSize = 8;
    public const int EventPayloadSize = 56;
    public const int EventRecordSize = HeaderSize + EventPayloadSize;
    public const byte PayloadVersion = 1;

    /// <summary>Largest payload a reader accepts; anything larger is a corrupt length.</summary>
    public const int MaxPayload = 1 << 20;

    public static void WriteEvent(in LobbyEvent e, Span<byte> record)
    {
        Span<byte> p = record.Slice(HeaderSize, EventPayloadSize);
        p[0] = PayloadVersion;
        p[1] = (byte)e.Kind;
        p[2] = (byte)e.Tier;
        p[3] = e.Detail;
        p[4] = e.Reason;
        p[5] = 0;
        BinaryPrimitives.WriteInt16LittleEndian(p[6..], e.Service);
        BinaryPrimitives.WriteInt16LittleEndian(p[8..], e.NumberService);
        BinaryPrimitives.WriteInt16LittleEndian(p[10..], e.Counter);
        BinaryPrimitives.WriteInt32LittleEndian(p[12..], e.Ticket);
        BinaryPrimitives.WriteInt32LittleEndian(p[16..], e.Number);
        BinaryPrimitives.WriteInt32LittleEndian(p[20..], e.Count);
        BinaryPrimitives.WriteInt64LittleEndian(p[24..], e.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(p[32..], e.TimeTicks);
        BinaryPrimitives.WriteInt64LittleEndian(p[40..], e.A);
        BinaryPrimitives.WriteInt64LittleEndian(p[48..], e.B);
        BinaryPrimitives.WriteUInt32LittleEndian(record, EventPayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum(record[..4], p));
    }

    /// <summary>The CRC-32C of a record's length bytes and payload.</summary>
    public static uint Checksum(ReadOnlySpan<byte> lengthBytes, ReadOnlySpan<byte> payload) =>
        Crc32C.Compute(Crc32C.Compute(Crc32C.Seed, lengthBytes), payload) ^ Crc32C.Seed;

    /// <summary>Why a record could not be read.</summary>
    public enum Status
    {
        Ok,
        Incomplete,
        BadLength,
        BadChecksum,
        BadPayload,
    }

    /// <summary>Checks the record at the start of <paramref name="data"/> and decodes its event.</summary>
    public static Status TryReadEvent(ReadOnlySpan<byte> data, out LobbyEvent e, out int recordLength)
    {
        e = default;
        recordLength = 0;
        if (data.Length < HeaderSize)
        {
            return Status.Incomplete;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length == 0 || length > MaxPayload)
        {
            return Status.BadLength;
        }

        if (data.Length < HeaderSize + (int)length)
        {
            return Status.Incomplete;
        }

        ReadOnlySpan<byte> p = data.Slice(HeaderSize, (int)length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != Checksum(data[..4], p))
        {
            return Status.BadChecksum;
        }

        recordLength = HeaderSize + (int)length;
        if (length != EventPayloadSize || p[0] != PayloadVersion)
        {
            return Status.BadPayload;
        }

        e = new LobbyEvent
        {
            Kind = (EventKind)p[1],
            Tier = (Tier)p[2],
            Detail = p[3],
            Reason = p[4],
            Service = BinaryPrimitives.ReadInt16LittleEndian(p[6..]),
            NumberService = BinaryPrimitives.ReadInt16LittleEndian(p[8..]),
            Counter = BinaryPrimitives.ReadInt16LittleEndian(p[10..]),
            Ticket = BinaryPrimitives.ReadInt32LittleEndian(p[12..]),
            Number = BinaryPrimitives.ReadInt32LittleEndian(p[16..]),
            Count = BinaryPrimitives.ReadInt32LittleEndian(p[20..]),
            Sequence = BinaryPrimitives.ReadInt64LittleEndian(p[24..]),
            TimeTicks = BinaryPrimitives.ReadInt64LittleEndian(p[32..]),
            A = BinaryPrimitives.ReadInt64LittleEndian(p[40..]),
            B = BinaryPrimitives.ReadInt64LittleEndian(p[48..]),
        };
        return Status.Ok;
    }
}

/// <summary>CRC-32C (Castagnoli) with the processor's CRC instructions where present (SSE4.2, ARMv8).</summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    public static uint Compute(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
