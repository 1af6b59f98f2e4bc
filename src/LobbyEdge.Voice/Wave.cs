using System.Buffers.Binary;

namespace LobbyEdge.Voice;

/// <summary>
/// The RIFF/WAVE container, as far as voice clips need it: read the format and the PCM data of a file (skipping
/// any other chunk a recording tool adds, such as <c>LIST</c> or <c>bext</c>), and write the canonical 44-byte
/// header of a 16-bit mono PCM file.
/// </summary>
internal static class Wave
{
    /// <summary>Size of the header <see cref="WriteHeader"/> writes; the PCM data follows it.</summary>
    public const int HeaderSize = 44;

    /// <summary>Bytes per sample of the only format the voice uses (16-bit mono).</summary>
    public const int BytesPerSample = 2;

    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>What a WAV file holds.</summary>
    /// <param name="IsPcm">Whether the samples are integer PCM (plain or in a WAVE_FORMAT_EXTENSIBLE wrapper).</param>
    /// <param name="Channels">Channel count.</param>
    /// <param name="SampleRate">Samples per second.</param>
    /// <param name="BitsPerSample">Bits per sample.</param>
    /// <param name="DataOffset">Where the PCM data starts in the file.</param>
    /// <param name="DataLength">Length of the PCM data in bytes.</param>
    public readonly record struct Info(bool IsPcm, int Channels, int SampleRate, int BitsPerSample, int DataOffset, int DataLength);

    /// <summary>Reads the format and finds the data of a WAV file.</summary>
    /// <exception cref="InvalidDataException">Not a RIFF/WAVE file, or its <c>fmt </c> or <c>data</c> chunk is missing or cut short.</exception>
    public static Info Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("not a WAV file (no RIFF/WAVE header)");
        }

        bool haveFormat = false;
        bool isPcm = false;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int position = 12;
        while (position + 8 <= file.Length)
        {
            ReadOnlySpan<byte> id = file.Slice(position, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(position + 4, 4));
            int body = position + 8;
            if (size > (uint)(file.Length - body))
            {
                throw new InvalidDataException($"the \"{System.Text.Encoding.ASCII.GetString(id)}\" chunk is cut short (file truncated?)");
            }

            ReadOnlySpan<byte> chunk = file.Slice(body, (int)size);
            if (id.SequenceEqual("fmt "u8))
            {
                if (chunk.Length < 16)
                {
                    throw new InvalidDataException("the fmt chunk is too short");
                }

                ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
                rate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]), int.MaxValue);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);

                // Extensible: the real format is the first two bytes of the sub-format GUID at offset 24.
                isPcm = tag == FormatPcm || (tag == FormatExtensible && chunk.Length >= 26 && BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]) == FormatPcm);
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw new InvalidDataException("the data chunk comes before the fmt chunk");
                }

                return new Info(isPcm, channels, rate, bits, body, (int)size);
            }

            // Chunks are padded to an even length.
            position = body + (int)size + (int)(size & 1);
        }

        throw new InvalidDataException(haveFormat ? "no data chunk" : "no fmt chunk");
    }

    /// <summary>Writes the canonical 44-byte header of a 16-bit mono PCM file holding <paramref name="dataLength"/> bytes of samples.</summary>
    public static void WriteHeader(Span<byte> destination, int sampleRate, int dataLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HeaderSize, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataLength, int.MaxValue - HeaderSize);
        "RIFF"u8.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)(36 + dataLength));
        "WAVE"u8.CopyTo(destination[8..]);
        "fmt "u8.CopyTo(destination[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], (uint)(sampleRate * BytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], BytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[34..], 16);
        "data"u8.CopyTo(destination[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], (uint)dataLength);
    }
}
