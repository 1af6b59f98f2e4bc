using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket): open a page, evaluate script in
/// it, take a screenshot. Started with the flags this closed network needs (no background networking).
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly string _profile;
    private Task? _receiving;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Where screenshots are kept as test artifacts: <c>$LOBBYEDGE_ARTIFACTS</c>, else <c>screenshots/</c> beside the tests.</summary>
    public static string Artifacts { get; } = Environment.GetEnvironmentVariable("LOBBYEDGE_ARTIFACTS") is { Length: > 0 } a
        ? a
        : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static string Executable => File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : "chromium";

    public static async Task<HeadlessChromium> StartAsync()
    {
        string profile = Directory.CreateTempSubdirectory("lobby-chromium-").FullName;
        var start = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic", "--remote-debugging-port=0", $"--user-data-dir={profile}",
            "--window-size=1920,1080", "about:blank",
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process, profile);
        _ = process.StandardOutput.ReadToEndAsync();
        string? url = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (url is null && await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            const string Marker = "DevTools listening on ";
            int at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                url = line[(at + Marker.Length)..].Trim();
            }
        }

        if (url is null)
        {
            await browser.DisposeAsync();
            throw new InvalidOperationException("chromium did not open its DevTools port");
        }

        // Keep draining stderr so Chromium never blocks on a full pipe.
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await browser._socket.ConnectAsync(new Uri(url), timeout.Token);
        browser._receiving = Task.Run(browser.ReceiveAsync);
        return browser;
    }

    /// <summary>Opens a page in a new tab of the given size; returns the session to talk to it.</summary>
    public async Task<string> OpenAsync(Uri url, int width = 1920, int height = 1080)
    {
        JsonElement target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        string targetId = target.GetProperty("targetId").GetString()!;
        JsonElement attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true });
        string session = attached.GetProperty("sessionId").GetString()!;
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, session);
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, session);
        return session;
    }

    /// <summary>Evaluates a script expression in the page and returns its value as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string session, string expression)
    {
        JsonElement r = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, session);
        if (r.TryGetProperty("exceptionDetails", out JsonElement error))
        {
            throw new InvalidOperationException($"page script failed: {error}");
        }

        return r.GetProperty("result").TryGetProperty("value", out JsonElement value) ? value.Clone() : default;
    }

    /// <summary>Waits until <paramref name="expression"/> is truthy in the page; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForAsync(string session, string expression, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < patience)
        {
            try
            {
                JsonElement v = await EvaluateAsync(session, $"!!({expression})");
                if (v.ValueKind == JsonValueKind.True)
                {
                    return clock.Elapsed;
                }
            }
            catch (InvalidOperationException)
            {
                // The page is still loading.
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"'{expression}' did not become true within {patience}");
    }

    /// <summary>
    /// A press as a finger or a mouse makes it: the left button down at (<paramref name="x"/>, <paramref name="y"/>) CSS
    /// pixels, held for <paramref name="hold"/>, then up at the same place (real input events, not a script's click()).
    /// </summary>
    public async Task PressAsync(string session, double x, double y, TimeSpan hold)
    {
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseMoved", ["x"] = x, ["y"] = y }, session);
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mousePressed", ["x"] = x, ["y"] = y, ["button"] = "left", ["buttons"] = 1, ["clickCount"] = 1 }, session);
        await Task.Delay(hold);
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseReleased", ["x"] = x, ["y"] = y, ["button"] = "left", ["buttons"] = 0, ["clickCount"] = 1 }, session);
    }

    public async Task ScreenshotAsync(string session, string path)
    {
        JsonElement shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, session);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _socket.Dispose();
        if (_receiving is not null)
        {
            await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject parameters, string? session = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session is not null)
        {
            message["sessionId"] = session;
        }

        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (_socket.State == WebSocketState.Open)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
            }
            catch (WebSocketException)
            {
                return;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            using JsonDocument doc = JsonDocument.Parse(message.ToArray());
            message.SetLength(0);
            if (doc.RootElement.TryGetProperty("id", out JsonElement idElement) && _pending.TryRemove(idElement.GetInt32(), out TaskCompletionSource<JsonElement>? reply))
            {
                if (doc.RootElement.TryGetProperty("error", out JsonElement error))
                {
                    reply.SetException(new InvalidOperationException(error.ToString()));
                }
                else
                {
                    reply.SetResult(doc.RootElement.GetProperty("result").Clone());
                }
            }
        }
    }
}
