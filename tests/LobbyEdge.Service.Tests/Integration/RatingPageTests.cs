using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Simulator.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 13, item 3: the rating page <c>/rate/{counter}</c> on the real process. The counter is driven by a caller
/// keypad on a real pty (socat), tickets come from the kiosk endpoint, the page runs in headless Chromium, and what
/// the engine recorded is read back from the event log (<c>lobby-edge inspect</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class RatingPageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_artifacts = HeadlessChromium.Artifacts;

    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-rate-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Page_AsksAfterAFinish_LowScoreReasonsAreRecordedOnTheTicket_TimeoutIsNotRated_SecondSubmitIs409()
    {
        await using RatingBranch branch = await RatingBranch.StartAsync(_work, "--Rating:PromptSeconds=8");
        HttpClient http = branch.Http;
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/rate/1"), 1280, 800);

        // Idle: the branch and the counter, in both languages; nothing asked.
        await chromium.WaitForAsync(page, "document.getElementById('idleCounter').textContent.includes('1 号窗口')", s_patience);
        Assert.Equal("idle", await TextAsync(chromium, page, "document.body.dataset.screen"));
        Assert.Equal("自助网点", await TextAsync(chromium, page, "document.getElementById('branch').textContent"));
        Assert.Contains("Counter 1", await TextAsync(chromium, page, "document.getElementById('counterLine').textContent"), StringComparison.Ordinal);
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "rate-idle.png"));

        // A finish at the counter puts the question on the page, about that visit.
        string first = await branch.FinishAsync();
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'ask'", s_patience);
        Assert.Contains("您有多大可能向亲友推荐我们", await TextAsync(chromium, page, "document.getElementById('ask').textContent"), StringComparison.Ordinal);
        Assert.Contains("How likely are you to recommend us to a friend or colleague?", await TextAsync(chromium, page, "document.getElementById('ask').textContent"), StringComparison.Ordinal);
        Assert.StartsWith(first + " ", await TextAsync(chromium, page, "document.getElementById('visit').textContent"), StringComparison.Ordinal);
        Assert.Equal(11, (await chromium.EvaluateAsync(page, "document.querySelectorAll('#scores button').length")).GetInt32());
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "rate-ask.png"));

        // A 3 (a detractor): the reason chips, in Chinese and English; two chosen, then submitted.
        await TapAsync(chromium, page, "#scores button[data-score='3']");
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'reasons'", TimeSpan.FromSeconds(10));
        Assert.Contains("等待太久", await TextAsync(chromium, page, "document.getElementById('reasons').textContent"), StringComparison.Ordinal);
        await TapAsync(chromium, page, ".chips button[data-reason='waiting']");
        await TapAsync(chromium, page, ".chips button[data-reason='cost']");
        Assert.Equal(2, (await chromium.EvaluateAsync(page, "document.querySelectorAll('.chips button[aria-pressed=true]').length")).GetInt32());
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "rate-reasons.png"));
        await TapAsync(chromium, page, "#submit");
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'thanks' && document.body.dataset.posted === '200'", TimeSpan.FromSeconds(10));
        Assert.Contains("谢谢您的评价", await TextAsync(chromium, page, "document.getElementById('thanks').textContent"), StringComparison.Ordinal);

        // The engine recorded it on the finished ticket, with both reasons, on the NPS scale.
        JsonElement rated = Assert.Single(await branch.RatingsAsync());
        Assert.Equal(first, rated.GetProperty("ticket").GetString());
        Assert.Equal(1, rated.GetProperty("counter").GetInt32());
        Assert.Equal(3, rated.GetProperty("score").GetInt32());
        Assert.Equal("nps11", rated.GetProperty("scale").GetString());
        Assert.True(rated.GetProperty("linked").GetBoolean());
        Assert.Equal(["waiting", "cost"], rated.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray());

        // The same rating again (a second tablet, or a double post): 409 with the engine's refusal, nothing recorded.
        (HttpStatusCode status, JsonElement body) = await PostAsync(http, "/rate/1", new { ticket = await branch.TicketIdAsync(first), score = 9 });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("already_rated", body.GetProperty("reason").GetString());

        // Back to idle after the thanks.
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'idle'", s_patience);

        // A second tablet on the counter that lost its feed still shows the question; the first one is rated, and the
        // second one's tap is refused (409), yet the customer is thanked.
        string second = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/rate/1"), 800, 1280);
        await chromium.WaitForAsync(second, "document.getElementById('idleCounter').textContent.includes('1 号窗口')", s_patience);
        string next = await branch.FinishAsync();
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'ask'", s_patience);
        await chromium.WaitForAsync(second, "document.body.dataset.screen === 'ask'", s_patience);
        await chromium.EvaluateAsync(second, "source.close(), true");
        await TapAsync(chromium, page, "#scores button[data-score='10']");
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'thanks' && document.body.dataset.posted === '200'", TimeSpan.FromSeconds(10));
        Assert.Equal("ask", await TextAsync(chromium, second, "document.body.dataset.screen"));
        await TapAsync(chromium, second, "#scores button[data-score='9']");
        await chromium.WaitForAsync(second, "document.body.dataset.screen === 'thanks' && document.body.dataset.posted === '409'", TimeSpan.FromSeconds(10));
        await chromium.ScreenshotAsync(second, Path.Combine(s_artifacts, "rate-thanks-portrait.png"));
        JsonElement[] ratings = await branch.RatingsAsync();
        Assert.Equal(2, ratings.Length);
        Assert.Equal((next, 10), (ratings[1].GetProperty("ticket").GetString(), ratings[1].GetProperty("score").GetInt32()));

        // Nobody answers: after Rating:PromptSeconds the page is idle again, "not rated", and nothing is recorded.
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'idle'", s_patience);
        string unrated = await branch.FinishAsync();
        await chromium.WaitForAsync(page, "document.body.dataset.screen === 'ask'", s_patience);
        var sinceAsked = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan asked = await chromium.WaitForAsync(page, "document.body.dataset.screen === 'idle'", s_patience);
        output.WriteLine($"{unrated}: the question was up {asked.TotalSeconds:0.0} s after it was seen");
        Assert.InRange(asked.TotalSeconds, 4, 60);
        Assert.Contains("Not rated", await TextAsync(chromium, page, "document.getElementById('note').textContent"), StringComparison.Ordinal);
        Assert.Equal(2, (await branch.RatingsAsync()).Length);

        // And once the page's time and the reason chips' time are both up (8 s each, plus 5 s for a rating on its way),
        // the question is not open any more: a late post is refused, as not prompted, and nothing is recorded.
        TimeSpan rest = TimeSpan.FromSeconds(22) - sinceAsked.Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }

        (status, body) = await PostAsync(http, "/rate/1", new { ticket = await branch.TicketIdAsync(unrated), score = 5 });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("not_prompted", body.GetProperty("reason").GetString());
        Assert.Equal(2, (await branch.RatingsAsync()).Length);
    }

    [Fact]
    public async Task AnswerPostedThreeTimesAfterTheRatingWindow_IsLinkedOnce_ThenAlreadyRated()
    {
        // The rating window (5 s here) is for pads, which cannot say which ticket they rate; the page names its
        // ticket, so an answer after the window is still linked, and posting it again is refused, never counted again.
        const int window = 5;
        await using RatingBranch branch = await RatingBranch.StartAsync(_work, window, "--Rating:PromptSeconds=30");
        HttpClient http = branch.Http;
        using var feedStop = new CancellationTokenSource();
        using HttpResponseMessage feed = await http.GetAsync(new Uri("/rate/1/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, feedStop.Token);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        using var events = new StreamReader(await feed.Content.ReadAsStreamAsync(feedStop.Token));
        async Task<JsonElement> NextAsync(string kind)
        {
            string? line, type = null;
            while ((line = await events.ReadLineAsync(feedStop.Token).AsTask().WaitAsync(s_patience)) is not null)
            {
                type = line.StartsWith("event: ", StringComparison.Ordinal) ? line["event: ".Length..] : line.Length == 0 ? null : type;
                if (type == kind && line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                }
            }

            throw new EndOfStreamException($"the feed ended before a '{kind}' event");
        }

        Assert.Equal(1, (await NextAsync("station")).GetProperty("counter").GetInt32());

        // The page is open, so the finish puts the question on it.
        string number = await branch.FinishAsync();
        var finished = System.Diagnostics.Stopwatch.StartNew();
        JsonElement prompt = await NextAsync("prompt");
        Assert.Equal(number, prompt.GetProperty("number").GetString());
        int ticket = prompt.GetProperty("ticket").GetInt32();
        await feedStop.CancelAsync();

        // Past the window (counted from when the finish was seen, which is after it was recorded), while the
        // question is still open on the page (2 x 30 s + 5 s): the same answer, three times.
        TimeSpan rest = TimeSpan.FromSeconds(window + 1) - finished.Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }

        (HttpStatusCode status, JsonElement body) = await PostAsync(http, "/rate/1", new { ticket, score = 2 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("linked").GetBoolean(), $"the answer after the window is linked: {body}");
        Assert.Equal(number, body.GetProperty("ticket").GetString());
        for (int again = 0; again < 2; again++)
        {
            (status, body) = await PostAsync(http, "/rate/1", new { ticket, score = 2 });
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Equal("already_rated", body.GetProperty("reason").GetString());
        }

        // The log: exactly one rating, linked to the ticket, after the window.
        JsonElement[] log = await branch.EventsAsync();
        JsonElement rated = Assert.Single(log, e => e.GetProperty("type").GetString() == "lobby.ticket.rated");
        Assert.Equal(number, rated.GetProperty("ticket").GetString());
        Assert.True(rated.GetProperty("linked").GetBoolean());
        Assert.Equal(2, rated.GetProperty("score").GetInt32());
        JsonElement completed = Assert.Single(log, e => e.GetProperty("type").GetString() == "lobby.ticket.completed");
        TimeSpan late = rated.GetProperty("time").GetDateTimeOffset() - completed.GetProperty("time").GetDateTimeOffset();
        Assert.True(late > TimeSpan.FromSeconds(window), $"rated {late.TotalSeconds:0.0} s after the finish");
    }

    [Fact]
    public async Task Post_BadRequestsAre400NamingTheField_UnknownCounter404_UnpromptedTicket409()
    {
        await using RatingBranch branch = await RatingBranch.StartAsync(_work);
        HttpClient http = branch.Http;

        foreach ((string json, string field) in new[]
        {
            ("{\"ticket\":0,\"score\":3", "not JSON"),
            ("[1,2]", "JSON object"),
            ("{\"score\":3}", "'ticket'"),
            ("{\"ticket\":\"A001\",\"score\":3}", "'ticket'"),
            ("{\"ticket\":-2,\"score\":3}", "'ticket'"),
            ("{\"ticket\":0}", "'score'"),
            ("{\"ticket\":0,\"score\":11}", "'score'"),
            ("{\"ticket\":0,\"score\":-1}", "'score'"),
            ("{\"ticket\":0,\"score\":3.5}", "'score'"),
            ("{\"ticket\":0,\"score\":\"3\"}", "'score'"),
            ("{\"ticket\":0,\"score\":3,\"reasons\":\"waiting\"}", "'reasons'"),
            ("{\"ticket\":0,\"score\":3,\"reasons\":[\"waiting\",\"rude\"]}", "'reasons'"),
            ("{\"ticket\":0,\"score\":3,\"reasons\":[1]}", "'reasons'"),
            ("{\"ticket\":0,\"score\":3,\"staff\":8001}", "'staff'"),
        })
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using HttpResponseMessage response = await http.PostAsync(new Uri("/rate/1", UriKind.Relative), content);
            string error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
            output.WriteLine($"{json} -> {(int)response.StatusCode} {error}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(field, error, StringComparison.Ordinal);
        }

        using (var text = new StringContent("{\"ticket\":0,\"score\":3}", Encoding.UTF8, "text/plain"))
        using (HttpResponseMessage response = await http.PostAsync(new Uri("/rate/1", UriKind.Relative), text))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // A counter the branch does not have: 404, for the page (a page a person reads), its feed and its post.
        foreach (string counter in new[] { "9", "0", "x", "01x" })
        {
            (HttpStatusCode status, JsonElement body) = await PostAsync(http, $"/rate/{counter}", new { ticket = 0, score = 3 });
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("unknown_counter", body.GetProperty("reason").GetString());
            using HttpResponseMessage pageResponse = await http.GetAsync(new Uri($"/rate/{counter}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, pageResponse.StatusCode);
            Assert.Equal("text/html", pageResponse.Content.Headers.ContentType?.MediaType);
            Assert.Contains("There is no such counter", await pageResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using HttpResponseMessage feed = await http.GetAsync(new Uri($"/rate/{counter}/events", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, feed.StatusCode);
        }

        // A well-formed rating of a ticket the page was never asked about: 409, nothing sent to the engine.
        (HttpStatusCode unasked, JsonElement refusal) = await PostAsync(http, "/rate/1", new { ticket = 0, score = 3, reasons = new[] { "waiting" } });
        Assert.Equal(HttpStatusCode.Conflict, unasked);
        Assert.Equal("not_prompted", refusal.GetProperty("reason").GetString());

        // The page itself: embedded, with the lobby pages' headers (no framing, no external anything).
        using HttpResponseMessage ratePage = await http.GetAsync(new Uri("/rate/1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ratePage.StatusCode);
        string csp = string.Join(";", ratePage.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        string html = await ratePage.Content.ReadAsStringAsync();
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Empty(await branch.RatingsAsync());
    }

    [Fact]
    public async Task Gate_AStrangerOnTheLanGets403_AnEnrolledTabletGetsIn_AndAFloodOfPostsStopsAt429()
    {
        string token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string tokens = Path.Combine(_work.FullName, "kiosks");
        await File.WriteAllTextAsync(tokens, $"rate-tablet-1 {KioskTokens.Hash(token)}\n");
        await using RatingBranch branch = await RatingBranch.StartAsync(
            _work, "--Http:Address=0.0.0.0", $"--Kiosk:TokenFile={tokens}", "--Kiosk:RatingBurst=5", "--Kiosk:RatingsPerMinute=1");
        Uri lan = new($"http://{Lan.Address()}:{branch.Port}");
        using var stranger = new HttpClient { BaseAddress = lan };

        // Not a known device: no page, no feed (so it cannot make the counter look rateable), no rating.
        using (HttpResponseMessage response = await stranger.GetAsync(new Uri("/rate/1", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("not enrolled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (HttpResponseMessage response = await stranger.GetAsync(new Uri("/rate/1/events", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        (HttpStatusCode status, JsonElement body) = await PostAsync(stranger, "/rate/1", new { ticket = 0, score = 0 });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("unknown_kiosk", body.GetProperty("reason").GetString());
        Assert.Equal("This device is not enrolled. Please ask the lobby manager.", body.GetProperty("message").GetString());
        Assert.Equal("本设备未登记，请联系大堂经理", body.GetProperty("messageZh").GetString());
        Assert.Contains("/rate/{counter}/enrol", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/rate/1", UriKind.Relative)) { Content = JsonContent.Create(new { ticket = 0, score = 0 }) })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-" + token);
            using HttpResponseMessage response = await stranger.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (HttpResponseMessage response = await stranger.GetAsync(new Uri("/rate/1/enrol?token=nothing", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // The technician enrols the tablet once: its cookie is for /rate, and the page opens.
        var cookies = new CookieContainer();
        using var tablet = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = lan };
        using (HttpResponseMessage response = await tablet.GetAsync(new Uri($"/rate/1/enrol?token={token}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/rate/1", response.Headers.Location?.OriginalString);
            string setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            Assert.Contains("path=/rate", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        }

        using (HttpResponseMessage response = await tablet.GetAsync(new Uri("/rate/1", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A script posting as fast as it can from the enrolled tablet: past the burst, 429 with Retry-After.
        Task<(HttpStatusCode Status, JsonElement Body, RetryConditionHeaderValue? RetryAfter)>[] flood = [.. Enumerable.Range(0, 40).Select(async i =>
        {
            using HttpResponseMessage response = await tablet.PostAsJsonAsync(new Uri("/rate/1", UriKind.Relative), new { ticket = i, score = 0 });
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(), response.Headers.RetryAfter);
        })];
        (HttpStatusCode Status, JsonElement Body, RetryConditionHeaderValue? RetryAfter)[] answers = await Task.WhenAll(flood);
        int through = answers.Count(r => r.Status == HttpStatusCode.Conflict);
        Assert.InRange(through, 5, 6);
        Assert.All(answers.Where(r => r.Status != HttpStatusCode.Conflict), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal("rating_rate_limit", r.Body.GetProperty("reason").GetString());
            Assert.NotNull(r.RetryAfter?.Delta);
        });

        // The box itself is another device, with its own bucket; and a stranger is still refused by the gate, not the limit.
        (status, _) = await PostAsync(branch.Http, "/rate/1", new { ticket = 0, score = 0 });
        Assert.Equal(HttpStatusCode.Conflict, status);
        (status, _) = await PostAsync(stranger, "/rate/1", new { ticket = 0, score = 0 });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(await branch.RatingsAsync());
    }

    private static async Task<string> TextAsync(HeadlessChromium chromium, string page, string expression) =>
        (await chromium.EvaluateAsync(page, expression)).GetString() ?? "";

    /// <summary>A finger on the element <paramref name="selector"/> finds (real input events at its centre).</summary>
    private static async Task TapAsync(HeadlessChromium chromium, string page, string selector)
    {
        JsonElement at = await chromium.EvaluateAsync(page, $$"""
            (() => { const r = document.querySelector("{{selector}}").getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height }; })()
            """);

        // A target a finger can hit on a 10" tablet: at least 60 CSS pixels either way.
        Assert.True(at.GetProperty("w").GetDouble() >= 60 && at.GetProperty("h").GetDouble() >= 60, $"{selector} is {at}");
        await chromium.PressAsync(page, at.GetProperty("x").GetDouble(), at.GetProperty("y").GetDouble(), TimeSpan.FromMilliseconds(80));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, object body)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>
    /// The one-counter kiosk branch (<see cref="KioskBranch"/>) with a caller keypad for counter 1 on a real pty, and
    /// the service running it.
    /// </summary>
    private sealed class RatingBranch : IAsyncDisposable
    {
        private readonly PtyRig _rig;
        private readonly VirtualKeypadBus _keypads;
        private readonly ServiceProcess _service;
        private readonly string _profile;
        private readonly string _data;
        private readonly string _work;

        private RatingBranch(PtyRig rig, VirtualKeypadBus keypads, ServiceProcess service, string profile, string data, string work, int port)
        {
            _rig = rig;
            _keypads = keypads;
            _service = service;
            _profile = profile;
            _data = data;
            _work = work;
            Port = port;
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        }

        public int Port { get; }

        /// <summary>The box itself (loopback): a known device on a fresh install.</summary>
        public HttpClient Http { get; }

        public static Task<RatingBranch> StartAsync(DirectoryInfo work, params string[] settings) => StartAsync(work, null, settings);

        /// <summary>Starts the branch, with <c>branch.ratingWindowSeconds</c> when <paramref name="ratingWindowSeconds"/> is given.</summary>
        public static async Task<RatingBranch> StartAsync(DirectoryInfo work, int? ratingWindowSeconds, params string[] settings)
        {
            PtyRig rig = await PtyRig.StartAsync();
            var keypads = new VirtualKeypadBus();
            await rig.AttachAsync(keypads);
            string profile = KioskBranch.Write(work.FullName, $"""
                devices:
                  - id: callers
                    model: caller68
                    port: {rig.Path}
                    keypads:
                      - {"{"}counter: 1, address: 1{"}"}

                """);
            if (ratingWindowSeconds is { } seconds)
            {
                File.WriteAllText(profile, File.ReadAllText(profile).Replace("  ticketingCutoffMinutes: 0\n", $"  ticketingCutoffMinutes: 0\n  ratingWindowSeconds: {seconds}\n", StringComparison.Ordinal));
                Assert.Contains($"  ratingWindowSeconds: {seconds}\n", File.ReadAllText(profile), StringComparison.Ordinal);
            }

            int port = ServiceProcess.FreePort();
            string data = Path.Combine(work.FullName, "data");
            ServiceProcess service = ServiceProcess.Start(
                work.FullName,
                ["--branch", profile, "--data", data, $"--Http:Port={port}", "--Kiosk:RatingBurst=1000", "--Kiosk:RatingsPerMinute=6000", .. settings]);
            var branch = new RatingBranch(rig, keypads, service, profile, data, work.FullName, port);
            JsonElement endpoints = await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), s_patience);
            Assert.Contains("/rate/{counter}", ServiceProcess.Message(endpoints), StringComparison.Ordinal);
            return branch;
        }

        /// <summary>A customer takes a ticket, is called to counter 1 and served to the end; returns the ticket's number.</summary>
        public async Task<string> FinishAsync()
        {
            using HttpResponseMessage issued = await Http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            string number = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString()!;
            Assert.True(await _keypads.PressAsync(1, KeypadKeys.CallNext), "the host did not echo the call key");
            await Eventually.UntilAsync(async () => await CounterTicketAsync() == number, $"{number} to be called to counter 1", s_patience);
            Assert.True(await _keypads.PressAsync(1, KeypadKeys.Finish), "the host did not echo the finish key");
            await Eventually.UntilAsync(async () => await CounterTicketAsync() is null, $"{number} to be finished at counter 1", s_patience);
            return number;
        }

        /// <summary>The engine's id of a ticket of today (what the page posts), from the event log.</summary>
        public async Task<int> TicketIdAsync(string number) =>
            (await EventsAsync()).First(e => e.TryGetProperty("ticket", out JsonElement t) && t.GetString() == number).GetProperty("ticketId").GetInt32();

        /// <summary>The <c>lobby.ticket.rated</c> events in the log, in order.</summary>
        public async Task<JsonElement[]> RatingsAsync() =>
            [.. (await EventsAsync()).Where(e => e.GetProperty("type").GetString() == "lobby.ticket.rated")];

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _service.DisposeAsync();
            await _rig.DisposeAsync();
        }

        private async Task<string?> CounterTicketAsync()
        {
            using JsonDocument state = JsonDocument.Parse(await Http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            JsonElement counter = state.RootElement.GetProperty("counters").EnumerateArray().Single(c => c.GetProperty("number").GetInt32() == 1);
            return counter.GetProperty("ticket").GetString();
        }

        /// <summary>Every event in the log, as <c>lobby-edge inspect</c> prints it.</summary>
        public async Task<JsonElement[]> EventsAsync()
        {
            (int code, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_work, s_patience, "inspect", "--data", _data, "--branch", _profile);
            Assert.True(code == 0, $"inspect exited {code}: {stderr}");
            return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        }
    }
}
