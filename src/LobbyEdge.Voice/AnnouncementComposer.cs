namespace LobbyEdge.Voice;

/// <summary>
/// Puts announcements together from a <see cref="VoicePack"/>: for ticket <c>A023</c> and counter 3, "请 A 零 二 三 号
/// 到 三 号窗口" and "Ticket A zero two three, please go to counter three", in the configured languages and order.
/// </summary>
/// <remarks>
/// <para>
/// The announcement is: <see cref="LeadIn"/> of silence, the chime (when the pack has one) and a
/// <see cref="Gap"/>, then each language in turn with a <see cref="Gap"/> between languages.
/// </para>
/// <para>
/// Ticket numbers are read character by character, as lobbies do: letters as letters, digits one by one ("A 零 二
/// 三", "A zero two three"), so that the leading zeros customers see on their ticket are heard too.
/// </para>
/// <para>
/// Counter numbers (1..999) are read as numbers in Mandarin: 三, 十, 十二, 二十, 二十一, 一百, 一百零五, 一百一十.
/// In English 1..99 are read as numbers (three, twelve, forty two) and 100..999 digit by digit ("one zero five"),
/// the way room numbers are said; a branch with that many counters is rare.
/// </para>
/// </remarks>
public sealed class AnnouncementComposer
{
    /// <summary>Default <see cref="LeadIn"/>.</summary>
    public static readonly TimeSpan DefaultLeadIn = TimeSpan.FromMilliseconds(200);

    /// <summary>Default <see cref="Gap"/>.</summary>
    public static readonly TimeSpan DefaultGap = TimeSpan.FromMilliseconds(500);

    private readonly VoicePack _pack;
    private readonly VoiceLanguage[] _languages;
    private readonly int _leadInSamples;
    private readonly int _gapSamples;

    /// <summary>Creates a composer over a loaded pack.</summary>
    /// <param name="pack">The clips; it must have every language of <paramref name="languages"/>.</param>
    /// <param name="languages">The languages, in the order they are spoken.</param>
    /// <param name="leadIn">Silence at the start; <see cref="DefaultLeadIn"/> when null.</param>
    /// <param name="gap">Silence after the chime and between languages; <see cref="DefaultGap"/> when null.</param>
    /// <exception cref="ArgumentException">No language, or one the pack was not loaded with.</exception>
    public AnnouncementComposer(VoicePack pack, IReadOnlyList<VoiceLanguage> languages, TimeSpan? leadIn = null, TimeSpan? gap = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        ArgumentNullException.ThrowIfNull(languages);
        if (languages.Count == 0)
        {
            throw new ArgumentException("at least one language is needed", nameof(languages));
        }

        foreach (VoiceLanguage language in languages)
        {
            if (!pack.Languages.Contains(language))
            {
                throw new ArgumentException($"the voice pack was not loaded with {language}", nameof(languages));
            }
        }

        _pack = pack;
        _languages = [.. languages.Distinct()];
        LeadIn = leadIn ?? DefaultLeadIn;
        Gap = gap ?? DefaultGap;
        ArgumentOutOfRangeException.ThrowIfLessThan(LeadIn, TimeSpan.Zero, nameof(leadIn));
        ArgumentOutOfRangeException.ThrowIfLessThan(Gap, TimeSpan.Zero, nameof(gap));
        _leadInSamples = Samples(LeadIn);
        _gapSamples = Samples(Gap);
    }

    /// <summary>
    /// Silence before anything is heard. Many USB and HDMI amplifiers wake up on the first samples and swallow
    /// them; without it the chime (or "请") is cut.
    /// </summary>
    public TimeSpan LeadIn { get; }

    /// <summary>Silence after the chime and between two languages, so that listeners hear where one ends.</summary>
    public TimeSpan Gap { get; }

    /// <summary>The languages, in the order they are spoken.</summary>
    public IReadOnlyList<VoiceLanguage> Languages => _languages;

