using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LobbyEdge.Service.Operations;

namespace LobbyEdge.Service.Tests;

/// <summary>Issue 17: the generated JSON contract writes what the reflection-based serializer wrote before.</summary>
public sealed class ServiceJsonContextTests
{
    [Theory]
    [InlineData("the body is not JSON: 'x' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.")]
    [InlineData("field 'service' must be a string, not a number")]
    [InlineData("请先登录 <script>&\"'\\ \u0001 \ud83d\ude00")]
    public void ErrorAnswer_IsByteForByteWhatResultsJsonWroteForTheAnonymousObject(string error)
    {
        // Results.Json(new { ok = false, error }) serialized with ASP.NET Core's default web options.
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        byte[] before = JsonSerializer.SerializeToUtf8Bytes(new { ok = false, error }, web);

        byte[] now = JsonSerializer.SerializeToUtf8Bytes(new JsonError(false, error), ServiceJsonContext.Default.JsonError);

        Assert.Equal(System.Text.Encoding.UTF8.GetString(before), System.Text.Encoding.UTF8.GetString(now));
        Assert.Equal(before, now);
    }
}
