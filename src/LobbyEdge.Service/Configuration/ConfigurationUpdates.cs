using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.HeadOffice;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// Carries out head office's configuration commands: builds the profile text (pushed, a stored version again, or the
/// profile with its <c>calendar:</c> section replaced), validates it exactly as at start, stores it as the next
/// version, rewrites the <c>--branch</c> profile file atomically, and sends it to the engine
/// (<see cref="Command.Reconfigure"/> with the request's identity). Anything refused changes nothing: the version file,
/// the index entry and the profile file are put back. A request already carried out (its identity is in the index) is
/// answered as the first time.
/// </summary>
public sealed partial class ConfigurationUpdates(
    ConfigurationVersions versions,
    CurrentConfiguration current,
    ILobbyCommands commands,
    TimeProvider time,
    ILogger<ConfigurationUpdates> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Carries out one command; see <see cref="IHeadOfficeCommandHandler.ConfigureAsync"/>.</summary>
    public async ValueTask<HeadOfficeReply> ApplyAsync(ConfigurationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ApplyLockedAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<HeadOfficeReply> ApplyLockedAsync(ConfigurationRequest request, CancellationToken cancellationToken)
    {
        if (versions.Store is not { } store)
        {
            return HeadOfficeReply.Failed("the branch's configuration store cannot be used (see the branch's log); nothing changed");
        }

        string? requestText = RequestIdentity(request.Request);
        if (!request.Request.IsNone && store.Versions.LastOrDefault(v => v.Request == requestText) is { } done)
        {
            return Reply(done);
        }

        if (request.Repeat is { } repeat)
        {
            return Repeated(store, repeat, requestText);
        }

        BranchConfig inForce = current.Config;
        if (request.ExpectVersion is { } expected && expected != inForce.Version)
        {
            return HeadOfficeReply.Failed(
                $"version_conflict: version {inForce.Version} is in force, not {expected}; nothing changed",
                new JsonObject { ["reason"] = "version_conflict", ["version"] = inForce.Version });
        }

        if (TextOf(request, store, inForce, out ConfigurationSource source, out HeadOfficeReply? problem) is not { } text)
        {
            return problem!;
        }

        BranchConfig loaded;
        try
        {
            loaded = BranchProfileLoader.LoadText(text, request.Name, versions.ModelsDirectory).Branch;
        }
        catch (ProfileException e)
        {
            return Invalid(e);
        }

        if (!string.Equals(loaded.BranchId, inForce.BranchId, StringComparison.Ordinal))
        {
            return HeadOfficeReply.Failed(
                $"branch.id: this box runs branch \"{inForce.BranchId}\"; a profile for \"{loaded.BranchId}\" is refused (a box cannot change branch); nothing changed",
                new JsonObject { ["field"] = "branch.id" });
        }

        if (current.Pending is { } pending && pending.Hash == loaded.Hash)
        {
            return await UnchangedAsync(request, pending, cancellationToken).ConfigureAwait(false);
        }

        if (inForce.Hash == loaded.Hash && current.Pending is null)
        {
            return await UnchangedAsync(request, inForce, cancellationToken).ConfigureAwait(false);
        }

        return await StoreAndSendAsync(request, store, text, loaded, inForce, source, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<HeadOfficeReply> StoreAndSendAsync(
        ConfigurationRequest request, ConfigurationStore store, string text, BranchConfig loaded, BranchConfig inForce, ConfigurationSource source, CancellationToken cancellationToken)
    {
        byte[]? before;
        try
        {
            before = File.ReadAllBytes(versions.ProfilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            before = null;
            Log.ProfileUnreadable(logger, versions.ProfilePath, e.Message);
        }

        StoredVersion entry;
        try
        {
            entry = store.Add(text, new StoredVersion(0, StoredVersion.HashText(loaded.Hash), StoredVersion.SourceText(source), time.GetUtcNow(), RequestIdentity(request.Request)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HeadOfficeReply.Failed($"the configuration store cannot be written ({e.Message}); nothing changed");
        }

        try
        {
            DurableFile.WriteAtomically(versions.ProfilePath, Encoding.UTF8.GetBytes(text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Undo(store, null);
            return HeadOfficeReply.Failed($"the branch profile {versions.ProfilePath} cannot be rewritten ({e.Message}), so a restart would not use the change; nothing changed", new JsonObject { ["field"] = "profile", ["file"] = versions.ProfilePath });
        }

        BranchConfig next = loaded.WithVersion(entry.Version, loaded.Hash);
        CommandOutcome outcome;
        try
        {
            outcome = await commands.SendAsync(Command.Reconfigure(next, source) with { Request = request.Request }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Undo(store, before);
            throw;
        }

        if (!outcome.Result.Accepted)
        {
            Undo(store, before);
            return outcome.Result.Refusal == RefusalReason.ConfigurationUnchanged
                ? Unchanged(current.Config)
                : HeadOfficeReply.Refused(outcome.Result.Refusal);
        }

        ConfigurationDiff diff = BranchConfig.Compare(inForce, next);
        bool waits = current.Pending?.Version == entry.Version;
        StoredVersion decided = entry with
        {
            Applied = waits ? "next_opening" : "live",
            Live = diff.Live,
            NextOpening = diff.AtNextOpening,
        };
        try
        {
            store.Update(decided);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The change stands (the log has it); a repeat is answered from the engine's memory of the request instead.
            Log.IndexNotUpdated(logger, entry.Version, e.Message);
        }

        Log.Applied(logger, entry.Version, entry.Source, decided.Applied!, request.Name);
        return Reply(decided);
    }

    /// <summary>
    /// A request the log records as decided that the store does not know (its index was rebuilt, or lost the entry):
    /// answered from the log, never carried out again. The version it made gets its request identity back in the index.
    /// </summary>
    private HeadOfficeReply Repeated(ConfigurationStore store, DecidedConfiguration repeat, string? requestText)
    {
        if (repeat.Refusal == RefusalReason.ConfigurationUnchanged)
        {
            return Unchanged(current.Config);
        }

        if (repeat.Refusal != RefusalReason.None || repeat.Version <= 0)
        {
            return HeadOfficeReply.Refused(repeat.Refusal == RefusalReason.None ? RefusalReason.InvalidCommand : repeat.Refusal);
        }

        Log.RepeatFromLog(logger, requestText ?? "", repeat.Sequence, repeat.Version);
        string applied = repeat.Change == ConfigurationChange.AtNextOpening ? "next_opening" : "live";
        string source = StoredVersion.SourceText(repeat.Source);
        StoredVersion made = store.Find(repeat.Version) is { } stored && stored.HashValue == repeat.Hash
            ? stored with { Source = stored.Request is null ? source : stored.Source, Request = stored.Request ?? requestText, Applied = stored.Applied ?? applied }
            : new StoredVersion(repeat.Version, StoredVersion.HashText(repeat.Hash), source, time.GetUtcNow(), requestText, applied);
        if (store.Find(repeat.Version) is { } known && known != made && known.HashValue == repeat.Hash)
        {
            try
            {
                store.Update(made);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.IndexNotUpdated(logger, made.Version, e.Message);
            }
        }

        return Reply(made);
    }

    /// <summary>Puts the profile file and the store back as they were before a change the engine did not take.</summary>
    private void Undo(ConfigurationStore store, byte[]? profileBefore)
    {
        try
        {
            if (profileBefore is not null)
            {
                DurableFile.WriteAtomically(versions.ProfilePath, profileBefore);
            }

            store.RemoveLatest();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.UndoFailed(logger, e.Message);
        }
    }

    private async ValueTask<HeadOfficeReply> UnchangedAsync(ConfigurationRequest request, BranchConfig same, CancellationToken cancellationToken)
    {
        // Through the engine all the same, so the request is recorded as decided (refused configuration_unchanged).
        _ = await commands.SendAsync(Command.Reconfigure(same, ConfigurationSource.HeadOffice) with { Request = request.Request }, cancellationToken).ConfigureAwait(false);
        return Unchanged(same);
    }

    private static HeadOfficeReply Unchanged(BranchConfig same) => HeadOfficeReply.Ok(new JsonObject
    {
        ["version"] = same.Version,
        ["hash"] = StoredVersion.HashText(same.Hash),
        ["applied"] = "unchanged",
        ["live"] = new JsonArray(),
        ["nextOpening"] = new JsonArray(),
    });

    private static HeadOfficeReply Reply(StoredVersion v) => HeadOfficeReply.Ok(new JsonObject
    {
        ["version"] = v.Version,
        ["hash"] = v.Hash,
        ["applied"] = v.Applied ?? "live",
        ["live"] = new JsonArray([.. (v.Live ?? []).Select(s => (JsonNode?)JsonValue.Create(s))]),
        ["nextOpening"] = new JsonArray([.. (v.NextOpening ?? []).Select(s => (JsonNode?)JsonValue.Create(s))]),
    });

    private static HeadOfficeReply Invalid(ProfileException e)
    {
        var fields = new JsonObject();
        if (e.Field is not null)
        {
            fields["field"] = e.Field;
        }

        fields["line"] = e.Line;
        fields["column"] = e.Column;
        if (e.Problems.Count > 1)
        {
            fields["problems"] = new JsonArray([.. e.Problems.Select(p => (JsonNode?)JsonValue.Create(p.ToString()))]);
        }

        return HeadOfficeReply.Failed(e.Problems[0].ToString(), fields);
    }

    /// <summary>The profile text a command asks for, or null with <paramref name="problem"/> set.</summary>
    private string? TextOf(ConfigurationRequest request, ConfigurationStore store, BranchConfig inForce, out ConfigurationSource source, out HeadOfficeReply? problem)
    {
        source = ConfigurationSource.HeadOffice;
        problem = null;
        switch (request.Command)
        {
            case ConfigurationCommand.Update:
                return request.ProfileText;

            case ConfigurationCommand.Rollback:
                {
                    source = ConfigurationSource.Rollback;
                    long target = request.Version ?? store.Versions.Where(v => v.Version < inForce.Version).Select(v => v.Version).DefaultIfEmpty(0).Max();
                    if (target <= 0 || store.Find(target) is null)
                    {
                        problem = HeadOfficeReply.Failed(request.Version is null
                            ? $"version: no version before {inForce.Version} is stored; nothing changed"
                            : $"version: version {target} is not stored (stored: {string.Join(", ", store.Versions.Select(v => v.Version))}); nothing changed",
                            new JsonObject { ["field"] = "version" });
                        return null;
                    }

                    string? text = store.ReadText(target);
                    if (text is null)
                    {
                        problem = HeadOfficeReply.Failed($"version: the stored text of version {target} is missing or damaged (see the branch's log); nothing changed", new JsonObject { ["field"] = "version" });
                    }

                    return text;
                }

            default:
                {
                    string baseText = store.Latest is { } latest ? store.ReadText(latest.Version) ?? versions.FileText : versions.FileText;
                    return CalendarSection.Replace(baseText, request.CalendarJson!);
                }
        }
    }

    private static string? RequestIdentity(RequestKey key) => key.IsNone ? null : key.Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(715, LogLevel.Warning, "Configuration version {Version} ({Source}, {Command}) accepted: applied {Applied}")]
        public static partial void Applied(ILogger logger, long version, string source, string applied, string command);

        [LoggerMessage(716, LogLevel.Error, "Configuration: a refused change could not be undone completely ({Problem}); check the profile file and {{data}}/config")]
        public static partial void UndoFailed(ILogger logger, string problem);

        [LoggerMessage(717, LogLevel.Warning, "Configuration: the index could not record what version {Version} applied ({Problem})")]
        public static partial void IndexNotUpdated(ILogger logger, long version, string problem);

        [LoggerMessage(719, LogLevel.Warning,
            "Configuration: request {RequestKey} was decided at event {Sequence} (version {Version}) but the store does not remember it; answered from the log, not carried out again")]
        public static partial void RepeatFromLog(ILogger logger, string requestKey, long sequence, long version);

        [LoggerMessage(718, LogLevel.Warning, "Configuration: the profile file {Profile} could not be read before rewriting it ({Problem})")]
        public static partial void ProfileUnreadable(ILogger logger, string profile, string problem);
    }

    /// <summary>Replaces a profile's top-level <c>calendar:</c> section in its text, keeping everything else as written.</summary>
    internal static class CalendarSection
    {
        /// <summary>JSON text on one line, Chinese and other text as written (not escaped).</summary>
        /// <exception cref="JsonException">The text is not JSON.</exception>
        private static string Compact(string json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        /// <summary>
        /// The profile text with its top-level <c>calendar</c> replaced by <paramref name="calendarJson"/>: in a YAML
        /// profile the section's lines (up to the next top-level key; comments just before that key stay) become one
        /// <c>calendar: {...}</c> line (JSON is YAML's flow style), or that line is appended; in a JSON profile the
        /// property is set.
        /// </summary>
        public static string Replace(string profile, string calendarJson)
        {
            string compact = Compact(calendarJson);
            if (profile.TrimStart().StartsWith('{'))
            {
                try
                {
                    if (JsonNode.Parse(profile) is JsonObject json)
                    {
                        json["calendar"] = JsonNode.Parse(compact);
                        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
                    }
                }
                catch (JsonException)
                {
                    // YAML in flow style that is not strict JSON: treated as text below.
                }
            }

            string newline = profile.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
            string[] lines = profile.Split('\n');
            int start = Array.FindIndex(lines, l => l.StartsWith("calendar:", StringComparison.Ordinal) || l.StartsWith("\"calendar\":", StringComparison.Ordinal));
            string line = $"calendar: {compact}";
            if (start < 0)
            {
                string body = profile.EndsWith('\n') ? profile : profile + newline;
                return body + line + newline;
            }

            int end = start + 1;
            while (end < lines.Length && !IsTopLevelKey(lines[end]))
            {
                end++;
            }

            // Comments and blank lines right before the next section belong to it.
            while (end - 1 > start && lines[end - 1].TrimEnd('\r') is var l && (l.Length == 0 || l.StartsWith('#')))
            {
                end--;
            }

            string carriage = lines[start].EndsWith('\r') ? "\r" : "";
            var kept = new List<string>(lines.Length);
            kept.AddRange(lines[..start]);
            kept.Add(line + carriage);
            kept.AddRange(lines[end..]);
            return string.Join('\n', kept);
        }

        private static bool IsTopLevelKey(string line) => line.Length > 0 && line[0] is not (' ' or '\t' or '#' or '\r' or '-');
    }
}
