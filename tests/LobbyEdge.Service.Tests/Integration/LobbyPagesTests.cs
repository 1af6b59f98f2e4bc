using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The signage and kiosk pages in a real headless Chromium against the running service. Screenshots are kept as
/// test artifacts (in <c>screenshots/</c> beside the tests, or <c>$LOBBYEDGE_ARTIFACTS</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class LobbyPagesTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_artifacts = HeadlessChromium.Artifacts;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-pages-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Signage_ShowsEachNewCallWithinASecond_AndTheWaitingCounts()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--seed", "5", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await chromium.OpenAsync(new Uri(http.BaseAddress, "/signage"));
        await chromium.WaitForAsync(page, "document.querySelectorAll('#waiting li').length === 5", TimeSpan.FromSeconds(30));

        // Watch the engine's own state for the next calls; each must be on the TV within a second of it.
        string? last = await LatestCallAsync(http);
        for (int seen = 0; seen < 2;)
        {
            string? call = await LatestCallAsync(http);
            if (call is null || call == last)
            {
                await Task.Delay(20);
                continue;
            }

            string ticket = call.Split('@')[0];
            TimeSpan took = await chromium.WaitForAsync(page, $"document.getElementById('nowTicket').textContent === '{ticket}'", TimeSpan.FromSeconds(1));
            output.WriteLine($"{call} on the page after {took.TotalMilliseconds:0} ms");
            Assert.True(await chromium.EvaluateAsync(page, "document.getElementById('now').classList.contains('blink')") is { ValueKind: JsonValueKind.True });
            last = call;
            seen++;
        }

        // Waiting counts per service, as the engine has them: the simulation moves on, so the page and the engine
        // are compared until they are seen saying the same (a page that shows a wrong or stale count never does).
        await chromium.WaitForAsync(page, $"document.querySelector('#waiting li[data-service=cash] .n').textContent !== ''", TimeSpan.FromSeconds(5));
        Assert.Equal("个人现金", (await chromium.EvaluateAsync(page, "document.querySelector('#waiting li[data-service=cash] .s').firstChild.textContent")).GetString());
        string shownLast = "", engineLast = "";
        await Eventually.UntilAsync(async () =>
        {
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            JsonElement cash = state.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "cash");
            engineLast = cash.GetProperty("waiting").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
            shownLast = (await chromium.EvaluateAsync(page, "document.querySelector('#waiting li[data-service=cash] .n').textContent")).GetString() ?? "";
            return shownLast == engineLast;
        }, "the signage's cash waiting count to be the engine's", TimeSpan.FromSeconds(30), () => $"page: {shownLast}, engine: {engineLast}");
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "signage.png"));
    }

    [Theory]
    [InlineData(1920, 1080)]
    [InlineData(1366, 768)]
    public async Task Signage_EveryRecentCallLineIsWhollyVisible_AndTheLineAboveTheNumberNamesTheCounter(int width, int height)
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--seed", "7", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // Enough calls for a full "recent calls" list: five, more than the demo branch's old layout could show whole.
        await Eventually.UntilAsync(async () =>
        {
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            return state.RootElement.GetProperty("recentCalls").GetArrayLength() >= 5;
        }, "five recent calls", TimeSpan.FromMinutes(2), () => "");
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await chromium.OpenAsync(new Uri(http.BaseAddress, "/signage"), width, height);
        await chromium.WaitForAsync(page, "document.querySelectorAll('#calls li').length >= 4 && document.querySelectorAll('#waiting li').length === 5", TimeSpan.FromSeconds(30));

        // Every line shown lies wholly inside its list's box and the screen: nothing is cut, across or down.
        const string Measure = """
            JSON.stringify((() => {
              const r = e => { const b = e.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, right: b.right }; };
              const list = document.getElementById('calls');
              return { width: innerWidth, height: innerHeight, box: r(list),
                lines: [...list.children].map(li => ({ text: li.textContent, box: r(li), parts: [...li.children].map(r) })),
                label: [r(document.getElementById('nowLabelZh')), r(document.getElementById('nowLabelEn'))], now: r(document.getElementById('now')) };
            })())
            """;
        using JsonDocument layout = JsonDocument.Parse((await chromium.EvaluateAsync(page, Measure)).GetString()!);
        JsonElement root = layout.RootElement;
        output.WriteLine($"{width}x{height}: {root}");
        Assert.Equal(width, root.GetProperty("width").GetInt32());
        Assert.Equal(height, root.GetProperty("height").GetInt32());
        JsonElement list = root.GetProperty("box");
        JsonElement[] lines = [.. root.GetProperty("lines").EnumerateArray()];
        Assert.InRange(lines.Length, 4, 5);
        foreach (JsonElement line in lines)
        {
            string text = line.GetProperty("text").GetString()!;
            AssertInside(line.GetProperty("box"), list, text);
            AssertInside(line.GetProperty("box"), Screen(width, height), text);
            foreach (JsonElement part in line.GetProperty("parts").EnumerateArray())
            {
                AssertInside(part, list, text);
            }

            Assert.Matches("^[A-Z][0-9]{3}→ ([0-9]+) 号窗口 Counter \\1$", text);
        }

        foreach (JsonElement label in root.GetProperty("label").EnumerateArray())
        {
            AssertInside(label, root.GetProperty("now"), "the line above the number");
        }

        // The line above the big number says which counter to go to, as the engine's latest call has it.
        string expected = "", shown = "";
        await Eventually.UntilAsync(async () =>
        {
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            JsonElement call = state.RootElement.GetProperty("recentCalls")[0];
            string ticket = call.GetProperty("ticket").GetString()!;
            int counter = call.GetProperty("counter").GetInt32();
            expected = $"请 {ticket} 号到 {counter} 号窗口|{ticket} please go to counter {counter}";
            shown = (await chromium.EvaluateAsync(page, "document.getElementById('nowLabelZh').textContent + '|' + document.getElementById('nowLabelEn').textContent")).GetString() ?? "";
            return shown == expected;
        }, "the line above the number to name the latest call's counter", TimeSpan.FromSeconds(30), () => $"page: {shown}, engine: {expected}");
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, $"signage-{width}x{height}.png"));
    }

    private static JsonElement Screen(int width, int height) =>
        JsonDocument.Parse($$"""{"top":0,"left":0,"bottom":{{height}},"right":{{width}}}""").RootElement;

    private static void AssertInside(JsonElement inner, JsonElement outer, string what)
    {
        const double Tolerance = 0.5;
        bool inside = inner.GetProperty("top").GetDouble() >= outer.GetProperty("top").GetDouble() - Tolerance
            && inner.GetProperty("bottom").GetDouble() <= outer.GetProperty("bottom").GetDouble() + Tolerance
            && inner.GetProperty("left").GetDouble() >= outer.GetProperty("left").GetDouble() - Tolerance
            && inner.GetProperty("right").GetDouble() <= outer.GetProperty("right").GetDouble() + Tolerance;
        Assert.True(inside, $"'{what}' at {inner} is not wholly inside {outer}");
    }

    [Fact]
    public async Task Kiosk_TapIssuesATicket_AndARefusalIsShownPlainly()
    {
        // The demo branch, with cash capped at one ticket a day so a refusal comes soon.
        string profile = Path.Combine(_work.FullName, "capped.yaml");
        await File.WriteAllTextAsync(profile, (await File.ReadAllTextAsync(ServiceProcess.DemoProfile)).Replace(
            "    prefix: A                  # ticket numbers A001, A002, ...\n",
            "    prefix: A                  # ticket numbers A001, A002, ...\n    dailyCap: 1\n",
            StringComparison.Ordinal));
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", profile, "--simulate", "--speed", "30", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await chromium.OpenAsync(new Uri(http.BaseAddress, "/kiosk"), 1280, 900);
        await chromium.WaitForAsync(page, "document.querySelector('button[data-service=noncash]') !== null", TimeSpan.FromSeconds(30));

        int before = await IssuedAsync(http, "noncash");
        await chromium.EvaluateAsync(page, "document.querySelector('button[data-service=noncash]').click()");
        await chromium.WaitForAsync(page, "document.getElementById('overlay').classList.contains('show')", TimeSpan.FromSeconds(10));
        string number = (await chromium.EvaluateAsync(page, "document.getElementById('number').textContent")).GetString()!;
        Assert.Matches("^B[0-9]{3}$", number);
        Assert.Contains("people ahead", (await chromium.EvaluateAsync(page, "document.getElementById('lineEn').textContent")).GetString(), StringComparison.Ordinal);
        Assert.True(await IssuedAsync(http, "noncash") > before);
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "kiosk-ticket.png"));

        // Cash: capped at one a day; by the second tap at the latest the kiosk says so and prints nothing.
        string refusal = "";
        for (int tap = 0; tap < 2 && refusal.Length == 0; tap++)
        {
            await chromium.EvaluateAsync(page, "document.getElementById('done').click()");
            await chromium.WaitForAsync(page, "document.querySelector('button[data-service=cash]') !== null", TimeSpan.FromSeconds(10));
            await chromium.EvaluateAsync(page, "document.querySelector('button[data-service=cash]').click()");
            await chromium.WaitForAsync(page, "document.getElementById('overlay').classList.contains('show')", TimeSpan.FromSeconds(10));
            if ((await chromium.EvaluateAsync(page, "document.getElementById('card').classList.contains('refused')")).ValueKind == JsonValueKind.True)
            {
                refusal = (await chromium.EvaluateAsync(page, "document.getElementById('lineEn').textContent")).GetString()!;
            }
        }

        Assert.Equal("No more tickets for this service today.", refusal);
        Assert.Equal(1, await IssuedAsync(http, "cash"));
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "kiosk-refused.png"));

        // The kiosk API issues tickets and nothing else.
        using HttpResponseMessage staff = await http.PostAsJsonAsync(new Uri("/kiosk/call-next", UriKind.Relative), new { counter = 1 });
        Assert.False(staff.IsSuccessStatusCode);
    }

    private static async Task<string?> LatestCallAsync(HttpClient http)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        JsonElement calls = state.RootElement.GetProperty("recentCalls");
        return calls.GetArrayLength() == 0 ? null
            : $"{calls[0].GetProperty("ticket").GetString()}@{calls[0].GetProperty("counter").GetInt32()}#{calls[0].GetProperty("time").GetString()}";
    }

    private static async Task<int> IssuedAsync(HttpClient http, string service)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        return state.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("id").GetString() == service).GetProperty("issued").GetInt32();
    }
}
