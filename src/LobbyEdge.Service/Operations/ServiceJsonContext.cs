using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// The HTTP error answer's JSON contract, generated at build time (no reflection, so the Native AOT binary writes it
/// like the JIT build). <see cref="Http"/> has the options ASP.NET Core's <c>Results.Json</c> used for it before:
/// the web defaults (camelCase names) with the relaxed encoder of the HTTP JSON options, so text such as
/// <c>unknown field 'x'</c> or Chinese is written as it is, not as <c>\uXXXX</c>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonError))]
[JsonSerializable(typeof(MethodNotAllowed))]
[JsonSerializable(typeof(HttpRefusal))]
public sealed partial class ServiceJsonContext : JsonSerializerContext
{
    /// <summary>The HTTP answers' options: web defaults with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>.</summary>
    public static ServiceJsonContext Http { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>An error answer of the HTTP endpoints: <c>{"ok":false,"error":"..."}</c>.</summary>
/// <param name="Ok">Always false.</param>
/// <param name="Error">What is wrong, in English.</param>
public sealed record JsonError(bool Ok, string Error);

/// <summary>A path that does not take the method (405): <c>{"ok":false,"reason","allow":[…],"messageZh","message"}</c>.</summary>
/// <param name="Ok">Always false.</param>
/// <param name="Reason"><c>method_not_allowed</c>.</param>
/// <param name="Allow">The methods the path takes (as the <c>Allow</c> header).</param>
/// <param name="MessageZh">What to use, in Chinese.</param>
/// <param name="Message">What to use, in English.</param>
public sealed record MethodNotAllowed(bool Ok, string Reason, string[] Allow, string MessageZh, string Message);

/// <summary>
/// A request refused before any endpoint saw it: nothing at the path (404, <c>not_found</c>) or a method this server
/// does not implement (501, <c>method_not_implemented</c>): <c>{"ok":false,"reason","messageZh","message"}</c>.
/// </summary>
/// <param name="Ok">Always false.</param>
/// <param name="Reason"><c>not_found</c> or <c>method_not_implemented</c>.</param>
/// <param name="MessageZh">What was refused, in Chinese.</param>
/// <param name="Message">What was refused, in English.</param>
public sealed record HttpRefusal(bool Ok, string Reason, string MessageZh, string Message);
