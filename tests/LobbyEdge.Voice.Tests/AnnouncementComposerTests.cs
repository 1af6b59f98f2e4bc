using System.Buffers.Binary;
using System.Globalization;

namespace LobbyEdge.Voice.Tests;

[Collection(VoicePackCollection.Name)]
public sealed class AnnouncementComposerTests : IDisposable
{
    private const int Rate = 16_000;
    private readonly VoicePackFixture _fixture;
    private readonly VoicePack _pack;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-voice-");

    public AnnouncementComposerTests(VoicePackFixture fixture)
    {
        _fixture = fixture;
        _pack = VoicePack.Load(fixture.Directory, VoiceLanguages.Default);
    }

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void A023AtCounter3_IsTheExpectedClipSequence_ChimeThenMandarinThenEnglish()
    {
        var composer = new AnnouncementComposer(_pack, [VoiceLanguage.Mandarin, VoiceLanguage.English]);

        Announcement a = composer.Compose("A023", 3);

        Assert.Equal(
            [
                "chime",
                "zh/please", "zh/letter-A", "zh/digit-0", "zh/digit-2", "zh/digit-3", "zh/number-suffix", "zh/to", "zh/digit-3", "zh/counter-suffix",
                "en/ticket", "en/letter-A", "en/digit-0", "en/digit-2", "en/digit-3", "en/please-go-to-counter", "en/digit-3",
            ],
            a.Clips);

        // Silence: the lead-in, after the chime, and between the two languages.
        int leadIn = Rate / 5;
        int gap = Rate / 2;
        Assert.Equal(
            [new AnnouncementPart(null, leadIn), new AnnouncementPart("chime", _pack.SampleCount("chime")), new AnnouncementPart(null, gap)],
            a.Parts.Take(3));
        Assert.Equal(new AnnouncementPart(null, gap), a.Parts[a.Parts.ToList().IndexOf(new AnnouncementPart("en/ticket", _pack.SampleCount("en/ticket"))) - 1]);
        Assert.Equal(3, a.Parts.Count(p => p.IsSilence));
    }