    /// <summary>Puts together the announcement of <paramref name="ticket"/> called to <paramref name="counter"/>.</summary>
    /// <param name="ticket">The ticket as printed, e.g. <c>A023</c>: capital letters and digits.</param>
    /// <param name="counter">The counter number, 1..999.</param>
    /// <exception cref="ArgumentException">The ticket is empty or has a character other than A..Z and 0..9.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The counter is outside 1..999.</exception>
    public Announcement Compose(string ticket, int counter)
    {
        ArgumentException.ThrowIfNullOrEmpty(ticket);
        ArgumentOutOfRangeException.ThrowIfLessThan(counter, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(counter, 999);
        foreach (char c in ticket)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9')))
            {
                throw new ArgumentException($"ticket \"{ticket}\": only capital letters A..Z and digits can be announced", nameof(ticket));
            }
        }

        var parts = new List<AnnouncementPart>(24 * _languages.Length);
        Silence(parts, _leadInSamples);
        if (_pack.Has(VoicePack.ChimeClip))
        {
            Clip(parts, VoicePack.ChimeClip);
            Silence(parts, _gapSamples);
        }

        for (int i = 0; i < _languages.Length; i++)
        {
            if (i > 0)
            {
                Silence(parts, _gapSamples);
            }

            VoiceLanguage language = _languages[i];
            string f = VoiceLanguages.Folder(language);
            if (language == VoiceLanguage.Mandarin)
            {
                Clip(parts, $"{f}/please");
                Ticket(parts, language, ticket);
                Clip(parts, $"{f}/number-suffix");
                Clip(parts, $"{f}/to");
                MandarinNumber(parts, counter);
                Clip(parts, $"{f}/counter-suffix");
            }
            else
            {
                Clip(parts, $"{f}/ticket");
                Ticket(parts, language, ticket);
                Clip(parts, $"{f}/please-go-to-counter");
                EnglishNumber(parts, counter);
            }
        }

        return new Announcement(_pack, ticket, counter, parts);
    }

    /// <summary>Puts the announcement together and writes it as one PCM WAV file to <paramref name="destination"/>.</summary>
    /// <returns>The announcement written.</returns>
    public Announcement Write(string ticket, int counter, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Announcement announcement = Compose(ticket, counter);
        announcement.WriteWav(destination);
        return announcement;
    }

    private void Ticket(List<AnnouncementPart> parts, VoiceLanguage language, string ticket)
    {
        foreach (char c in ticket)
        {
            Clip(parts, c is >= '0' and <= '9' ? VoicePack.Digit(language, c - '0') : VoicePack.Letter(language, c));
        }
    }

    private void MandarinNumber(List<AnnouncementPart> parts, int n)
    {
        const VoiceLanguage Zh = VoiceLanguage.Mandarin;
        int hundreds = n / 100;
        int tens = n / 10 % 10;
        int ones = n % 10;
        if (hundreds > 0)
        {
            // 一百, 一百零五, 一百一十, 一百一十五: after 百 the tens digit is always said, even when it is 一.
            Clip(parts, VoicePack.Digit(Zh, hundreds));
            Clip(parts, "zh/hundred");
            if (tens == 0 && ones == 0)
            {
                return;
            }

            if (tens == 0)
            {
                Clip(parts, VoicePack.Digit(Zh, 0));
                Clip(parts, VoicePack.Digit(Zh, ones));
                return;
            }

            Clip(parts, VoicePack.Digit(Zh, tens));
            Clip(parts, "zh/ten");
        }
        else if (tens > 0)
        {
            // 十, 十二 (not 一十二), 二十, 二十一.
            if (tens > 1)
            {
                Clip(parts, VoicePack.Digit(Zh, tens));
            }

            Clip(parts, "zh/ten");
        }
        else
        {
            Clip(parts, VoicePack.Digit(Zh, ones));
            return;
        }

        if (ones > 0)
        {
            Clip(parts, VoicePack.Digit(Zh, ones));
        }
    }

    private void EnglishNumber(List<AnnouncementPart> parts, int n)
    {
        const VoiceLanguage En = VoiceLanguage.English;
        if (n < 10)
        {
            Clip(parts, VoicePack.Digit(En, n));
        }
        else if (n < 20)
        {
            Clip(parts, VoicePack.Number(En, n));
        }
        else if (n < 100)
        {
            Clip(parts, VoicePack.Number(En, n / 10 * 10));
            if (n % 10 > 0)
            {
                Clip(parts, VoicePack.Digit(En, n % 10));
            }
        }
        else
        {
            Clip(parts, VoicePack.Digit(En, n / 100));
            Clip(parts, VoicePack.Digit(En, n / 10 % 10));
            Clip(parts, VoicePack.Digit(En, n % 10));
        }
    }

    private void Clip(List<AnnouncementPart> parts, string clip) => parts.Add(new AnnouncementPart(clip, _pack.SampleCount(clip)));

    private static void Silence(List<AnnouncementPart> parts, int samples)
    {
        if (samples > 0)
        {
            parts.Add(new AnnouncementPart(null, samples));
        }
    }

    private int Samples(TimeSpan t) => checked((int)Math.Round(t.TotalSeconds * _pack.SampleRate));
}
