using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.Service.Lobby;

/// <summary>What a staff member does in the branch; decides what the console lets them do.</summary>
public enum StaffRole
{
    /// <summary>大堂经理: every console action.</summary>
    LobbyManager,

    /// <summary>A counter clerk: sees the console, records care, recovers, diverts, reprints; cannot cancel a ticket.</summary>
    Counter,

    /// <summary>The branch supervisor (网点主管): every console action.</summary>
    Supervisor,
}

/// <summary>One line of the staff file: who may sign in to the console.</summary>
/// <param name="Id">The staff id, 1..999999 (goes on every command and event as <c>staff</c>).</param>
/// <param name="Name">The name shown on the console.</param>
/// <param name="Role">What they do.</param>
/// <param name="PinHash">The PIN as a <see cref="PinHash"/> string; never the PIN itself.</param>
public sealed record StaffMember(int Id, string Name, StaffRole Role, string PinHash)
{
    /// <summary>Whether the role may cancel a customer's ticket.</summary>
    public bool MayCancel => Role is StaffRole.LobbyManager or StaffRole.Supervisor;

    /// <summary>The role as written in the staff file (<c>lobby-manager</c>, <c>counter</c>, <c>supervisor</c>).</summary>
    public string RoleName => StaffFile.RoleName(Role);

    /// <inheritdoc />
    public override string ToString() => $"{Id} {Name} ({RoleName})"; // never the hash
}

/// <summary>A staff file that cannot be read: one <c>file:line: field: what is wrong</c> per problem.</summary>
public sealed class StaffFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StaffFileException()
    {
    }

    /// <summary>Creates the exception with its problems, one per line.</summary>
    public StaffFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its problems and cause.</summary>
    public StaffFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// PINs kept as PBKDF2-HMAC-SHA256 hashes with a random 16-byte salt:
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c>. The iteration count is stored,
/// so it can be raised later without invalidating existing PINs.
/// </summary>
public static class PinHash
{
    /// <summary>Iterations for new hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int Iterations = 600_000;

    /// <summary>The fewest iterations a stored hash may have.</summary>
    public const int MinIterations = 100_000;

    /// <summary>The fewest digits in a PIN.</summary>
    public const int MinDigits = 4;

    /// <summary>The most digits in a PIN.</summary>
    public const int MaxDigits = 12;

    private const string Scheme = "pbkdf2-sha256";

    /// <summary>Why <paramref name="pin"/> cannot be a PIN (4..12 digits), or null.</summary>
    public static string? Problem(string pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return pin.Length is < MinDigits or > MaxDigits || !pin.All(char.IsAsciiDigit)
            ? $"a PIN is {MinDigits} to {MaxDigits} digits"
            : null;
    }

    /// <summary>Hashes a PIN with a new salt.</summary>
    /// <exception cref="ArgumentException">Not a PIN (see <see cref="Problem"/>).</exception>
    public static string Hash(string pin, int iterations = Iterations)
    {
        if (Problem(pin) is { } problem)
        {
            throw new ArgumentException(problem, nameof(pin));
        }

        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Why <paramref name="stored"/> is not a hash this reads, or null.</summary>
    public static string? FormatProblem(string stored) => TryParse(stored, out _, out _, out _)
        ? null
        : $"must be '{Scheme}$<iterations>$<salt>$<hash>' as written by 'lobby-edge staff' (iterations at least {MinIterations})";

    /// <summary>Whether <paramref name="pin"/> matches <paramref name="stored"/>, compared in constant time.</summary>
    public static bool Verify(string pin, string stored)
    {
        ArgumentNullException.ThrowIfNull(pin);
        if (!TryParse(stored, out int iterations, out byte[] salt, out byte[] expected))
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        string[] parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < MinIterations)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 16 && hash.Length >= 32;
    }
}

/// <summary>
/// The staff file: who may sign in to the lobby console. Kept outside the branch profile (configuration key
/// <c>Lobby:StaffFile</c>, default <c>staff.txt</c> in the data directory), written by <c>lobby-edge staff</c>,
/// readable by the service's user only. One staff member a line, fields separated by <c>:</c>, name last:
/// <code>
/// # id:role:pin-hash:name
/// 1024:lobby-manager:pbkdf2-sha256$600000$…$…:Zhang Wei 张伟
/// </code>
/// Blank lines and lines starting with <c>#</c> are ignored.
/// </summary>
public static class StaffFile
{
    /// <summary>The file name in the data directory when <c>Lobby:StaffFile</c> is not set.</summary>
    public const string DefaultFileName = "staff.txt";

    /// <summary>The highest staff id.</summary>
    public const int MaxId = 999_999;

    private const string Header = "# LobbyEdge staff file (lobby-edge staff add|pin|remove|list). id:role:pin-hash:name. PINs are kept hashed only.";

    /// <summary>The role as written in the file.</summary>
    public static string RoleName(StaffRole role) => role switch
    {
        StaffRole.LobbyManager => "lobby-manager",
        StaffRole.Counter => "counter",
        _ => "supervisor",
    };

