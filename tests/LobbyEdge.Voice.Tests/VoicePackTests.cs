using System.Security.Cryptography;

namespace LobbyEdge.Voice.Tests;

[Collection(VoicePackCollection.Name)]
public sealed class VoicePackTests : IDisposable
{
    private readonly VoicePackFixture _pack;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-voice-");

    public VoicePackTests(VoicePackFixture pack) => _pack = pack;

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void DefaultPack_LoadsEveryClipOfBothLanguagesAndTheChime_At16kHz()
    {
        VoicePack pack = VoicePack.Load(_pack.Directory, VoiceLanguages.Default);

        Assert.Equal(16_000, pack.SampleRate);
        Assert.True(pack.Has(VoicePack.ChimeClip));
        string[] required = [.. VoicePack.RequiredClips(VoiceLanguage.Mandarin).Concat(VoicePack.RequiredClips(VoiceLanguage.English)).Select(c => c.Name)];
        Assert.Equal(required.Append(VoicePack.ChimeClip).Order(StringComparer.Ordinal), pack.Clips.Order(StringComparer.Ordinal));
        Assert.All(required, clip => Assert.True(pack.Duration(clip) > TimeSpan.FromMilliseconds(100), $"{clip} is nearly silent"));

        // Every generated clip is what the pack's README promises: 16 kHz, mono, 16-bit signed PCM.
        foreach (string file in Directory.EnumerateFiles(_pack.Directory, "*.wav", SearchOption.AllDirectories))
        {
            Assert.Equal("16000 1 16 Signed Integer PCM", string.Join(' ',
                Tools.Output("soxi", "-r", file), Tools.Output("soxi", "-c", file), Tools.Output("soxi", "-b", file), Tools.Output("soxi", "-e", file)));
        }
    }

    /// <summary>
    /// Checks a pack and writes sample announcements to listen to: the default pack, or the one in
    /// <c>LOBBYEDGE_VOICE_PACK</c>; samples go to <c>LOBBYEDGE_VOICE_SAMPLES</c> when set (deploy/voice/README.md,
    /// "Test a pack").
    /// </summary>
    [Fact]
    public void PackUnderTest_LoadsBothLanguages_AndComposesSampleAnnouncements()
    {
        string directory = Environment.GetEnvironmentVariable("LOBBYEDGE_VOICE_PACK") is { Length: > 0 } custom ? custom : _pack.Directory;
        string? samples = Environment.GetEnvironmentVariable("LOBBYEDGE_VOICE_SAMPLES") is { Length: > 0 } s ? s : null;

        VoicePack pack = VoicePack.Load(directory, VoiceLanguages.Default);
        var composer = new AnnouncementComposer(pack, VoiceLanguages.Default);
        foreach ((string ticket, int counter) in new[] { ("A023", 3), ("B105", 12), ("V0888", 105), ("Z999", 20) })
        {
            Announcement a = composer.Compose(ticket, counter);
            Assert.True(a.Duration > TimeSpan.FromSeconds(2) && a.Duration < TimeSpan.FromSeconds(20), $"{ticket} -> {counter}: {a.Duration}");
            if (samples is not null)
            {
                Directory.CreateDirectory(samples);
                using FileStream file = File.Create(Path.Combine(samples, $"{ticket}-counter{counter}.wav"));
                a.WriteWav(file);
            }
        }
    }

