using System.Text.Json;
using System.Text.Json.Serialization;
using LobbyEdge.Service.Configuration;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// The service's JSON contract outside the lobby pages, generated at build time (no reflection, so the Native AOT
/// binary writes and reads it like the JIT build): the HTTP error answer and the configuration store's index.
/// <see cref="Default"/> has the web defaults ASP.NET Core's <c>Results.Json</c> used (camelCase names, the default
/// encoder); <see cref="Store"/> has the options of <c>{data}/config/index.json</c>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonError))]
[JsonSerializable(typeof(List<StoredVersion>))]
public sealed partial class ServiceJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The options of the configuration store's <c>index.json</c>: camelCase names, nulls left out, indented,
    /// the default encoder; read case-sensitively.
    /// </summary>
    public static ServiceJsonContext Store { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    });
}

/// <summary>An error answer of the HTTP endpoints: <c>{"ok":false,"error":"..."}</c>.</summary>
/// <param name="Ok">Always false.</param>
/// <param name="Error">What is wrong, in English.</param>
public sealed record JsonError(bool Ok, string Error);
