using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service;

/// <summary>
/// <c>lobby-edge verify --data &lt;dir&gt; [--branch &lt;file.yaml&gt;]</c>: checks every segment, snapshot and cursor of a
/// data directory, read-only (never changes a file, takes no lock, works beside a running service), and prints a
/// report per file. With <c>--branch</c> it also replays the current day and restores each snapshot, as a start would.
/// </summary>
/// <remarks>
/// Exit codes: <see cref="Intact"/> 0, <see cref="Refuses"/> 1, <see cref="ExitCodes.InvalidConfiguration"/> 2
/// (bad command line, no log there, bad profile), <see cref="Findings"/> 3.
/// </remarks>
public static class VerifyCommand
{
    /// <summary>The usage line.</summary>
    public const string Usage = "usage: lobby-edge verify --data <dir> [--branch <file.yaml>]";

    /// <summary>Every option <c>verify</c> takes.</summary>
    public static IReadOnlyList<CommandOption> Options => ToolCommandLine.CommonOptions;

    /// <summary>Exit code: every file is intact.</summary>
    public const int Intact = 0;

    /// <summary>Exit code: damage or evidence of lost events where the branch needs it; the service refuses to start.</summary>
    public const int Refuses = 1;

    /// <summary>
    /// Exit code: the service starts, but there are findings: a torn tail it will cut (normal for a copy of a running
    /// branch), damage in a closed segment nobody needs, a damaged snapshot, an unreadable cursor or mark.
    /// </summary>
    public const int Findings = 3;

    /// <summary>Runs the command and returns its exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ToolCommandLine? line = ToolCommandLine.Parse(args, Usage, Options, stderr);
        if (line is null)
        {
            return ExitCodes.InvalidConfiguration;
        }

        try
        {
            string root = Path.GetFullPath(line.Data);
            try
            {
                DataDirectoryLayout.Check(root, DataDirectoryLayout.LogEntries.Concat(Persistence.RestoredBranch.ServiceEntries));
            }
            catch (DataDirectoryLayoutException e)
            {
                // The start's first check (a file where a folder belongs, a link in a loop): the rest is not read.
                stdout.WriteLine($"LAYOUT (the branch refuses to start): {e.Message}");
                return Refuses;
            }

            if (!Directory.Exists(Path.Combine(root, "log")))
            {
                stderr.WriteLine($"lobby-edge verify: {root}: no event log here (expected a 'log' folder)");
                return ExitCodes.InvalidConfiguration;
            }

            LogCheck check = LogCheck.Run(root);
            check.WriteReport(stdout);
            bool replayFails = line.Config is { } config && Replay(check, EngineFactory(config, root, line.BranchPath), root, stdout);
            return check.MustRefuse || replayFails ? Refuses : check.IsIntact ? Intact : Findings;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            stderr.WriteLine($"lobby-edge verify: {e.Message}");
            return ExitCodes.InvalidConfiguration;
        }
    }

    /// <summary>
    /// New engines built as the service builds its engine at start: with the configuration the log ran with (the
    /// latest version of the data directory's configuration store, <c>{data}/config</c>) and the store as its
    /// resolver, so a snapshot is judged under the configuration version it recorded. Without a store (a directory
    /// of a build before issue 15, or a copy without it), the profile's configuration.
    /// </summary>
    private static Func<QueueEngine> EngineFactory(BranchConfig config, string root, string? branchPath)
    {
        if (branchPath is null || !File.Exists(Path.Combine(root, ConfigurationStore.FolderName, ConfigurationStore.IndexFileName)))
        {
            return () => new QueueEngine(config);
        }

        ConfigurationStore store = ConfigurationStore.Open(root, BranchProfileLoader.ModelsDirectoryOf(branchPath), NullLogger.Instance);
        BranchConfig initial = store.Latest is { } latest ? store.Resolve(latest.Version) ?? config : config;
        return () => new QueueEngine(initial) { ConfigurationResolver = store.Resolve };
    }

    /// <summary>Replays the day and restores each snapshot in engines from <paramref name="newEngine"/>; true when the replay fails.</summary>
    private static bool Replay(LogCheck check, Func<QueueEngine> newEngine, string root, TextWriter stdout)
    {
        foreach (SnapshotCheck snapshot in check.Snapshots.Where(s => s.Problem is null))
        {
            byte[] file = File.ReadAllBytes(snapshot.Path);
            bool fits = newEngine().TryRestoreSnapshot(file.AsSpan(24));
            stdout.WriteLine($"snapshot {snapshot.Path}: {(fits ? "restores under this profile" : "does not fit this profile or build (start-up skips it)")}");
        }

        string? problem = check.ReplayProblem(newEngine());
        stdout.WriteLine(problem is null ? $"replay of the current day from {root}: ok" : $"REPLAY FAILS (the branch refuses to start): {problem}");
        return problem is not null;
    }
}