    /// <summary>Reads a role as written in the file or on the command line; false for anything else.</summary>
    public static bool TryParseRole(string text, out StaffRole role)
    {
        foreach (StaffRole r in Enum.GetValues<StaffRole>())
        {
            if (RoleName(r) == text)
            {
                role = r;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>Why <paramref name="text"/> is not a staff id (1..999999), or null; the id in <paramref name="id"/>.</summary>
    public static string? IdProblem(string text, out int id) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id is >= 1 and <= MaxId
            ? null
            : $"a staff id is a number 1..{MaxId} (got \"{text}\")";

    /// <summary>
    /// Why <paramref name="name"/> cannot be a new staff name (<c>staff add</c>), or null: the shared text check
    /// (<see cref="ShownText"/>), so no bidi, invisible or emoji character is stored.
    /// </summary>
    public static string? NameProblem(string name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > 64 ? StoredNameProblem(name)
        : ShownText.Problem(name) is { } unshown ? $"one line of plain text the console shows as written: {unshown}"
        : null;

    /// <summary>
    /// Why a name already in the staff file stops the file being read, or null: empty, over 64 characters or with a
    /// control character (a line break would split the line). Names stored before the shared text check (an emoji in
    /// one) are still read: a staff file that stopped the service at an upgrade would stop the branch; `staff add`
    /// applies the whole check to new names.
    /// </summary>
    private static string? StoredNameProblem(string name) =>
        string.IsNullOrWhiteSpace(name) ? "a name is needed"
        : name.Length > 64 ? "at most 64 characters"
        : name.Any(char.IsControl) ? "no control characters"
        : null;

    /// <summary>Reads the staff file; a file that does not exist is an empty list.</summary>
    /// <exception cref="StaffFileException">One <c>file:line: field: problem</c> line per bad line; or the path is a directory.</exception>
    public static IReadOnlyList<StaffMember> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            if (Directory.Exists(path))
            {
                throw new StaffFileException($"{path}: is a directory, not a staff file");
            }

            if (!File.Exists(path))
            {
                return [];
            }

            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StaffFileException($"{path}: cannot read the staff file: {e.Message}", e);
        }

        return Parse(path, lines);
    }

    /// <summary>Reads the lines of a staff file named <paramref name="path"/> (for messages).</summary>
    /// <exception cref="StaffFileException">One <c>file:line: field: problem</c> line per bad line.</exception>
    public static IReadOnlyList<StaffMember> Parse(string path, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var staff = new List<StaffMember>();
        var problems = new List<string>();
        var seen = new Dictionary<int, int>();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string at = $"{path}:{i + 1}";
            string[] fields = line.Split(':', 4);
            if (fields.Length < 4)
            {
                problems.Add($"{at}: line: must be id:role:pin-hash:name ({fields.Length} field{(fields.Length == 1 ? "" : "s")} found)");
                continue;
            }

            int before = problems.Count;
            if (IdProblem(fields[0].Trim(), out int id) is { } idProblem)
            {
                problems.Add($"{at}: id: {idProblem}");
            }
            else if (seen.TryGetValue(id, out int first))
            {
                problems.Add($"{at}: id: staff {id} is already on line {first}");
            }

            if (!TryParseRole(fields[1].Trim(), out StaffRole role))
            {
                problems.Add($"{at}: role: must be lobby-manager, counter or supervisor (got \"{fields[1].Trim()}\")");
            }

            if (PinHash.FormatProblem(fields[2].Trim()) is { } hashProblem)
            {
                // The value itself is never repeated: it may be a PIN someone typed in by hand.
                problems.Add($"{at}: pin-hash: {hashProblem}");
            }

            string name = fields[3].Trim();
            if (StoredNameProblem(name) is { } nameProblem)
            {
                problems.Add($"{at}: name: {nameProblem}");
            }

            if (problems.Count == before)
            {
                seen[id] = i + 1;
                staff.Add(new StaffMember(id, name, role, fields[2].Trim()));
            }
        }

        return problems.Count > 0 ? throw new StaffFileException(string.Join(Environment.NewLine, problems)) : staff;
    }

    /// <summary>
    /// Writes the staff list to <paramref name="path"/> atomically (a temporary file renamed over it), readable and
    /// writable by its owner only. A file already there keeps its comment and blank lines and the order of its staff:
    /// each staff line is replaced by the member with its id (or dropped when they are gone), new staff go at the end.
    /// </summary>
    public static void Save(string path, IEnumerable<StaffMember> staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var members = staff.OrderBy(s => s.Id).ToDictionary(s => s.Id);
        var text = new StringBuilder();
        string[] kept = File.Exists(full) ? File.ReadAllLines(full, Encoding.UTF8) : [];
        if (kept.Length == 0)
        {
            text.Append(Header).Append('\n');
        }

        foreach (string line in kept)
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                text.Append(line).Append('\n');
            }
            else if (IdProblem(trimmed.Split(':', 2)[0].Trim(), out int id) is null && members.Remove(id, out StaffMember? member))
            {
                Append(text, member);
            }
        }

        foreach (StaffMember s in members.Values)
        {
            Append(text, s);
        }

        string temporary = full + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, create))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    private static void Append(StringBuilder text, StaffMember s) =>
        text.Append(CultureInfo.InvariantCulture, $"{s.Id}:{s.RoleName}:{s.PinHash}:{s.Name}\n");
}
