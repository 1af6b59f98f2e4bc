using System.Globalization;

namespace LobbyEdge.Voice;

/// <summary>One clip a voice pack must have: its name (the file without <c>.wav</c>) and what it says.</summary>
/// <param name="Name">The clip's name, relative to the pack, e.g. <c>zh/please</c>; the file is <c>zh/please.wav</c>.</param>
/// <param name="Says">What the clip says, e.g. <c>请</c>, for whoever records or generates it.</param>
public readonly record struct VoiceClip(string Name, string Says)
{
    /// <summary>The clip's file, relative to the pack, e.g. <c>zh/please.wav</c>.</summary>
    public string File => Name + ".wav";
}

/// <summary>
/// A directory of recorded clips (words and phrases) from which announcements are put together, held in memory.
/// Every clip is a 16-bit PCM mono WAV file, and all have the same sample rate (16 kHz recommended).
/// </summary>
/// <remarks>
/// <para>Layout (the full list with what each clip says is <see cref="RequiredClips"/> and deploy/voice/README.md):</para>
/// <code>
/// chime.wav                      optional: played before every announcement
/// zh/please.wav                  请
/// zh/number-suffix.wav           号
/// zh/to.wav                      到
/// zh/counter-suffix.wav          号窗口
/// zh/ten.wav, zh/hundred.wav     十, 百 (counter numbers: 十二, 一百零五)
/// zh/digit-0.wav … digit-9.wav   零 … 九
/// zh/letter-A.wav … letter-Z.wav A … Z, as letters are said in Mandarin
/// en/ticket.wav                  Ticket
/// en/please-go-to-counter.wav    please go to counter
/// en/digit-0.wav … digit-9.wav   zero … nine
/// en/number-10.wav … number-19.wav, en/number-20.wav, number-30.wav … number-90.wav
///                                ten … nineteen, twenty … ninety (counter numbers)
/// en/letter-A.wav … letter-Z.wav A … Z
/// </code>
/// <para>
/// Only the folders of the languages asked for are loaded and checked. Any other file in the directory (a
/// <c>pack.txt</c> saying how it was made, recordings not yet used) is ignored.
/// </para>
/// </remarks>
public sealed class VoicePack
{
    /// <summary>The optional clip played before every announcement (<c>chime.wav</c> at the pack's root).</summary>
    public const string ChimeClip = "chime";

    /// <summary>Lowest sample rate accepted; below it speech loses its consonants.</summary>
    public const int MinSampleRate = 8000;

    /// <summary>Highest sample rate accepted.</summary>
    public const int MaxSampleRate = 96000;

    private static readonly string[] s_zhDigits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    private static readonly string[] s_enDigits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    private static readonly string[] s_enTeens = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    private static readonly string[] s_enTens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    private readonly Dictionary<string, byte[]> _clips;

    private VoicePack(string directory, IReadOnlyList<VoiceLanguage> languages, int sampleRate, Dictionary<string, byte[]> clips)
    {
        Directory = directory;
        Languages = languages;
        SampleRate = sampleRate;
        _clips = clips;
    }

    /// <summary>The directory the pack was loaded from.</summary>
    public string Directory { get; }

    /// <summary>The languages loaded.</summary>
    public IReadOnlyList<VoiceLanguage> Languages { get; }

    /// <summary>The sample rate every clip has.</summary>
    public int SampleRate { get; }

    /// <summary>The names of the clips loaded, e.g. <c>zh/please</c>.</summary>
    public IReadOnlyCollection<string> Clips => _clips.Keys;

    /// <summary>Whether the pack has the clip, e.g. <see cref="ChimeClip"/>.</summary>
    public bool Has(string clip) => _clips.ContainsKey(clip);

    /// <summary>How many samples the clip holds.</summary>
    /// <exception cref="KeyNotFoundException">The pack has no such clip.</exception>
    public int SampleCount(string clip) => _clips[clip].Length / Wave.BytesPerSample;

    /// <summary>How long the clip plays.</summary>
    /// <exception cref="KeyNotFoundException">The pack has no such clip.</exception>
    public TimeSpan Duration(string clip) => TimeSpan.FromSeconds((double)SampleCount(clip) / SampleRate);

    /// <summary>The clip's samples (16-bit little-endian PCM, mono).</summary>
    internal ReadOnlySpan<byte> Pcm(string clip) => _clips[clip];

