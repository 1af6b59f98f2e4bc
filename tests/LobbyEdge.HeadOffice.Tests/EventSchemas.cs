using System.Text.Json;
using Json.Schema;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// The events' JSON Schemas as kept in the repository (<c>schemas/events</c>, copied next to the tests): the
/// envelope (<c>cloudevent.schema.json</c>) and one per type, which refers to the envelope by its <c>$id</c>.
/// </summary>
internal sealed class EventSchemas
{
    private static readonly Lazy<EventSchemas> s_loaded = new(() => new EventSchemas(Path.Combine(AppContext.BaseDirectory, "schemas", "events")));

    private readonly Dictionary<string, JsonSchema> _byType = new(StringComparer.Ordinal);

    private EventSchemas(string directory)
    {
        Directory = directory;
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        Envelope = JsonSchema.FromFile(Path.Combine(directory, EnvelopeFile), build);
        foreach (string file in System.IO.Directory.GetFiles(directory, "lobby.*.schema.json"))
        {
            string type = Path.GetFileName(file)[..^".schema.json".Length];
            _byType[type] = JsonSchema.FromFile(file, build);
        }
    }

    /// <summary>The file of the envelope's schema.</summary>
    public const string EnvelopeFile = "cloudevent.schema.json";

    public static EventSchemas Loaded => s_loaded.Value;

    /// <summary>Where the schema files are.</summary>
    public string Directory { get; }

    public JsonSchema Envelope { get; }

    /// <summary>The types that have a schema file.</summary>
    public IReadOnlyCollection<string> Types => _byType.Keys;

    /// <summary>The schema file of a type (whether or not it exists).</summary>
    public string FileOf(string type) => Path.Combine(Directory, type + ".schema.json");

    /// <summary>The file of an event kind's type.</summary>
    public string FileOf(EventKind kind) => FileOf(EventJson.TypeOf(kind));

    /// <summary>
    /// Validates one CloudEvent against the schema of its <c>type</c> (which includes the envelope's). Returns the
    /// problems, each with the place in the document and the schema keyword that failed; empty when valid.
    /// </summary>
    public IReadOnlyList<string> Problems(JsonElement cloudEvent)
    {
        string? type = cloudEvent.TryGetProperty("type", out JsonElement t) ? t.GetString() : null;
        if (type is null || !_byType.TryGetValue(type, out JsonSchema? schema))
        {
            return [$"no schema for type '{type}'"];
        }

        EvaluationResults results = schema.Evaluate(cloudEvent, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        foreach (EvaluationResults detail in results.Details ?? [])
        {
            if (detail.Errors is { } errors)
            {
                problems.AddRange(errors.Select(e => $"{type} at '{detail.InstanceLocation}' ({detail.EvaluationPath} {e.Key}): {e.Value}"));
            }
        }

        return problems.Count > 0 ? problems : [$"{type}: not valid"];
    }

    /// <summary>Asserts that <paramref name="cloudEvent"/> is valid against its type's schema, naming every problem.</summary>
    public void AssertValid(JsonElement cloudEvent)
    {
        IReadOnlyList<string> problems = Problems(cloudEvent);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine + cloudEvent.GetRawText());
    }
}
