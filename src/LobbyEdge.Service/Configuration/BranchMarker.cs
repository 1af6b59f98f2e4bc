using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LobbyEdge.EventLog;

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// The branch a data directory belongs to, written in a file of its own, <c>{data}/branch.id</c>, beside the
/// configuration store (src/LobbyEdge.Service/README.md, "A data directory belongs to one branch"). The store's
/// newest intact version already names the branch, but a data directory whose <c>config/</c> folder was deleted, or
/// whose every version is damaged or unreadable, had no record of its owner left and started under any profile. Two
/// records in two places: the start is refused when either names another branch. Written at every start whose checks
/// passed and that finds it missing or damaged (so a data directory from before this file gets one at its next
/// start); never by the read-only tools.
/// <para>
/// Format, UTF-8, three lines: a comment, <c>branch.id: {id}</c>, <c>check: {the first 8 hex digits of the SHA-256 of
/// the id's UTF-8 bytes}</c>. A file whose check does not match (a flipped bit on the card, an edit by hand) counts as
/// missing, is logged and is written again: a damaged record must not refuse the branch its own data.
/// </para>
/// </summary>
public static class BranchMarker
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "branch.id";

    private const string IdPrefix = "branch.id: ";
    private const string CheckPrefix = "check: ";

    /// <summary>The path of the file in <paramref name="dataDirectory"/>.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>
    /// The branch id the file records; null when there is no such file or it cannot be read, and null with
    /// <paramref name="problem"/> set when it is there but damaged (its check does not match, a line is missing).
    /// </summary>
    public static string? Read(string dataDirectory, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = File.ReadAllText(PathIn(dataDirectory), Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return null;
        }

        string? id = null;
        string? check = null;
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith(IdPrefix, StringComparison.Ordinal))
            {
                id = trimmed[IdPrefix.Length..];
            }
            else if (trimmed.StartsWith(CheckPrefix, StringComparison.Ordinal))
            {
                check = trimmed[CheckPrefix.Length..];
            }
        }

        if (id is null || check is null)
        {
            problem = $"no \"{IdPrefix.TrimEnd()}\" or \"{CheckPrefix.TrimEnd()}\" line";
            return null;
        }

        if (!string.Equals(check, Check(id), StringComparison.Ordinal))
        {
            problem = "its check does not match the branch id (damaged or edited by hand)";
            return null;
        }

        return id;
    }

    /// <summary>Writes the file atomically and durably (<see cref="DurableFile.WriteAtomically"/>).</summary>
    /// <exception cref="IOException">The card refused the write (full, read-only, failing).</exception>
    /// <exception cref="UnauthorizedAccessException">The data directory is not writable.</exception>
    public static void Write(string dataDirectory, string branchId) =>
        DurableFile.WriteAtomically(PathIn(dataDirectory), Encoding.UTF8.GetBytes(
            "# The branch this data directory belongs to (lobby-edge). Do not edit, and do not copy it to another branch's box.\n" +
            IdPrefix + branchId + "\n" + CheckPrefix + Check(branchId) + "\n"));

    /// <summary>
    /// Another branch than <paramref name="branchId"/> that the data directory records, and where: the store's newest
    /// intact version (<paramref name="stored"/>, <see cref="ConfigurationStore.Owner"/>) first, then this file; null
    /// when neither names another branch.
    /// </summary>
    public static (string BranchId, string RecordedIn)? OtherThan(string branchId, (string BranchId, long Version)? stored, string dataDirectory)
    {
        if (stored is { } s && !string.Equals(s.BranchId, branchId, StringComparison.Ordinal))
        {
            return (s.BranchId, string.Create(CultureInfo.InvariantCulture, $"its configuration version {s.Version}"));
        }

        return Read(dataDirectory, out _) is { } marked && !string.Equals(marked, branchId, StringComparison.Ordinal)
            ? (marked, $"its {FileName} file")
            : null;
    }

    private static string Check(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..8];
}