    [Fact]
    public void Wav_HasACorrectRiffHeader_AndLastsTheClipsPlusTheSilences_ByHeaderAndBySoxi()
    {
        var composer = new AnnouncementComposer(_pack, VoiceLanguages.Default);
        string wav = Path.Combine(_work.FullName, "A023-3.wav");
        Announcement a;
        using (FileStream file = File.Create(wav))
        {
            a = composer.Write("A023", 3, file);
        }

        // The clips' lengths as sox counts them in the pack's files, not as the loader does.
        long clipSamples = a.Clips.Sum(clip => long.Parse(Tools.Output("soxi", "-s", Path.Combine(_fixture.Directory, clip + ".wav")), CultureInfo.InvariantCulture));
        long silenceSamples = (Rate / 5) + (Rate / 2) + (Rate / 2);
        long expectedSamples = clipSamples + silenceSamples;

        // The header, read by hand: canonical 44-byte RIFF/WAVE, PCM, mono, 16 kHz, 16-bit.
        byte[] bytes = File.ReadAllBytes(wav);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(bytes.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal("WAVEfmt ", System.Text.Encoding.ASCII.GetString(bytes, 8, 8));
        Assert.Equal(16, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(22)));
        Assert.Equal(Rate, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(Rate * 2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(34)));
        Assert.Equal("data", System.Text.Encoding.ASCII.GetString(bytes, 36, 4));
        int dataBytes = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40));
        Assert.Equal(bytes.Length - 44, dataBytes);
        Assert.Equal(expectedSamples, dataBytes / 2);
        Assert.Equal(expectedSamples, a.SampleCount);
        Assert.Equal(bytes.Length, a.WavLength);

        // And as sox reads it.
        Assert.Equal(expectedSamples, long.Parse(Tools.Output("soxi", "-s", wav), CultureInfo.InvariantCulture));
        double seconds = double.Parse(Tools.Output("soxi", "-D", wav), CultureInfo.InvariantCulture);
        Assert.Equal((double)expectedSamples / Rate, seconds, tolerance: 0.5 / Rate);
        Assert.Equal(a.Duration.TotalSeconds, seconds, tolerance: 0.5 / Rate);

        // The samples are the clips' own, in order: the first clip after the lead-in is the chime, byte for byte.
        byte[] chime = File.ReadAllBytes(Path.Combine(_fixture.Directory, "chime.wav"))[44..];
        Assert.True(bytes.AsSpan(44 + ((Rate / 5) * 2), chime.Length).SequenceEqual(chime));
        Assert.True(bytes.AsSpan(44, (Rate / 5) * 2).IndexOfAnyExcept((byte)0) < 0, "the lead-in is silence");
    }

    [Theory]
    [InlineData(1, "digit-1")]
    [InlineData(10, "ten")]
    [InlineData(12, "ten digit-2")]
    [InlineData(20, "digit-2 ten")]
    [InlineData(21, "digit-2 ten digit-1")]
    [InlineData(100, "digit-1 hundred")]
    [InlineData(105, "digit-1 hundred digit-0 digit-5")]
    [InlineData(110, "digit-1 hundred digit-1 ten")]
    [InlineData(115, "digit-1 hundred digit-1 ten digit-5")]
    [InlineData(999, "digit-9 hundred digit-9 ten digit-9")]
    public void MandarinCounter_IsReadAsANumber(int counter, string expected)
    {
        var composer = new AnnouncementComposer(_pack, [VoiceLanguage.Mandarin]);

        IReadOnlyList<string> clips = composer.Compose("B7", counter).Clips;

        // chime, please, letter-B, digit-7, number-suffix, to, <counter>, counter-suffix
        Assert.Equal(["chime", "zh/please", "zh/letter-B", "zh/digit-7", "zh/number-suffix", "zh/to"], clips.Take(6));
        Assert.Equal("zh/counter-suffix", clips[^1]);
        Assert.Equal(expected.Split(' ').Select(c => "zh/" + c), clips.Skip(6).SkipLast(1));
    }

    [Theory]
    [InlineData(3, "digit-3")]
    [InlineData(10, "number-10")]
    [InlineData(12, "number-12")]
    [InlineData(40, "number-40")]
    [InlineData(42, "number-40 digit-2")]
    [InlineData(99, "number-90 digit-9")]
    [InlineData(105, "digit-1 digit-0 digit-5")]
    public void EnglishCounter_1To99AsWords_LargerDigitByDigit(int counter, string expected)
    {
        var composer = new AnnouncementComposer(_pack, [VoiceLanguage.English]);

        IReadOnlyList<string> clips = composer.Compose("V0012", counter).Clips;

        Assert.Equal(["chime", "en/ticket", "en/letter-V", "en/digit-0", "en/digit-0", "en/digit-1", "en/digit-2", "en/please-go-to-counter"], clips.Take(8));
        Assert.Equal(expected.Split(' ').Select(c => "en/" + c), clips.Skip(8));
    }

    [Fact]
    public void LanguagesAreSpokenInTheConfiguredOrder()
    {
        var composer = new AnnouncementComposer(_pack, [VoiceLanguage.English, VoiceLanguage.Mandarin], TimeSpan.Zero, TimeSpan.FromMilliseconds(250));

        Announcement a = composer.Compose("C001", 8);

        Assert.Equal("en/ticket", a.Clips[1]);
        Assert.Equal("zh/counter-suffix", a.Clips[^1]);
        Assert.Equal([Rate / 4, Rate / 4], a.Parts.Where(p => p.IsSilence).Select(p => p.Samples));
    }

    [Theory]
    [InlineData("a023")]
    [InlineData("A-23")]
    [InlineData("")]
    public void TicketsThatCannotBeSaid_AreRefused(string ticket)
    {
        var composer = new AnnouncementComposer(_pack, VoiceLanguages.Default);

        Assert.ThrowsAny<ArgumentException>(() => composer.Compose(ticket, 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void CountersOutside1To999_AreRefused(int counter)
    {
        var composer = new AnnouncementComposer(_pack, VoiceLanguages.Default);

        Assert.Throws<ArgumentOutOfRangeException>(() => composer.Compose("A001", counter));
    }

    [Fact]
    public void ALanguageThePackWasNotLoadedWith_IsRefused()
    {
        VoicePack english = VoicePack.Load(_fixture.Directory, [VoiceLanguage.English]);

        Assert.Throws<ArgumentException>(() => new AnnouncementComposer(english, [VoiceLanguage.Mandarin]));
    }
}
