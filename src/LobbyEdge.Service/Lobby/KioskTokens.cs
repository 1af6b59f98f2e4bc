using System.Globalization;
using System.Text;
using LobbyEdge.HeadOffice;
using LobbyEdge.Profiles;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The kiosk token file (<see cref="KioskOptions.TokenFile"/>): the kiosks enrolled by token, by the SHA-256 of their
/// tokens. The tokens themselves are never stored on the box: a line is <c>name sha256-hex</c> (64 hex digits), a
/// <c>#</c> starts a comment, blank lines are skipped.
/// </summary>
public sealed class KioskTokens
{
    private readonly Dictionary<string, string> _byHash;

    private KioskTokens(string path, DateTime stamp, Dictionary<string, string> byHash)
    {
        Path = path;
        Stamp = stamp;
        _byHash = byHash;
    }

    /// <summary>No token file: no kiosk is enrolled by token.</summary>
    public static KioskTokens None { get; } = new("", default, new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>The file read (empty for <see cref="None"/>).</summary>
    public string Path { get; }

    /// <summary>The file's last write time (UTC) when it was read: it is read again when this changes.</summary>
    public DateTime Stamp { get; }

    /// <summary>How many kiosks the file enrols.</summary>
    public int Count => _byHash.Count;

    /// <summary>The SHA-256 of a token, as the file holds it: 64 lower-case hex digits of its UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes(token ?? "")));

    /// <summary>Reads the file at <paramref name="path"/>; <see cref="None"/> for an empty path.</summary>
    /// <exception cref="InvalidDataException">
    /// The path is not absolute (<c>Kiosk:TokenFile: must be an absolute path …</c>, the value not shown: it may be a
    /// token put into the key by mistake), the file cannot be read, or a line is malformed:
    /// <c>Kiosk:TokenFile '/abs/path': cannot be read: …</c> or <c>path:line: what is wrong</c>.
    /// </exception>
    public static KioskTokens Read(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return None;
        }

        if ((ConfiguredSecrets.FileProblem(path) ?? ConfiguredSecrets.FolderProblem(path)) is { } problem)
        {
            throw new InvalidDataException($"{KioskOptions.Section}:TokenFile: {problem}");
        }

        string text;
        DateTime stamp;
        try
        {
            stamp = File.GetLastWriteTimeUtc(path);
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"{KioskOptions.Section}:TokenFile '{path}': cannot be read: {e.Message}", e);
        }

        return Parse(path, text, stamp);
    }

    /// <summary>Parses the file's text (<paramref name="path"/> only names it in errors).</summary>
    /// <exception cref="InvalidDataException">One line per problem: <c>path:line: what is wrong</c>.</exception>
    public static KioskTokens Parse(string path, string text, DateTime stamp)
    {
        ArgumentNullException.ThrowIfNull(text);
        var byHash = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int comment = line.IndexOf('#', StringComparison.Ordinal);
            string[] fields = (comment >= 0 ? line[..comment] : line).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            string at = string.Create(CultureInfo.InvariantCulture, $"{path}:{i + 1}");
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length != 2)
            {
                problems.Add($"{at}: expected 'name sha256-hex' (two fields), found {fields.Length}");
                continue;
            }

            string name = fields[0], hash = fields[1].ToLowerInvariant();
            if (!IsName(name))
            {
                problems.Add($"{at}: kiosk name '{name}': letters, digits, '.', '_' and '-' only, at most 64");
            }
            else if (!names.Add(name))
            {
                problems.Add($"{at}: kiosk name '{name}' is enrolled twice");
            }

            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
            {
                // Never quote the field: a technician who pasted the token instead of its hash would leak it to the log.
                problems.Add($"{at}: kiosk '{name}': the second field must be the token's SHA-256, 64 hex digits (not the token itself)");
            }
            else if (!byHash.TryAdd(hash, name))
            {
                problems.Add($"{at}: kiosk '{name}' has the same token as kiosk '{byHash[hash]}'");
            }
        }

        return problems.Count > 0
            ? throw new InvalidDataException($"kiosk token file:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
            : new KioskTokens(path, stamp, byHash);
    }

    /// <summary>The kiosk a token belongs to, or null when no enrolled kiosk has it.</summary>
    public string? Find(string token) => _byHash.TryGetValue(Hash(token), out string? name) ? name : null;

    private static bool IsName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
