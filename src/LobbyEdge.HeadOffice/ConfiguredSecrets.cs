namespace LobbyEdge.HeadOffice;

/// <summary>
/// The one rule for what a configuration error may show of a value, so that a secret put into the wrong key never
/// reaches stderr or the journal:
/// <list type="bullet">
/// <item>a <c>…File</c> key (a path setting: <c>HeadOffice:PasswordFile</c>, <c>HeadOffice:Tls:ClientKeyFile</c>,
/// <c>Kiosk:TokenFile</c>, <c>Lobby:StaffFile</c>, …) takes an absolute path; any other value is refused without being
/// shown (<see cref="FileProblem"/>), an absolute path is shown (a technician needs it);</item>
/// <item>a key whose name suggests a secret (a word such as Password, Secret, Token, Credential, Key, Pin) never has its
/// value shown;</item>
/// <item>any other value is shown with a URL's user information as <c>***</c> (<see cref="BrokerEndpoint.Shown"/>).</item>
/// </list>
/// </summary>
public static class ConfiguredSecrets
{
    /// <summary>What stands for a value that is not shown.</summary>
    public const string Hidden = "***";

    /// <summary>Why a value is not shown, as the messages say it.</summary>
    public const string NotShownReason = "the value is not shown: it may be a secret put in the wrong key";

    /// <summary>Word parts of a key name (lower case) that mark its value as a secret wherever they occur in it.</summary>
    private static readonly string[] s_secretParts = ["password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey"];

    /// <summary>Whole words of a key name (lower case, split at case changes, digits, '_' and '-') that mark a secret.</summary>
    private static readonly string[] s_secretWords = ["key", "pin", "pwd", "pass", "auth"];

    /// <summary>
    /// Whether <paramref name="key"/> (a configuration path such as <c>HeadOffice:Tls:ClientKeyFile</c>, or a property
    /// name) is a path setting: its last part ends in the word <c>File</c> as the options classes spell it (so
    /// <c>PasswordFile</c> is, <c>Profile</c> is not; compare keys the operator wrote in another case by their property).
    /// </summary>
    public static bool IsFileKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return LastPart(key).EndsWith("File", StringComparison.Ordinal);
    }

    /// <summary>
    /// What is wrong with the value of a <c>…File</c> key, without quoting it, or null for an absolute path:
    /// <c>must be an absolute path, e.g. /etc/lobby-edge/… (the value is not shown: …)</c>, or <c>… (got an empty value)</c>.
    /// Whether the file exists is the caller's check (its message may show the path, which is absolute by then).
    /// </summary>
    public static string? FileProblem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.IsPathFullyQualified(path))
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(path)
            ? "must be an absolute path, e.g. /etc/lobby-edge/... (got an empty value)"
            : $"must be an absolute path, e.g. /etc/lobby-edge/... ({NotShownReason})";
    }

    /// <summary>
    /// For an absolute path (see <see cref="FileProblem"/>) that names a folder: <c>'…' is a folder, not a file: name
    /// the file in it</c>; otherwise null. A folder was reported as "does not exist" or "Access … denied".
    /// </summary>
    public static string? FolderProblem(string path) =>
        Path.IsPathFullyQualified(path) && Directory.Exists(path) ? $"'{path}' is a folder, not a file: name the file in it" : null;

    /// <summary>
    /// Whether the name of <paramref name="key"/> suggests that its value is a secret: a part of it contains Password,
    /// Passwd, Passphrase, Secret, Token, Credential, ApiKey or PrivateKey, or is the word Key, Pin, Pwd, Pass or Auth
    /// (so <c>ClientKey</c> and <c>PinCode</c> are, <c>KeepAliveSeconds</c> and <c>Mapping</c> are not).
    /// </summary>
    public static bool LooksSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (string part in key.Split(':'))
        {
            string lower = part.ToLowerInvariant();
            if (s_secretParts.Any(s => lower.Contains(s, StringComparison.Ordinal)) || Words(part).Any(w => s_secretWords.Contains(w)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="value"/> of <paramref name="key"/> as an error message may show it, or null when it must not be
    /// shown at all: a <c>…File</c> key's value unless it is an absolute path, any value of a key that
    /// <see cref="LooksSecret"/> (other than a <c>…File</c> key's absolute path); otherwise the value with a URL's user
    /// information as <c>***</c>.
    /// </summary>
    public static string? Shown(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (IsFileKey(key))
        {
            return FileProblem(value) is null ? BrokerEndpoint.Shown(value) : null;
        }

        return LooksSecret(key) ? null : BrokerEndpoint.Shown(value);
    }

    /// <summary>
    /// <paramref name="text"/> (an error message, e.g. the configuration binder's <c>Failed to convert configuration
    /// value '…' at 'Section:Key' …</c>) with every value of <paramref name="values"/> that must not be shown in full
    /// (<see cref="Shown"/>) replaced: a quoted <c>'value'</c> by its shown form (<c>'***'</c> when none), then any
    /// other occurrence of a value of 4 characters or more by the same (a shorter one only where quoted, which is how
    /// the binder and the checks quote values; elsewhere it would mangle the words around it).
    /// </summary>
    /// <param name="text">The message.</param>
    /// <param name="values">The configuration values the message may contain, by key (<c>Section:Key</c>).</param>
    public static string Scrub(string text, IEnumerable<KeyValuePair<string, string?>> values)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(values);
        var replaced = new List<(string Value, string Shown)>();
        foreach ((string key, string? value) in values)
        {
            if (!string.IsNullOrEmpty(value) && Shown(key, value) is var shown && shown != value)
            {
                replaced.Add((value, shown ?? Hidden));
            }
        }

        // The longest first, so that a value containing another is replaced whole.
        foreach ((string value, string shown) in replaced.OrderByDescending(r => r.Value.Length))
        {
            text = text.Replace($"'{value}'", $"'{shown}'", StringComparison.Ordinal);
            if (value.Length >= 4)
            {
                text = text.Replace(value, shown, StringComparison.Ordinal);
            }
        }

        return text;
    }

    private static string LastPart(string key)
    {
        int colon = key.LastIndexOf(':');
        return colon < 0 ? key : key[(colon + 1)..];
    }

    /// <summary>The words of a key part, lower case: split at '_', '-', digits and a change to upper case.</summary>
    private static IEnumerable<string> Words(string part)
    {
        int start = 0;
        for (int i = 1; i <= part.Length; i++)
        {
            bool boundary = i == part.Length
                || part[i] is '_' or '-' || char.IsAsciiDigit(part[i]) != char.IsAsciiDigit(part[i - 1])
                || (char.IsUpper(part[i]) && (!char.IsUpper(part[i - 1]) || (i + 1 < part.Length && char.IsLower(part[i + 1]))));
            if (boundary)
            {
                string word = part[start..i].Trim('_', '-');
                if (word.Length > 0)
                {
                    yield return word.ToLowerInvariant();
                }

                start = i;
            }
        }
    }
}
