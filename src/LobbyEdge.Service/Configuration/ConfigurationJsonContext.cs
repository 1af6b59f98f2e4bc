using System.Text.Json;
using System.Text.Json.Serialization;

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// The JSON contract of the configuration store's <c>{data}/config/index.json</c>, generated at build time (no
/// reflection, so the Native AOT binary reads and writes it like the JIT build). <see cref="Store"/> has the options
/// the index always had: camelCase names, nulls left out, indented, the default encoder; read case-sensitively.
/// </summary>
[JsonSerializable(typeof(List<StoredVersion>))]
public sealed partial class ConfigurationJsonContext : JsonSerializerContext
{
    /// <summary>The index's options.</summary>
    public static ConfigurationJsonContext Store { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    });
}
