using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Reads the JSON object body of a POST for every endpoint that takes one, so a malformed request gets
/// 400 Bad Request with <c>{"ok":false,"error":"..."}</c> saying what is wrong, never a 500: a content type other
/// than <c>application/json</c>, bytes that are not UTF-8, text that is not JSON, JSON that is not an object, a
/// field missing, of the wrong kind, or not known. A body over <see cref="MaxBytes"/> is 413 Content Too Large in
/// the same shape. A UTF-8 byte order mark before the JSON (as some editors save a file for <c>curl -d @file</c>)
/// is skipped.
/// </summary>
public static class JsonRequest
{
    /// <summary>The largest body taken, in bytes: a lobby request is a few dozen bytes.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The answer to a malformed request: 400 with <c>{"ok":false,"error":"..."}</c> (source-generated JSON).</summary>
    public static IResult BadRequest(string error) => Error(error, StatusCodes.Status400BadRequest);

    /// <summary>The answer to a body over <see cref="MaxBytes"/>: 413 with <c>{"ok":false,"error":"..."}</c>.</summary>
    public static IResult TooLarge(string error) => Error(error, StatusCodes.Status413PayloadTooLarge);

    /// <summary>An error answer <c>{"ok":false,"error":"..."}</c> with <paramref name="statusCode"/> (source-generated JSON).</summary>
    public static IResult Error(string error, int statusCode) =>
        Results.Json(new JsonError(false, error), ServiceJsonContext.Http.JsonError, statusCode: statusCode);

    /// <summary>
    /// Reads the body as one JSON object whose members are all in <paramref name="fields"/>. Returns the document
    /// (the caller disposes it) or, when the body is malformed, null and the 400 answer as <c>Error</c>.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="fields">The names the object may have (ordinal).</param>
    public static async Task<(JsonDocument? Body, IResult? Error)> ReadObjectAsync(HttpContext context, params string[] fields)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(fields);
        HttpRequest request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type)
            || !string.Equals(type.MediaType, "application/json", StringComparison.OrdinalIgnoreCase)
            || (type.CharSet is { } charset && !string.Equals(charset.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, BadRequest($"the body must be JSON: Content-Type application/json (UTF-8), not '{request.ContentType}'"));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge($"the body is {request.ContentLength} bytes; at most {MaxBytes} are taken"));
        }

        byte[] buffer = new byte[MaxBytes + 1];
        int length = 0;
        try
        {
            int read;
            while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits say which: 413 for a body over its size limit, 400 for broken framing.
            return (null, Error($"the body could not be read: {e.Message}", e.StatusCode == StatusCodes.Status413PayloadTooLarge ? e.StatusCode : StatusCodes.Status400BadRequest));
        }

        if (length > MaxBytes)
        {
            return (null, TooLarge($"the body is over {MaxBytes} bytes"));
        }

        // A byte order mark is not JSON (RFC 8259 lets a parser ignore it), but editors write one: skip it.
        ReadOnlyMemory<byte> bytes = buffer.AsMemory(0, length);
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        if (!Utf8.IsValid(bytes.Span))
        {
            return (null, BadRequest("the body is not valid UTF-8"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            return (null, BadRequest($"the body is not JSON: {e.Message}"));
        }

        JsonElement root = document.RootElement;
        string? problem = root.ValueKind != JsonValueKind.Object ? $"the body must be a JSON object, not {Kind(root.ValueKind)}" : UnreadableText(root);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (problem is null)
        {
            foreach (JsonProperty member in root.EnumerateObject())
            {
                if (Array.IndexOf(fields, member.Name) < 0)
                {
                    problem = $"unknown field '{member.Name}'; the fields are {string.Join(", ", fields)}";
                    break;
                }

                if (!seen.Add(member.Name))
                {
                    problem = $"field '{member.Name}' is given twice";
                    break;
                }
            }
        }

        if (problem is not null)
        {
            document.Dispose();
            return (null, BadRequest(problem));
        }

        return (document, null);
    }

    /// <summary>A required string field, or the 400 answer.</summary>
    public static IResult? RequiredString(JsonElement body, string field, out string value)
    {
        value = "";
        if (!body.TryGetProperty(field, out JsonElement element))
        {
            return BadRequest($"field '{field}' is missing");
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return BadRequest($"field '{field}' must be a string, not {Kind(element.ValueKind)}");
        }

        value = element.GetString()!;
        return null;
    }

    /// <summary>An optional boolean field (false when absent), or the 400 answer.</summary>
    public static IResult? OptionalBoolean(JsonElement body, string field, out bool value)
    {
        value = false;
        if (!body.TryGetProperty(field, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return BadRequest($"field '{field}' must be true or false, not {Kind(element.ValueKind)}");
        }

        value = element.ValueKind == JsonValueKind.True;
        return null;
    }

    /// <summary>
    /// Why a name or string in <paramref name="element"/> cannot be read as text (an escape such as <c>\ud800</c>
    /// that is half a UTF-16 pair is valid JSON but no text), or null when all can. Checked once here, so no
    /// endpoint meets it later as an exception.
    /// </summary>
    private static string? UnreadableText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty member in element.EnumerateObject())
                    {
                        _ = member.Name;
                        if (UnreadableText(member.Value) is { } inner)
                        {
                            return inner;
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        if (UnreadableText(item) is { } inner)
                        {
                            return inner;
                        }
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                default:
                    break;
            }
        }
        catch (InvalidOperationException)
        {
            return "the body holds a string that is not text (a lone UTF-16 surrogate escape such as \\ud800)";
        }

        return null;
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