    /// <summary>The clips a pack must have for <paramref name="language"/>, in a stable order.</summary>
    public static IReadOnlyList<VoiceClip> RequiredClips(VoiceLanguage language)
    {
        string f = VoiceLanguages.Folder(language);
        var clips = new List<VoiceClip>();
        if (language == VoiceLanguage.Mandarin)
        {
            clips.Add(new($"{f}/please", "请"));
            clips.Add(new($"{f}/number-suffix", "号"));
            clips.Add(new($"{f}/to", "到"));
            clips.Add(new($"{f}/counter-suffix", "号窗口"));
            clips.Add(new($"{f}/ten", "十"));
            clips.Add(new($"{f}/hundred", "百"));
            for (int d = 0; d <= 9; d++)
            {
                clips.Add(new(Digit(language, d), s_zhDigits[d]));
            }
        }
        else
        {
            clips.Add(new($"{f}/ticket", "Ticket"));
            clips.Add(new($"{f}/please-go-to-counter", "please go to counter"));
            for (int d = 0; d <= 9; d++)
            {
                clips.Add(new(Digit(language, d), s_enDigits[d]));
            }

            for (int n = 10; n <= 19; n++)
            {
                clips.Add(new(Number(language, n), s_enTeens[n - 10]));
            }

            for (int n = 20; n <= 90; n += 10)
            {
                clips.Add(new(Number(language, n), s_enTens[n / 10]));
            }
        }

        for (char c = 'A'; c <= 'Z'; c++)
        {
            clips.Add(new(Letter(language, c), c.ToString()));
        }

        return clips;
    }

    /// <summary>The clip of a digit 0..9, e.g. <c>zh/digit-3</c>.</summary>
    internal static string Digit(VoiceLanguage language, int digit) =>
        string.Create(CultureInfo.InvariantCulture, $"{VoiceLanguages.Folder(language)}/digit-{digit}");

    /// <summary>The clip of an English number 10..19 or a ten 20..90, e.g. <c>en/number-12</c>.</summary>
    internal static string Number(VoiceLanguage language, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{VoiceLanguages.Folder(language)}/number-{number}");

    /// <summary>The clip of a letter A..Z, e.g. <c>zh/letter-A</c>.</summary>
    internal static string Letter(VoiceLanguage language, char letter) => $"{VoiceLanguages.Folder(language)}/letter-{letter}";

    /// <summary>Loads and checks the clips of <paramref name="languages"/> (and the optional chime) from <paramref name="directory"/>.</summary>
    /// <param name="directory">The pack's directory.</param>
    /// <param name="languages">The languages announcements will use; at least one.</param>
    /// <exception cref="VoicePackException">
    /// The directory does not exist, or a clip is missing, unreadable, not 16-bit PCM mono, empty, or has another
    /// sample rate than the others. Every problem is listed, each naming its file.
    /// </exception>
    public static VoicePack Load(string directory, IReadOnlyList<VoiceLanguage> languages)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(languages);
        if (languages.Count == 0)
        {
            throw new ArgumentException("at least one language is needed", nameof(languages));
        }

        if (!System.IO.Directory.Exists(directory))
        {
            throw new VoicePackException(directory, ["the directory does not exist (generate the default pack with deploy/voice/make-voice-pack.sh)"]);
        }

        var wanted = new List<VoiceClip>();
        foreach (VoiceLanguage language in languages.Distinct())
        {
            wanted.AddRange(RequiredClips(language));
        }

        if (File.Exists(Path.Combine(directory, ChimeClip + ".wav")))
        {
            wanted.Insert(0, new VoiceClip(ChimeClip, "a short chime"));
        }

        var problems = new List<string>();
        var clips = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int rate = 0;
        string? rateFrom = null;
        foreach (VoiceClip clip in wanted)
        {
            string path = Path.Combine(directory, clip.File);
            if (!File.Exists(path))
            {
                problems.Add($"{clip.File}: missing (should say \"{clip.Says}\")");
                continue;
            }

            byte[] file;
            Wave.Info info;
            try
            {
                file = File.ReadAllBytes(path);
                info = Wave.Read(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                problems.Add($"{clip.File}: {e.Message}");
                continue;
            }

            if (!info.IsPcm || info.BitsPerSample != 16 || info.Channels != 1)
            {
                string kind = info.IsPcm ? "PCM" : "not integer PCM";
                problems.Add($"{clip.File}: {info.BitsPerSample}-bit {kind}, {info.Channels} channel(s); clips must be 16-bit PCM mono");
                continue;
            }

            if (info.SampleRate is < MinSampleRate or > MaxSampleRate)
            {
                problems.Add($"{clip.File}: sample rate {info.SampleRate} Hz is outside {MinSampleRate}..{MaxSampleRate} Hz");
                continue;
            }

            if (rateFrom is null)
            {
                rate = info.SampleRate;
                rateFrom = clip.File;
            }
            else if (info.SampleRate != rate)
            {
                problems.Add($"{clip.File}: {info.SampleRate} Hz, but {rateFrom} is {rate} Hz; all clips must have the same sample rate");
                continue;
            }

            if (info.DataLength < Wave.BytesPerSample)
            {
                problems.Add($"{clip.File}: holds no sound");
                continue;
            }

            // A recorder that wrote an odd byte count left half a sample: drop it rather than shift every later sample.
            clips[clip.Name] = file.AsSpan(info.DataOffset, info.DataLength & ~1).ToArray();
        }

        if (problems.Count > 0)
        {
            throw new VoicePackException(directory, problems);
        }

        return new VoicePack(directory, [.. languages.Distinct()], rate, clips);
    }
}
