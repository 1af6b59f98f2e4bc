using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// The branch profile file and the configuration store together, at start: numbers the file's configuration (the
/// latest version when its text is the same, version 1 in an empty store, a new version with source <c>profile</c>
/// when it was edited on the box), gives the engine the configuration the log ran with and a resolver for every
/// stored version, and says whether the file's configuration must then be sent to the engine
/// (<see cref="Command.Reconfigure"/> with <see cref="ConfigurationSource.Profile"/>). A store that cannot be used is
/// logged and the profile file wins: the branch never fails to start because of it.
/// </summary>
public sealed partial class ConfigurationVersions
{
    private readonly ILogger _logger;
    private string? _marked;
    private string? _markerDamaged;
    private bool _ownerChecked;
    private StoredVersion? _added;

    /// <summary>Takes the profile as loaded from <paramref name="profilePath"/> and its exact text.</summary>
    /// <param name="profilePath">The <c>--branch</c> file (rewritten on each accepted change).</param>
    /// <param name="file">The profile as loaded from it (its <see cref="BranchConfig.Hash"/> set).</param>
    /// <param name="fileText">The file's text, as hashed.</param>
    /// <param name="logger">Where start-up findings go.</param>
    public ConfigurationVersions(string profilePath, BranchProfile file, string fileText, ILogger<ConfigurationVersions> logger)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(fileText);
        ArgumentNullException.ThrowIfNull(logger);
        ProfilePath = profilePath;
        ModelsDirectory = BranchProfileLoader.ModelsDirectoryOf(profilePath);
        FileConfig = file.Branch;
        FileText = fileText;
        _logger = logger;
    }

    /// <summary>The <c>--branch</c> profile file.</summary>
    public string ProfilePath { get; }

    /// <summary>Where the device models the profile names are.</summary>
    public string ModelsDirectory { get; }

    /// <summary>The profile file's text as read at start.</summary>
    public string FileText { get; }

    /// <summary>The file's configuration, numbered once <see cref="Prepare"/> ran (version 0 without a store).</summary>
    public BranchConfig FileConfig { get; private set; }

    /// <summary>The store, or null when it could not be opened (then nothing is versioned and pushes are refused).</summary>
    public ConfigurationStore? Store { get; private set; }

    /// <summary>Whether the file's configuration is to be sent to the engine once it runs (edited on the box).</summary>
    public bool ReconfigureAtStart { get; private set; }

    /// <summary>
    /// Refuses another branch's data before anything in it is opened for writing (the data directory is locked by now;
    /// the log is not opened yet, so not even a torn tail is cut): the data directory's <see cref="BranchMarker"/>
    /// file, and unless that names the profile's branch the store's newest intact version, are read; nothing is written.
    /// When the marker names another branch, the refusal names the store's version instead if that says the same, as
    /// the read-only tools do.
    /// </summary>
    /// <exception cref="OtherBranchDataException">Either record names another branch than the profile file.</exception>
    public void CheckOwner(string dataDirectory)
    {
        _marked = BranchMarker.Read(dataDirectory, out _markerDamaged);
        if (string.Equals(_marked, FileConfig.BranchId, StringComparison.Ordinal))
        {
            // The file is written only after a replay under this branch's profile: it agrees, and the store is checked
            // as it is opened when the profile's text changed (PrepareStore), as before. No second read of the store
            // at every start.
            _ownerChecked = true;
            return;
        }

        (string BranchId, long Version)? stored;
        try
        {
            stored = ConfigurationStore.BranchOf(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Said when the store is opened (Prepare), where the branch goes on with its profile file.
            stored = null;
        }

        if (BranchMarker.OtherThan(FileConfig.BranchId, stored, dataDirectory) is { } other)
        {
            throw new OtherBranchDataException(dataDirectory, other.BranchId, other.RecordedIn, ProfilePath, FileConfig.BranchId);
        }

        _ownerChecked = true;
    }

    /// <summary>
    /// Opens the store (the data directory is locked and <see cref="CheckOwner"/> passed) and numbers the file's
    /// configuration. Returns the configuration to create the engine with: the one the log ran with (the latest stored
    /// version before this start), or the file's when the store was empty or that version is not usable.
    /// </summary>
    /// <exception cref="OtherBranchDataException">
    /// The store's newest intact version is of another branch than the file (checked again as the store is opened).
    /// </exception>
    public BranchConfig Prepare(string dataDirectory)
    {
        if (!_ownerChecked)
        {
            CheckOwner(dataDirectory);
        }

        if (_markerDamaged is not null)
        {
            Log.MarkerDamaged(_logger, BranchMarker.PathIn(dataDirectory), _markerDamaged);
        }

        return PrepareStore(dataDirectory);
    }

    /// <summary>
    /// Records the profile's branch in the data directory's <see cref="BranchMarker"/> file when it records none (or a
    /// damaged one). Called only once the log was replayed under this profile (<c>RestoredBranch.Open</c>):
    /// a wrong profile on data that records no branch fails at replay and is not written down as the owner.
    /// </summary>
    public void RecordOwner(string dataDirectory)
    {
        if (_marked is not null)
        {
            return;
        }

        try
        {
            BranchMarker.Write(dataDirectory, FileConfig.BranchId);
            _marked = FileConfig.BranchId;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.MarkerUnwritable(_logger, BranchMarker.PathIn(dataDirectory), e.Message);
        }
    }

    private BranchConfig PrepareStore(string dataDirectory)
    {
        try
        {
            Store = ConfigurationStore.Open(dataDirectory, ModelsDirectory, _logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.StoreUnavailable(_logger, Path.Combine(dataDirectory, ConfigurationStore.FolderName), e.Message);
            return FileConfig;
        }

        StoredVersion? latest = Store.Latest;
        if (latest is not null && latest.HashValue == FileConfig.Hash && Store.ReadText(latest.Version) == FileText)
        {
            FileConfig = FileConfig.WithVersion(latest.Version, FileConfig.Hash);
            Log.Version(_logger, FileConfig.Version, StoredVersion.HashText(FileConfig.Hash), ProfilePath);
            return FileConfig;
        }

        BranchConfig? ranWith = latest is null ? null : Store.Resolve(latest.Version);
        if (Store.Owner() is { } owner && !string.Equals(owner.BranchId, FileConfig.BranchId, StringComparison.Ordinal))
        {
            // Another branch's data (a copied SD card, a wrong --data): starting would replay its log under this
            // branch's id and ship it to head office as this branch's. Refused before anything is stored. Read from
            // the newest intact version's text, without its device models (they may not be beside this profile).
            throw new OtherBranchDataException(dataDirectory, owner.BranchId, $"its configuration version {owner.Version}", ProfilePath, FileConfig.BranchId);
        }

        try
        {
            StoredVersion added = Store.Add(FileText, new StoredVersion(0, StoredVersion.HashText(FileConfig.Hash), StoredVersion.SourceText(ConfigurationSource.Profile), DateTimeOffset.UtcNow));
            _added = added;
            FileConfig = FileConfig.WithVersion(added.Version, FileConfig.Hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.StoreUnavailable(_logger, Store.Directory, e.Message);
            Store = null;
            return FileConfig;
        }

        if (latest is null || ranWith is null)
        {
            Log.Version(_logger, FileConfig.Version, StoredVersion.HashText(FileConfig.Hash), ProfilePath);
            return FileConfig;
        }

        Log.EditedOnTheBox(_logger, ProfilePath, FileConfig.Version, latest.Version);
        ReconfigureAtStart = true;
        return ranWith;
    }

    /// <summary>
    /// The start failed after <see cref="Prepare"/> (the log could not be replayed under this profile): takes back the
    /// version this start stored, so a wrong profile on data that records no branch is not left recorded as its owner
    /// (the right profile would then be refused). A store that cannot be written is logged.
    /// </summary>
    public void Abandon()
    {
        if (_added is null || Store is null || Store.Latest?.Version != _added.Version)
        {
            return;
        }

        try
        {
            Store.RemoveLatest();
            _added = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.StoreUnavailable(_logger, Store.Directory, e.Message);
        }
    }

    /// <summary>The engine's <see cref="QueueEngine.ConfigurationResolver"/>: the file's configuration, or a stored version.</summary>
    public BranchConfig? Resolve(long version) =>
        version == FileConfig.Version && version > 0 ? FileConfig : Store?.Resolve(version);

    private static partial class Log
    {
        [LoggerMessage(710, LogLevel.Information, "Configuration version {Version} (hash {Hash}) from {Profile}")]
        public static partial void Version(ILogger logger, long version, string hash, string profile);

        [LoggerMessage(711, LogLevel.Warning,
            "Configuration: {Profile} was edited on the box; it is version {Version} (the log ran with version {Previous}) and is put in force now (or at the next opening if it changes the structure while a day is open)")]
        public static partial void EditedOnTheBox(ILogger logger, string profile, long version, long previous);

        [LoggerMessage(712, LogLevel.Error,
            "Configuration store {Directory} cannot be used ({Problem}); the branch runs with its profile file, unversioned, and refuses configuration pushes until it can")]
        public static partial void StoreUnavailable(ILogger logger, string directory, string problem);

        [LoggerMessage(726, LogLevel.Warning,
            "{Path} cannot be used ({Problem}); the branch is checked against the configuration store alone and the file is written again")]
        public static partial void MarkerDamaged(ILogger logger, string path, string problem);

        [LoggerMessage(727, LogLevel.Warning,
            "{Path} cannot be written ({Problem}); the branch runs, checked against the configuration store alone, and tries again at the next start")]
        public static partial void MarkerUnwritable(ILogger logger, string path, string problem);
    }
}

/// <summary>
/// Once the engine loop runs, puts the profile file's configuration in force when it was edited on the box. A host
/// built without the profile's text (tools, tests) has no versions and does nothing here.
/// </summary>
public sealed partial class ConfigurationAtStart(ILobbyCommands commands, ILogger<ConfigurationAtStart> logger, ConfigurationVersions? versions = null) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (versions is null || !versions.ReconfigureAtStart)
        {
            return;
        }

        try
        {
            CommandOutcome outcome = await commands.SendAsync(Command.Reconfigure(versions.FileConfig, ConfigurationSource.Profile), stoppingToken).ConfigureAwait(false);
            if (!outcome.Result.Accepted && outcome.Result.Refusal != RefusalReason.ConfigurationUnchanged)
            {
                Log.Refused(logger, versions.FileConfig.Version, outcome.Result.Refusal.ToString());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Failed(logger, versions.FileConfig.Version, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(713, LogLevel.Error, "Configuration version {Version} from the profile file was refused by the engine ({Reason}); the branch keeps the configuration in force")]
        public static partial void Refused(ILogger logger, long version, string reason);

        [LoggerMessage(714, LogLevel.Error, "Configuration version {Version} from the profile file could not be sent to the engine: {Problem}")]
        public static partial void Failed(ILogger logger, long version, string problem);
    }
}
