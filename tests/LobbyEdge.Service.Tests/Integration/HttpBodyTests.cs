using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>Issue 10, item 10: every malformed body on every endpoint that takes one gets 400 with a JSON error, on the real process.</summary>
[Trait("Category", "Integration")]
public sealed class HttpBodyTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-bodies-");

    /// <summary>The endpoints that take a body, each with a body it accepts (the control).</summary>
    private static readonly (string Path, string Good)[] s_endpoints =
    [
        ("/kiosk/tickets", """{"service":"cash","priority":false}"""),
        ("/rate/1", """{"ticket":0,"score":3,"reasons":["waiting"]}"""),
    ];

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>Malformed bodies: (what, content type or null for none, the bytes).</summary>
    private static IEnumerable<(string What, string? ContentType, byte[] Body)> Malformed(string good)
    {
        const string Json = "application/json";
        foreach (string text in new[] { "[1,2]", "42", "\"cash\"", "null", "true", "", " ", "{", "{\"service\":", "{'service':'cash'}", "{\"service\":\"cash\"}}" })
        {
            yield return ($"not a JSON object: {text}", Json, Encoding.UTF8.GetBytes(text));
        }

        // Wrong field types and missing fields.
        foreach (string text in new[]
        {
            "{}", "{\"priority\":true}", "{\"service\":1}", "{\"service\":null}", "{\"service\":[\"cash\"]}", "{\"service\":{\"id\":\"cash\"}}",
            "{\"service\":\"cash\",\"priority\":\"yes\"}", "{\"service\":\"cash\",\"priority\":1}", "{\"service\":\"cash\",\"servce\":\"cash\"}",
            "{\"service\":\"cash\",\"service\":\"noncash\"}",

            // Valid JSON that is no text: escapes of half a UTF-16 surrogate pair, in a value, a name, a nested value.
            "{\"service\":\"\\ud800\"}", "{\"service\":\"\\udc00\"}", "{\"\\ud800\":\"x\"}", "{\"service\":\"cash\",\"priority\":false,\"x\\udfff\":1}",
        })
        {
            yield return ($"fields: {text}", Json, Encoding.UTF8.GetBytes(text));
        }

        yield return ("invalid UTF-8", Json, [.. "{\"service\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8]);
        yield return ("UTF-16", "application/json; charset=utf-16", Encoding.Unicode.GetBytes(good));
        yield return ("text/plain", "text/plain", Encoding.UTF8.GetBytes(good));
        yield return ("form", "application/x-www-form-urlencoded", "service=cash"u8.ToArray());
        yield return ("no content type", null, Encoding.UTF8.GetBytes(good));
        yield return ("huge", Json, Encoding.UTF8.GetBytes("{\"service\":\"" + new string('x', 1 << 20) + "\"}"));
        yield return ("deep", Json, Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100)));
    }

    [Fact]
    public async Task MalformedBodies_OnEveryEndpoint_Get400WithAJsonError()
    {
        int port = ServiceProcess.FreePort();
        // The kiosk's rate limit counts every request, malformed ones too; this test is about the bodies, so it
        // raises the limit above the table's size (the limit's own tests: KioskGateProcessTests).
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "1", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:RatingBurst=1000");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

        var failures = new List<string>();
        int tried = 0;
        foreach ((string path, string good) in s_endpoints)
        {
            foreach ((string what, string? type, byte[] body) in Malformed(good))
            {
                tried++;
                using var content = new ByteArrayContent(body);
                if (type is not null)
                {
                    content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
                }

                using HttpResponseMessage response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
                string answer = await response.Content.ReadAsStringAsync();
                output.WriteLine($"{path} {what}: {(int)response.StatusCode} {answer[..Math.Min(answer.Length, 160)]}");
                if (response.StatusCode != HttpStatusCode.BadRequest || !IsJsonError(answer))
                {
                    failures.Add($"{path} {what}: {(int)response.StatusCode} '{answer}'");
                }
            }

            // The same huge body without a length (chunked): read up to the limit, then refused.
            using (var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"service\":\"" + new string('y', 1 << 20) + "\"}"))))
            {
                chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = chunked };
                request.Headers.TransferEncodingChunked = true;
                using HttpResponseMessage response = await http.SendAsync(request);
                tried++;
                if (response.StatusCode != HttpStatusCode.BadRequest || !IsJsonError(await response.Content.ReadAsStringAsync()))
                {
                    failures.Add($"{path} huge chunked: {(int)response.StatusCode}");
                }
            }

            // The control: a well-formed body is not a 400 (it is a ticket, or a refusal that is not the body's fault).
            using var ok = new StringContent(good, Encoding.UTF8, "application/json");
            using HttpResponseMessage control = await http.PostAsync(new Uri(path, UriKind.Relative), ok);
            string said = await control.Content.ReadAsStringAsync();
            output.WriteLine($"{path} control: {(int)control.StatusCode} {said}");
            Assert.NotEqual(HttpStatusCode.BadRequest, control.StatusCode);
            Assert.True(control.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"control answered {(int)control.StatusCode}: {said}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} malformed bodies not answered 400 with a JSON error:\n{string.Join("\n", failures)}");
        Assert.False(service.HasExited);
    }

    private static bool IsJsonError(string answer)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(answer);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("ok", out JsonElement ok) && ok.ValueKind == JsonValueKind.False
                && json.RootElement.TryGetProperty("error", out JsonElement error) && error.GetString() is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
