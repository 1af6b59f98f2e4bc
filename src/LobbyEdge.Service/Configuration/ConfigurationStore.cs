using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Configuration;

/// <summary>One accepted configuration, as <c>{data}/config/index.json</c> lists it.</summary>
/// <param name="Version">1, 2, 3, …: the store's counter.</param>
/// <param name="Hash">The content hash of its text (<see cref="BranchProfileLoader.HashOf"/>), as 16 hex digits.</param>
/// <param name="Source"><c>profile</c> (edited on the box), <c>head-office</c> or <c>rollback</c>.</param>
/// <param name="At">When it was accepted (UTC).</param>
/// <param name="Request">The head-office request identity that brought it (16 hex digits), or null.</param>
/// <param name="Applied"><c>live</c> or <c>next_opening</c> as decided when it was accepted, or null (at start).</param>
/// <param name="Live">What changed live ("field.path: old -> new").</param>
/// <param name="NextOpening">What waits for the next opening.</param>
public sealed record StoredVersion(
    long Version,
    string Hash,
    string Source,
    DateTimeOffset At,
    string? Request = null,
    string? Applied = null,
    IReadOnlyList<string>? Live = null,
    IReadOnlyList<string>? NextOpening = null)
{
    /// <summary>The hash as a number (<see cref="BranchConfig.Hash"/>).</summary>
    [JsonIgnore]
    public long HashValue => long.TryParse(Hash, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value) ? value : 0;

    /// <summary>The hash of a configuration as the store writes it: 16 lower-case hex digits.</summary>
    public static string HashText(long hash) => hash.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The store's word for a configuration's source.</summary>
    public static string SourceText(ConfigurationSource source) => source switch
    {
        ConfigurationSource.HeadOffice => "head-office",
        ConfigurationSource.Rollback => "rollback",
        _ => "profile",
    };
}

/// <summary>
/// The branch's configuration versions, in <c>{data}/config</c>: <c>v000001.yaml</c>, <c>v000002.yaml</c>, … each the
/// exact text accepted (written once, fsynced, never changed) and <c>index.json</c> listing them (rewritten
/// atomically). The current configuration is the highest version. Damage never stops the branch: a missing or
/// unreadable index is rebuilt from the version files, a version file whose text does not match its hash is not
/// used; each finding is logged once, and the branch profile file wins.
/// </summary>
/// <remarks>Not thread-safe: the host uses it at start and then from the head-office command handler, one command at a time.</remarks>
public sealed partial class ConfigurationStore
{
    /// <summary>The folder under the data directory.</summary>
    public const string FolderName = "config";

    /// <summary>The index file's name.</summary>
    public const string IndexFileName = "index.json";

    private readonly ILogger _logger;
    private readonly string _modelsDirectory;
    private readonly List<StoredVersion> _versions;
    private readonly Dictionary<long, BranchConfig?> _resolved = [];

    private ConfigurationStore(string directory, string modelsDirectory, List<StoredVersion> versions, ILogger logger)
    {
        Directory = directory;
        _modelsDirectory = modelsDirectory;
        _versions = versions;
        _logger = logger;
    }

    /// <summary>The store's folder, <c>{data}/config</c>.</summary>
    public string Directory { get; }

    /// <summary>Every version, oldest first.</summary>
    public IReadOnlyList<StoredVersion> Versions => _versions;

    /// <summary>The highest version, or null for an empty store.</summary>
    public StoredVersion? Latest => _versions.Count == 0 ? null : _versions[^1];

    /// <summary>
    /// Opens (creating it if need be) the store under <paramref name="dataDirectory"/>. Never throws for what it finds:
    /// a damaged index is logged and rebuilt from the version files.
    /// </summary>
    /// <param name="dataDirectory">The branch's data directory (locked by this process).</param>
    /// <param name="modelsDirectory">Where device models are, for reading stored profiles.</param>
    /// <param name="logger">Where findings go.</param>
    /// <exception cref="IOException">The folder cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be created.</exception>
    public static ConfigurationStore Open(string dataDirectory, string modelsDirectory, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        string directory = Path.Combine(dataDirectory, FolderName);
        System.IO.Directory.CreateDirectory(directory);
        string index = Path.Combine(directory, IndexFileName);
        List<StoredVersion>? versions = null;
        if (File.Exists(index))
        {
            try
            {
                versions = JsonSerializer.Deserialize(File.ReadAllBytes(index), ConfigurationJsonContext.Store.ListStoredVersion);
                if (versions is null || versions.Any(v => v.Version <= 0 || v.Hash is null || v.Source is null))
                {
                    throw new JsonException("an entry without version, hash or source");
                }

                versions.Sort((a, b) => a.Version.CompareTo(b.Version));
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                Messages.IndexDamaged(logger, index, e.Message);
                versions = null;
            }
        }

        versions ??= Rebuild(directory, logger);
        return new ConfigurationStore(directory, modelsDirectory, versions, logger);
    }

