namespace LobbyEdge.Voice;

/// <summary>A language an announcement can be spoken in. Each has its own folder of clips in a <see cref="VoicePack"/>.</summary>
public enum VoiceLanguage
{
    /// <summary>Mandarin Chinese (<c>zh-CN</c>), clips in <c>zh/</c>: "请 A023 号 到 3 号窗口".</summary>
    Mandarin,

    /// <summary>English (<c>en</c>), clips in <c>en/</c>: "Ticket A023, please go to counter 3".</summary>
    English,
}

/// <summary>Language tags as they appear in configuration (<c>Voice:Languages</c>) and the pack's folder names.</summary>
public static class VoiceLanguages
{
    /// <summary>The languages announced when <c>Voice:Languages</c> is not set: Mandarin first, then English.</summary>
    public static IReadOnlyList<VoiceLanguage> Default { get; } = [VoiceLanguage.Mandarin, VoiceLanguage.English];

    /// <summary>The pack folder of a language: <c>zh</c> or <c>en</c>.</summary>
    public static string Folder(VoiceLanguage language) => language switch
    {
        VoiceLanguage.Mandarin => "zh",
        VoiceLanguage.English => "en",
        _ => throw new ArgumentOutOfRangeException(nameof(language), language, "not a voice language"),
    };

    /// <summary>
    /// Reads a language tag: <c>zh</c>, <c>zh-CN</c>, <c>zh-Hans</c>, <c>cmn</c> (any case) are Mandarin; <c>en</c> and
    /// any <c>en-…</c> are English.
    /// </summary>
    /// <returns>Whether the tag names a language the voice packs have.</returns>
    public static bool TryParse(string? tag, out VoiceLanguage language)
    {
        string t = (tag ?? "").Trim().ToLowerInvariant();
        if (t is "zh" or "cmn" or "zh-cn" or "zh-hans" or "zh-hans-cn" or "zh-cmn")
        {
            language = VoiceLanguage.Mandarin;
            return true;
        }

        if (t == "en" || t.StartsWith("en-", StringComparison.Ordinal))
        {
            language = VoiceLanguage.English;
            return true;
        }

        language = default;
        return false;
    }

    /// <summary>Reads the configured tags in order, dropping repeats; an empty list means <see cref="Default"/>.</summary>
    /// <exception cref="FormatException">A tag names no language a voice pack has.</exception>
    public static IReadOnlyList<VoiceLanguage> Parse(IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var languages = new List<VoiceLanguage>();
        foreach (string tag in tags)
        {
            if (!TryParse(tag, out VoiceLanguage language))
            {
                throw new FormatException($"Voice:Languages: \"{tag}\" is not a voice language (use zh-CN or en)");
            }

            if (!languages.Contains(language))
            {
                languages.Add(language);
            }
        }

        return languages.Count == 0 ? Default : languages;
    }
}
