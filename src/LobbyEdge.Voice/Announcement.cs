namespace LobbyEdge.Voice;

/// <summary>A piece of an <see cref="Announcement"/>: a clip of the pack, or silence.</summary>
/// <param name="Clip">The clip's name (e.g. <c>zh/please</c>), or <see langword="null"/> for silence.</param>
/// <param name="Samples">How many samples the piece lasts.</param>
public readonly record struct AnnouncementPart(string? Clip, int Samples)
{
    /// <summary>Whether the piece is silence.</summary>
    public bool IsSilence => Clip is null;
}

/// <summary>
/// What is said for one call: the clips and silences in order, and the single PCM WAV they make
/// (<see cref="WriteWav"/>). Made by <see cref="AnnouncementComposer.Compose"/>.
/// </summary>
public sealed class Announcement
{
    private static readonly byte[] s_silence = new byte[4096];
    private readonly VoicePack _pack;

    internal Announcement(VoicePack pack, string ticket, int counter, IReadOnlyList<AnnouncementPart> parts)
    {
        _pack = pack;
        Ticket = ticket;
        Counter = counter;
        Parts = parts;
        long samples = 0;
        var clips = new List<string>(parts.Count);
        foreach (AnnouncementPart part in parts)
        {
            samples += part.Samples;
            if (part.Clip is not null)
            {
                clips.Add(part.Clip);
            }
        }

        SampleCount = samples;
        Clips = clips;
    }

    /// <summary>The ticket announced, e.g. <c>A023</c>.</summary>
    public string Ticket { get; }

    /// <summary>The counter the customer is asked to go to.</summary>
    public int Counter { get; }

    /// <summary>The clips and silences, in the order they play.</summary>
    public IReadOnlyList<AnnouncementPart> Parts { get; }

    /// <summary>The clips alone, in the order they play.</summary>
    public IReadOnlyList<string> Clips { get; }

    /// <summary>The sample rate of the WAV (the pack's).</summary>
    public int SampleRate => _pack.SampleRate;

    /// <summary>How many samples the WAV holds: every clip's plus every silence's.</summary>
    public long SampleCount { get; }

    /// <summary>How long the announcement plays.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)SampleCount / SampleRate);

    /// <summary>The size of the WAV file in bytes.</summary>
    public long WavLength => Wave.HeaderSize + (SampleCount * Wave.BytesPerSample);

    /// <summary>Writes the announcement as one 16-bit mono PCM WAV file (a canonical 44-byte RIFF header, then the samples).</summary>
    public void WriteWav(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> header = stackalloc byte[Wave.HeaderSize];
        Wave.WriteHeader(header, SampleRate, checked((int)(SampleCount * Wave.BytesPerSample)));
        destination.Write(header);
        foreach (AnnouncementPart part in Parts)
        {
            if (part.Clip is not null)
            {
                destination.Write(_pack.Pcm(part.Clip));
                continue;
            }

            long left = (long)part.Samples * Wave.BytesPerSample;
            while (left > 0)
            {
                int n = (int)Math.Min(left, s_silence.Length);
                destination.Write(s_silence, 0, n);
                left -= n;
            }
        }
    }
}