    /// <summary>
    /// The branch the data directory belongs to, read without creating or changing anything (the read-only tools'
    /// check; <see cref="ConfigurationVersions"/> makes the same at start): the <c>branch.id</c> and number of the newest
    /// stored version whose text is intact, read without device models (they may not be beside the profile used now).
    /// Null when there is no store, or no version can be read.
    /// </summary>
    /// <param name="dataDirectory">The branch's data directory.</param>
    public static (string BranchId, long Version)? BranchOf(string dataDirectory) =>
        System.IO.Directory.Exists(Path.Combine(dataDirectory, FolderName))
            ? Open(dataDirectory, "", NullLogger.Instance).Owner()
            : null;

    /// <summary>
    /// The <c>branch.id</c> and number of the newest version whose text is intact (a damaged or missing newest version
    /// falls back to the one before); null when none can be read.
    /// </summary>
    public (string BranchId, long Version)? Owner()
    {
        for (int i = _versions.Count - 1; i >= 0; i--)
        {
            if (ReadText(_versions[i].Version) is { } text && BranchProfileLoader.BranchIdOf(text) is { } id)
            {
                return (id, _versions[i].Version);
            }
        }

        return null;
    }

    /// <summary>The path of a version's text.</summary>
    public string PathOf(long version) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"v{version:D6}.yaml"));

    /// <summary>The version with this number, or null.</summary>
    public StoredVersion? Find(long version) => _versions.Find(v => v.Version == version);

    /// <summary>
    /// The exact text of <paramref name="version"/>, or null (logged) when its file is missing, unreadable or does not
    /// match the hash the index gives it.
    /// </summary>
    public string? ReadText(long version)
    {
        if (Find(version) is not { } stored)
        {
            return null;
        }

        string path = PathOf(version);
        try
        {
            string text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
            if (BranchProfileLoader.HashOf(text) != stored.HashValue)
            {
                Messages.HashMismatch(_logger, path, stored.Hash);
                return null;
            }

            return text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Messages.VersionUnreadable(_logger, path, e.Message);
            return null;
        }
    }

    /// <summary>
    /// The configuration of <paramref name="version"/> (its stored text read as a profile, numbered), or null (logged)
    /// when it is not stored, damaged or no longer a valid profile. The engine's
    /// <see cref="QueueEngine.ConfigurationResolver"/> at replay. Results are kept.
    /// </summary>
    public BranchConfig? Resolve(long version)
    {
        if (_resolved.TryGetValue(version, out BranchConfig? known))
        {
            return known;
        }

        BranchConfig? config = null;
        if (ReadText(version) is { } text)
        {
            try
            {
                BranchConfig read = BranchProfileLoader.LoadText(text, PathOf(version), _modelsDirectory).Branch;
                config = read.WithVersion(version, read.Hash);
            }
            catch (ProfileException e)
            {
                Messages.VersionInvalid(_logger, PathOf(version), e.Message);
            }
        }
        else if (version > 0)
        {
            Messages.VersionMissing(_logger, version);
        }

        _resolved[version] = config;
        return config;
    }

    /// <summary>
    /// Adds the next version: writes its text (new file, fsynced), then the index (atomically). On failure nothing is
    /// added (a half-written version file is removed).
    /// </summary>
    /// <param name="text">The exact accepted text.</param>
    /// <param name="entry">The index entry; its <see cref="StoredVersion.Version"/> is replaced by the next number.</param>
    /// <returns>The entry as stored.</returns>
    /// <exception cref="IOException">The files could not be written; the store is as it was.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the store is as it was.</exception>
    public StoredVersion Add(string text, StoredVersion entry)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(entry);
        long next = Math.Max(Latest?.Version ?? 0, HighestFile(Directory)) + 1;
        StoredVersion stored = entry with { Version = next };
        string path = PathOf(next);
        try
        {
            DurableFile.WriteAtomically(path, Encoding.UTF8.GetBytes(text));
            _versions.Add(stored);
            WriteIndex();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _versions.Remove(stored);
            TryDelete(path);
            throw;
        }

        return stored;
    }

    /// <summary>Replaces the index entry of <paramref name="entry"/>'s version (e.g. what was applied, once decided).</summary>
    /// <exception cref="IOException">The index could not be written (the entry stays as it was in memory too).</exception>
    public void Update(StoredVersion entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        int at = _versions.FindIndex(v => v.Version == entry.Version);
        if (at < 0)
        {
            return;
        }

        StoredVersion before = _versions[at];
        _versions[at] = entry;
        try
        {
            WriteIndex();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _versions[at] = before;
            throw;
        }
    }

    /// <summary>Takes back the newest version (the engine refused it): index first, then its file.</summary>
    /// <exception cref="IOException">The index could not be written.</exception>
    public void RemoveLatest()
    {
        if (Latest is not { } latest)
        {
            return;
        }

        _versions.RemoveAt(_versions.Count - 1);
        try
        {
            WriteIndex();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _versions.Add(latest);
            throw;
        }

        _resolved.Remove(latest.Version);
        TryDelete(PathOf(latest.Version));
    }

    private void WriteIndex() =>
        DurableFile.WriteAtomically(Path.Combine(Directory, IndexFileName), JsonSerializer.SerializeToUtf8Bytes(_versions, ConfigurationJsonContext.Store.ListStoredVersion));

    /// <summary>The index rebuilt from the version files present (their hashes computed, their source unknown: <c>profile</c>).</summary>
    private static List<StoredVersion> Rebuild(string directory, ILogger logger)
    {
        var versions = new List<StoredVersion>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "v*.yaml"))
        {
            if (!TryNumber(path, out long version))
            {
                continue;
            }

            try
            {
                string text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
                versions.Add(new StoredVersion(version, StoredVersion.HashText(BranchProfileLoader.HashOf(text)), "profile", File.GetLastWriteTimeUtc(path)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Messages.VersionUnreadable(logger, path, e.Message);
            }
        }

        versions.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (versions.Count > 0)
        {
            Messages.IndexRebuilt(logger, directory, versions.Count);
        }

        return versions;
    }

    private static long HighestFile(string directory)
    {
        long highest = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "v*.yaml"))
        {
            if (TryNumber(path, out long version))
            {
                highest = Math.Max(highest, version);
            }
        }

        return highest;
    }

    private static bool TryNumber(string path, out long version) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path).AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stray file with a number the index does not list is skipped when numbering the next one.
        }
    }

    private static partial class Messages
    {
        [LoggerMessage(701, LogLevel.Error, "Configuration store: {Index} is damaged ({Problem}); rebuilding the list from the version files")]
        public static partial void IndexDamaged(ILogger logger, string index, string problem);

        [LoggerMessage(702, LogLevel.Warning, "Configuration store: the list of versions in {Directory} was rebuilt from {Count} version file(s)")]
        public static partial void IndexRebuilt(ILogger logger, string directory, int count);

        [LoggerMessage(703, LogLevel.Error, "Configuration store: {Path} does not match its hash {Hash} (changed or damaged); that version is not used")]
        public static partial void HashMismatch(ILogger logger, string path, string hash);

        [LoggerMessage(704, LogLevel.Error, "Configuration store: {Path} cannot be read ({Problem}); that version is not used")]
        public static partial void VersionUnreadable(ILogger logger, string path, string problem);

        [LoggerMessage(705, LogLevel.Error, "Configuration store: {Path} is no longer a valid profile; that version is not used: {Problems}")]
        public static partial void VersionInvalid(ILogger logger, string path, string problems);

        [LoggerMessage(706, LogLevel.Warning, "Configuration store: version {Version} is not stored (or not usable); the engine keeps the configuration it has for that stretch of the log")]
        public static partial void VersionMissing(ILogger logger, long version);
    }
}
