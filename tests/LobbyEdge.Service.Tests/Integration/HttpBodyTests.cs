using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 10: every malformed body on every endpoint that takes one gets 400 with a JSON error (413 for one
/// over the size limit), on the real process; a UTF-8 byte order mark before the JSON is taken; a method a path does
/// not take gets 405 with <c>Allow</c> and a JSON body naming the method.
/// </summary>
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
        // The kiosk's rate limit counts every request, malformed ones too; this test is about the bodies, so it
        // raises the limit above the table's size (the limit's own tests: KioskGateProcessTests).
        (ServiceProcess started, int port) = await StartDemoAsync("--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:RatingBurst=1000");
        await using ServiceProcess service = started;
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

                // Over the size limit is 413 Content Too Large (it used to be a 400, which says the content is wrong).
                HttpStatusCode expected = what == "huge" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest;
                if (response.StatusCode != expected || !IsJsonError(answer))
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
                if (response.StatusCode != HttpStatusCode.RequestEntityTooLarge || !IsJsonError(await response.Content.ReadAsStringAsync()))
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

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} malformed bodies not answered 400 (413) with a JSON error:\n{string.Join("\n", failures)}");
        Assert.False(service.HasExited);
    }

    /// <summary>
    /// Every JSON POST endpoint of the service (kiosk, rating, console sign-in and actions, advice): a body that starts
    /// with a UTF-8 byte order mark (as an editor saves a file for <c>curl -d @file</c>) is read as the JSON after it,
    /// and a body over the limit is 413 with a JSON error, on the real process.
    /// </summary>
    [Fact]
    public async Task ByteOrderMarkBodies_AreTaken_AndOversizedBodies_Get413_OnEveryJsonEndpoint()
    {
        (ServiceProcess started, int port) = await StartDemoAsync("--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:RatingBurst=1000");
        await using ServiceProcess service = started;
#pragma warning disable CA2000 // the client owns the handler
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
#pragma warning restore CA2000
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

        // Signed in first (with a BOM body), so the console's actions read their bodies rather than answer 401.
        (HttpStatusCode signedIn, string said) = await PostAsync(http, "/lobby/api/signin", [.. "\uFEFF"u8, .. """{"staff":8001,"pin":"2468"}"""u8]);
        Assert.True(signedIn == HttpStatusCode.OK, said);

        // Each endpoint with a body it reads; the answer to its content (a ticket, a refusal) does not matter, only
        // that the body was read as JSON.
        (string Path, string Body)[] endpoints =
        [
            ("/kiosk/tickets", """{"service":"cash"}"""),
            ("/kiosk/self-service", """{"service":"cash"}"""),
            ("/rate/1", """{"ticket":0,"score":3}"""),
            ("/lobby/api/care", """{"ticket":"Z999"}"""),
            ("/lobby/api/recover", """{"number":"Z999"}"""),
            ("/lobby/api/divert", """{"ticket":"Z999","service":"cash"}"""),
            ("/lobby/api/tier", """{"ticket":"Z999","tier":"vip"}"""),
            ("/lobby/api/reprint", """{"ticket":"Z999"}"""),
            ("/lobby/api/cancel", """{"ticket":"Z999"}"""),
            ("/lobby/api/advice/accept", """{"advice":999}"""),
            ("/lobby/api/advice/dismiss", """{"advice":999}"""),
        ];
        var failures = new List<string>();
        foreach ((string path, string body) in endpoints)
        {
            (HttpStatusCode plain, string plainAnswer) = await PostAsync(http, path, Encoding.UTF8.GetBytes(body));
            (HttpStatusCode bom, string bomAnswer) = await PostAsync(http, path, [.. "\uFEFF"u8, .. Encoding.UTF8.GetBytes(body)]);
            (HttpStatusCode huge, string hugeAnswer) = await PostAsync(http, path, Encoding.UTF8.GetBytes(body.Replace("}", ",\"x\":\"" + new string('x', 8192) + "\"}", StringComparison.Ordinal)));
            output.WriteLine($"{path}: plain {(int)plain}, with BOM {(int)bom} {bomAnswer[..Math.Min(bomAnswer.Length, 120)]}, huge {(int)huge} {hugeAnswer}");
            if (plain == HttpStatusCode.BadRequest || bom == HttpStatusCode.BadRequest)
            {
                failures.Add($"{path}: plain {(int)plain} {plainAnswer} / with BOM {(int)bom} {bomAnswer}");
            }

            if (huge != HttpStatusCode.RequestEntityTooLarge || !IsJsonError(hugeAnswer))
            {
                failures.Add($"{path} huge: {(int)huge} {hugeAnswer}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.False(service.HasExited);
    }

    /// <summary>
    /// A method a path does not take, on every part of the service (operations, kiosk, signage, rating, console):
    /// 405 with the <c>Allow</c> header and <c>{"ok":false,"reason":"method_not_allowed","allow":[…],"message"}</c>
    /// saying which to use. Routing's own 405 used to have an empty body.
    /// </summary>
    [Fact]
    public async Task WrongMethod_OnEveryPart_Gets405_WithAllow_AndABodyNamingTheMethod()
    {
        (ServiceProcess started, int port) = await StartDemoAsync();
        await using ServiceProcess service = started;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        (string Method, string Path, string Allowed)[] wrong =
        [
            ("GET", "/kiosk/tickets", "POST"),
            ("GET", "/kiosk/self-service", "POST"),
            ("DELETE", "/kiosk/tickets", "POST"),
            ("POST", "/kiosk", "GET"),
            ("POST", "/signage", "GET"),
            ("POST", "/metrics", "GET"),
            ("PUT", "/api/state", "GET"),
            ("POST", "/healthz", "GET"),
            ("PUT", "/rate/1", "GET"),
            ("GET", "/lobby/api/advice/accept", "POST"),
        ];
        var failures = new List<string>();
        foreach ((string method, string path, string allowed) in wrong)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            using HttpResponseMessage response = await http.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            string allow = string.Join(", ", response.Content.Headers.Allow);
            output.WriteLine($"{method} {path}: {(int)response.StatusCode} Allow: {allow} {body}");
            bool named = false;
            try
            {
                using JsonDocument json = JsonDocument.Parse(body);
                JsonElement root = json.RootElement;
                named = root.GetProperty("reason").GetString() == "method_not_allowed"
                    && root.GetProperty("allow").EnumerateArray().Any(a => a.GetString() == allowed)
                    && root.GetProperty("message").GetString()!.Contains(allowed, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                named = false;
            }

            if (response.StatusCode != HttpStatusCode.MethodNotAllowed || !response.Content.Headers.Allow.Contains(allowed) || !named)
            {
                failures.Add($"{method} {path}: {(int)response.StatusCode} Allow '{allow}' '{body}'");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// HEAD on a page or GET endpoint answers as GET without a body (RFC 9110, 9.3.2), not 405; a feed, which as a GET
    /// never ends, keeps 405; a path with nothing there gets a JSON 404 naming it, on every method, not an empty body.
    /// </summary>
    [Fact]
    public async Task Head_IsAnsweredAsGetWithoutABody_AndNothingThereGetsAJson404()
    {
        (ServiceProcess started, int port) = await StartDemoAsync();
        await using ServiceProcess service = started;
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var failures = new List<string>();
        foreach ((string path, HttpStatusCode expected, string type) in new (string, HttpStatusCode, string)[]
        {
            ("/healthz", HttpStatusCode.OK, "text/plain"),
            ("/readyz", HttpStatusCode.OK, "text/plain"),
            ("/metrics", HttpStatusCode.OK, "text/plain"),
            ("/api/state", HttpStatusCode.OK, "application/json"),
            ("/kiosk", HttpStatusCode.OK, "text/html"),
            ("/signage", HttpStatusCode.OK, "text/html"),
            ("/lobby", HttpStatusCode.Redirect, ""),
            ("/lobby/api/state", HttpStatusCode.Unauthorized, "application/json"),
            ("/signage/events", HttpStatusCode.MethodNotAllowed, "application/json"),
            ("/signage/events/", HttpStatusCode.MethodNotAllowed, "application/json"),
            ("/SIGNAGE/EVENTS", HttpStatusCode.MethodNotAllowed, "application/json"),
            ("/rate/1/events/", HttpStatusCode.MethodNotAllowed, "application/json"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, path);
            using HttpResponseMessage response = await http.SendAsync(request);
            byte[] body = await response.Content.ReadAsByteArrayAsync();
            string media = response.Content.Headers.ContentType?.MediaType ?? "";
            output.WriteLine($"HEAD {path}: {(int)response.StatusCode} {media} {body.Length} B");
            if (response.StatusCode != expected || body.Length != 0 || !media.StartsWith(type, StringComparison.Ordinal))
            {
                failures.Add($"HEAD {path}: {(int)response.StatusCode} '{media}' {body.Length} B (expected {(int)expected} '{type}', no body)");
            }
        }

        foreach ((HttpMethod method, string path) in new[] { (HttpMethod.Get, "/nonexistent"), (HttpMethod.Post, "/no/such/thing"), (HttpMethod.Get, "/lobby/nothing") })
        {
            using var request = new HttpRequestMessage(method, path);
            using HttpResponseMessage response = await http.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{method} {path}: {(int)response.StatusCode} {body}");
            bool named = false;
            try
            {
                using JsonDocument json = JsonDocument.Parse(body);
                named = json.RootElement.GetProperty("reason").GetString() == "not_found"
                    && json.RootElement.GetProperty("message").GetString()!.Contains(path, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                named = false;
            }

            if (response.StatusCode != HttpStatusCode.NotFound || !named)
            {
                failures.Add($"{method} {path}: {(int)response.StatusCode} '{body}'");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.False(service.HasExited);
    }

    /// <summary>
    /// Method names are case-sensitive (RFC 9110, 9.1): <c>get</c> or <c>post</c> is not routed as GET or POST (a
    /// lower-case <c>post</c> took a ticket) but answered 501 in JSON, as is a method nobody implements; an answer
    /// naming a path never echoes a long or crafted one back whole.
    /// </summary>
    [Fact]
    public async Task UnknownOrLowerCaseMethods_Get501_AndAnswersNeverEchoALongPath()
    {
        (ServiceProcess started, int port) = await StartDemoAsync();
        await using ServiceProcess service = started;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var failures = new List<string>();
        foreach ((string method, string path) in new[] { ("get", "/healthz"), ("post", "/kiosk/tickets"), ("Get", "/api/state"), ("head", "/metrics"), ("FOO", "/healthz"), ("TRACE", "/") })
        {
            // Raw bytes: HttpClient writes a known method in upper case whatever it is given.
            string body = method == "post" ? """{"service":"cash"}""" : "";
            (int status, string answer) = await RawRequestAsync(port, $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            output.WriteLine($"{method} {path}: {status} {answer}");
            if (status != 501 || !answer.Contains("\"method_not_implemented\"", StringComparison.Ordinal))
            {
                failures.Add($"{method} {path}: {status} '{answer[..Math.Min(answer.Length, 200)]}' (expected 501 method_not_implemented)");
            }
        }

        string longPath = "/" + new string('a', 4000);
        string crafted = "/x%0D%0AInjected:%20header";
        foreach ((HttpMethod method, string path) in new[] { (HttpMethod.Get, longPath), (HttpMethod.Get, crafted), (HttpMethod.Delete, "/healthz/" + new string('b', 3000)), (HttpMethod.Get, "/nope/%E2%80%AE%E2%81%A6abc%E2%80%8B") })
        {
            using var request = new HttpRequestMessage(method, path);
            using HttpResponseMessage response = await http.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{method} {path[..Math.Min(path.Length, 40)]}…: {(int)response.StatusCode} {body.Length} chars");
            string message = "";
            try
            {
                using JsonDocument json = JsonDocument.Parse(body);
                message = json.RootElement.GetProperty("message").GetString() ?? "";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException)
            {
                failures.Add($"{method} {path[..40]}: not JSON: '{body[..Math.Min(body.Length, 200)]}'");
            }

            if (message.Length > 200 || message.Contains('\r') || message.Contains('\n') || message.Contains('\u202E') || message.Contains('\u2066') || message.Contains('\u200B'))
            {
                failures.Add($"{method} {path[..Math.Min(path.Length, 40)]}: the answer echoes the path ({message.Length} chars: '{message[..Math.Min(message.Length, 120)]}')");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.False(service.HasExited);
    }

    /// <summary>Sends <paramref name="request"/> as written over a new connection; returns the status and the body.</summary>
    private static async Task<(int Status, string Body)> RawRequestAsync(int port, string request)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using System.Net.Sockets.NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string statusLine = answer.Split("\r\n")[0];
        int status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        int bodyAt = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, bodyAt < 0 ? "" : answer[(bodyAt + 4)..]);
    }

    /// <summary>The demo branch simulating at speed 1 on a free port, ready; the caller disposes it.</summary>
    private async Task<(ServiceProcess Service, int Port)> StartDemoAsync(params string[] extra)
    {
        int port = ServiceProcess.FreePort();
        ServiceProcess service = ServiceProcess.Start(
            _work.FullName, ["--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "1", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}", .. extra]);
        await service.WaitUntilReadyAsync();
        return (service, port);
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
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