    [Fact]
    public void Script_IsReproducible_SameFilesByteForByte()
    {
        string again = Path.Combine(_work.FullName, "again");
        VoicePackFixture.Generate(again);

        string[] first = Files(_pack.Directory);
        Assert.Equal(first, Files(again));
        foreach (string file in first)
        {
            Assert.True(
                SHA256.HashData(File.ReadAllBytes(Path.Combine(_pack.Directory, file))).AsSpan().SequenceEqual(SHA256.HashData(File.ReadAllBytes(Path.Combine(again, file)))),
                $"{file} differs between two runs of the script");
        }

        static string[] Files(string root) =>
            [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void OnlyTheLanguagesAskedFor_AreNeeded()
    {
        string copy = _pack.CopyTo(Path.Combine(_work.FullName, "en-only"));
        Directory.Delete(Path.Combine(copy, "zh"), recursive: true);

        VoicePack pack = VoicePack.Load(copy, [VoiceLanguage.English]);

        Assert.Equal([VoiceLanguage.English], pack.Languages);
        Assert.DoesNotContain(pack.Clips, c => c.StartsWith("zh/", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingDirectory_IsAClearError()
    {
        string missing = Path.Combine(_work.FullName, "no-such-pack");

        VoicePackException e = Assert.Throws<VoicePackException>(() => VoicePack.Load(missing, VoiceLanguages.Default));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenClips_AreAllNamed_InOneError()
    {
        string copy = _pack.CopyTo(Path.Combine(_work.FullName, "broken"));
        File.Delete(Path.Combine(copy, "zh", "digit-3.wav"));
        Convert(copy, "en/letter-Q.wav", "-r", "22050");
        Convert(copy, "en/ticket.wav", "-c", "2");
        Convert(copy, "zh/to.wav", "-b", "8");
        File.WriteAllText(Path.Combine(copy, "en", "digit-7.wav"), "not a recording");

        VoicePackException e = Assert.Throws<VoicePackException>(() => VoicePack.Load(copy, VoiceLanguages.Default));

        Assert.Equal(copy, e.Directory);
        Assert.Contains("zh/digit-3.wav: missing (should say \"三\")", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith("en/letter-Q.wav: 22050 Hz, but ", StringComparison.Ordinal) && p.Contains("16000 Hz", StringComparison.Ordinal));
        Assert.Contains("en/ticket.wav: 16-bit PCM, 2 channel(s); clips must be 16-bit PCM mono", e.Problems);
        Assert.Contains("zh/to.wav: 8-bit PCM, 1 channel(s); clips must be 16-bit PCM mono", e.Problems);
        Assert.Contains("en/digit-7.wav: not a WAV file (no RIFF/WAVE header)", e.Problems);
        Assert.Equal(5, e.Problems.Count);
        Assert.All(e.Problems, p => Assert.Contains(p, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void TruncatedClip_IsNamed()
    {
        string copy = _pack.CopyTo(Path.Combine(_work.FullName, "truncated"));
        string file = Path.Combine(copy, "zh", "please.wav");
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        VoicePackException e = Assert.Throws<VoicePackException>(() => VoicePack.Load(copy, [VoiceLanguage.Mandarin]));

        Assert.Equal("zh/please.wav: the \"data\" chunk is cut short (file truncated?)", Assert.Single(e.Problems));
    }

    [Fact]
    public void ClipFromARecordingTool_WithExtraChunks_Loads()
    {
        // Audacity and field recorders add LIST/bext chunks before the data; the loader skips them.
        string copy = _pack.CopyTo(Path.Combine(_work.FullName, "tagged"));
        string file = Path.Combine(copy, "en", "ticket.wav");
        byte[] plain = File.ReadAllBytes(file);
        byte[] list = [.. "LIST"u8, 5, 0, 0, 0, .. "INFOx"u8, 0];
        byte[] tagged = [.. plain[..36], .. list, .. plain[36..]];
        BitConverter.TryWriteBytes(tagged.AsSpan(4, 4), tagged.Length - 8);
        File.WriteAllBytes(file, tagged);

        VoicePack pack = VoicePack.Load(copy, [VoiceLanguage.English]);

        Assert.Equal((plain.Length - 44) / 2, pack.SampleCount("en/ticket"));
    }

    [Fact]
    public void WithoutAChime_ThePackStillLoads()
    {
        string copy = _pack.CopyTo(Path.Combine(_work.FullName, "no-chime"));
        File.Delete(Path.Combine(copy, "chime.wav"));

        Assert.False(VoicePack.Load(copy, VoiceLanguages.Default).Has(VoicePack.ChimeClip));
    }

    [Theory]
    [InlineData("zh-CN", VoiceLanguage.Mandarin)]
    [InlineData("zh", VoiceLanguage.Mandarin)]
    [InlineData("cmn", VoiceLanguage.Mandarin)]
    [InlineData("EN", VoiceLanguage.English)]
    [InlineData("en-GB", VoiceLanguage.English)]
    public void LanguageTags_AreRead(string tag, VoiceLanguage expected)
    {
        Assert.True(VoiceLanguages.TryParse(tag, out VoiceLanguage language));
        Assert.Equal(expected, language);
    }

    [Fact]
    public void LanguageList_KeepsOrder_DropsRepeats_DefaultsWhenEmpty_RejectsUnknown()
    {
        Assert.Equal([VoiceLanguage.English, VoiceLanguage.Mandarin], VoiceLanguages.Parse(["en", "zh-CN", "en-US"]));
        Assert.Equal(VoiceLanguages.Default, VoiceLanguages.Parse([]));
        FormatException e = Assert.Throws<FormatException>(() => VoiceLanguages.Parse(["zh-CN", "yue"]));
        Assert.Contains("\"yue\"", e.Message, StringComparison.Ordinal);
    }

    private static void Convert(string pack, string clip, params string[] format)
    {
        string file = Path.Combine(pack, clip);
        string converted = file + ".tmp.wav";
        Tools.Output("sox", [file, .. format, converted]);
        File.Move(converted, file, overwrite: true);
    }
}
