using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Staffing advice (issue 14) on the real process: a <c>--simulate</c> run of the demo day (counter 7 closed all day, an
/// overloaded lobby) gives advice on the console and in the log; the lobby manager accepts and dismisses it in headless
/// Chromium and over HTTP, the answer is recorded with the staff id; the metrics follow; open advice survives a restart;
/// <c>Advice:Enabled=false</c> gives none.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AdviceProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int DemoStaff = 8001;
    private const string DemoPin = "2468";
    /// <summary>
    /// The simulation's speed: 120x, so that the demo's day (9 hours, about 270 s of wall time) outlasts every step
    /// of the longest test here even on a loaded CI machine. At 300x (110 s a day) the day closed under the browser's
    /// steps: the service stopped ("connection refused", ci9), and with a second simulated day the next day's advice
    /// numbers met the first day's (ci10).
    /// </summary>
    private const int Speed = 120;
    private const int Seed = 7;

    /// <summary>The demo day's first advice must come within this much simulated time after opening; the disabled run is watched as long.</summary>
    private static readonly TimeSpan s_adviceWithin = TimeSpan.FromHours(3);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-advice-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task OverloadedSimulatedDay_GivesAdvice_AnsweredOnTheConsoleWithTheStaffId_KeptOverARestart()
    {
        string data = Path.Combine(_work.FullName, "data");
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(data);
        JsonElement first;
        int acceptedId, dismissedId, keptOpenId;
        await using (ServiceProcess running = service)
        {
            using HttpClient http = Client(baseAddress);
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http)).StatusCode);

            // Advice to add staff comes on the overloaded day, with its numbers in the lobby's words and a forecast beside it
            // (advice to pause comes too, in the quiet first minutes).
            JsonElement state = default;
            await Eventually.UntilAsync(async () => (state = await StateAsync(http)).GetProperty("advice").GetProperty("open").EnumerateArray()
                .Any(a => a.GetProperty("kind").GetString() is "open" or "resume"), "advice to open or resume a counter on the console", TimeSpan.FromMinutes(5));
            first = state.GetProperty("advice").GetProperty("open").EnumerateArray().First(a => a.GetProperty("kind").GetString() is "open" or "resume");
            int firstId = first.GetProperty("id").GetInt32();
            DateTimeOffset at = state.GetProperty("time").GetDateTimeOffset();
            output.WriteLine($"{at:HH:mm} UTC (simulated): {first.GetProperty("message").GetString()} / {first.GetProperty("messageZh").GetString()}");
            Assert.True(state.GetProperty("advice").GetProperty("enabled").GetBoolean());
            Assert.Matches(@"^(Open|Resume) counter \d+( for [^:]+)?: service level \d+ % -> \d+ % over the next 30 min; ", first.GetProperty("message").GetString());
            Assert.Contains("服务水平", first.GetProperty("messageZh").GetString(), StringComparison.Ordinal);
            Assert.True(first.GetProperty("serviceLevelWith").GetDouble() > first.GetProperty("serviceLevelNow").GetDouble());
            Assert.Equal(30, first.GetProperty("horizonMinutes").GetInt32());
            await Eventually.UntilAsync(async () => (state = await StateAsync(http)).TryGetProperty("forecast", out _), "the forecast panel's figures");
            JsonElement forecast = state.GetProperty("forecast");
            Assert.InRange(forecast.GetProperty("serviceLevel").GetDouble(), 0, 1);
            Assert.Equal(state.GetProperty("services").GetArrayLength(), forecast.GetProperty("services").GetArrayLength());
            foreach (JsonElement s in forecast.GetProperty("services").EnumerateArray())
            {
                Assert.InRange(s.GetProperty("serviceLevel30").GetDouble(), 0, 1);
                Assert.True(s.GetProperty("in30").GetDouble() >= 0 && s.GetProperty("in60").GetDouble() >= 0);
            }

            // In the browser: the advice card, accepted with one tap; the answer is recorded with the signed-in staff id.
            await using (HeadlessChromium chromium = await HeadlessChromium.StartAsync())
            {
                string page = await SignInInBrowserAsync(chromium, baseAddress);
                string card = $"#adviceBar .advice[data-advice=\"{firstId}\"]";
                await chromium.WaitForAsync(page, $"document.querySelector('{card} button.accept:not([disabled])') !== null", TimeSpan.FromSeconds(30));
                string text = (await chromium.EvaluateAsync(page, $"document.querySelector('{card} .msg').textContent")).GetString() ?? "";
                output.WriteLine($"on the page: {text}");
                Assert.Contains("服务水平", text, StringComparison.Ordinal);
                await chromium.ScreenshotAsync(page, Path.Combine(HeadlessChromium.Artifacts, "console-advice-1024x600.png"));
                await chromium.EvaluateAsync(page, "document.getElementById('toast').className = ''");
                acceptedId = (await chromium.EvaluateAsync(page,
                    $"(() => {{ const b = document.querySelector('{card} button.accept'); b.click(); return Number(b.dataset.advice); }})()")).GetInt32();
                Assert.Equal(firstId, acceptedId);
                await chromium.WaitForAsync(page, "document.getElementById('toast').classList.contains('show')", TimeSpan.FromSeconds(10));
                Assert.Equal("", (await chromium.EvaluateAsync(page, "document.getElementById('toast').dataset.reason")).GetString());
                await chromium.WaitForAsync(page, $"document.querySelector('#adviceHistory .advice[data-advice=\"{acceptedId}\"][data-answer=\"accepted\"]') !== null", TimeSpan.FromSeconds(10));

                // The forecast tab: a row per service.
                await chromium.EvaluateAsync(page, "document.querySelector('nav button[data-tab=\"forecast\"]').click()");
                await chromium.WaitForAsync(page, "document.querySelectorAll('#forecastRows tr').length > 0", TimeSpan.FromSeconds(10));
                await chromium.ScreenshotAsync(page, Path.Combine(HeadlessChromium.Artifacts, "console-forecast-1024x600.png"));
            }

            state = await StateAsync(http);
            JsonElement accepted = state.GetProperty("advice").GetProperty("answered").EnumerateArray().Single(a => a.GetProperty("id").GetInt32() == acceptedId);
            Assert.Equal("accepted", accepted.GetProperty("answer").GetString());
            Assert.Equal(DemoStaff, accepted.GetProperty("staff").GetInt32());

            // Over HTTP: dismiss the next one; answering again is a conflict; an id no advice has is 404; a bad body 400.
            await Eventually.UntilAsync(async () => (state = await StateAsync(http)).GetProperty("advice").GetProperty("open").GetArrayLength() > 0,
                "another advice", TimeSpan.FromMinutes(5));
            dismissedId = state.GetProperty("advice").GetProperty("open")[0].GetProperty("id").GetInt32();
            (HttpStatusCode status, JsonElement body) = await PostAsync(http, "dismiss", new { advice = dismissedId });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("dismissed", body.GetProperty("answer").GetString());
            Assert.Equal(DemoStaff, body.GetProperty("staff").GetInt32());
            (status, body) = await PostAsync(http, "accept", new { advice = dismissedId });
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Equal("already_answered", body.GetProperty("reason").GetString());
            (status, body) = await PostAsync(http, "accept", new { advice = 100_000 });
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("unknown_advice", body.GetProperty("reason").GetString());
            using (HttpResponseMessage bad = await http.PostAsync(new Uri("/lobby/api/advice/accept", UriKind.Relative), new StringContent("{\"advice\":\"seven\"}", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                Assert.Contains("advice id", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using (HttpClient anonymous = Client(baseAddress))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(new Uri("/lobby/api/advice/accept", UriKind.Relative), new { advice = 1 })).StatusCode);
            }

            // The metrics: advice by kind, answers by kind and answer, the forecast service level.
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.True(SumOf(metrics, "lobby_advice_total{") >= 2, "lobby_advice_total counts the advice");
            Assert.Equal(1, SumOf(metrics, "lobby_advice_answered_total{", "answer=\"accepted\""));
            Assert.Equal(1, SumOf(metrics, "lobby_advice_answered_total{", "answer=\"dismissed\""));
            Assert.InRange(SumOf(metrics, "lobby_forecast_service_level "), 0, 1);
            Assert.Contains("# TYPE lobby_forecast_service_level gauge", metrics, StringComparison.Ordinal);

            // One left open for the restart: a new one (the state is rebuilt a moment after each step, so a read just
            // after the dismissal can still list the dismissed advice as open).
            int[] answeredIds = [acceptedId, dismissedId];
            await Eventually.UntilAsync(async () => (state = await StateAsync(http)).GetProperty("advice").GetProperty("open").EnumerateArray()
                .Any(a => !answeredIds.Contains(a.GetProperty("id").GetInt32())), "an advice left open", TimeSpan.FromMinutes(5));
            keptOpenId = state.GetProperty("advice").GetProperty("open").EnumerateArray()
                .Select(a => a.GetProperty("id").GetInt32()).First(id => !answeredIds.Contains(id));
            await running.KillAsync();
        }

        // In the log, as head office gets them: issued and answered, with the staff id.
        (int code, string events, string error) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(1), "inspect", "--data", data, "--branch", ServiceProcess.DemoProfile);
        Assert.True(code == 0, error);
        string[] lines = events.Split('\n');
        if (events.Contains("lobby.advice.issued", StringComparison.Ordinal))
        {
            Assert.Contains(lines, l => l.Contains("lobby.advice.answered", StringComparison.Ordinal) && l.Contains("\"accepted\"", StringComparison.Ordinal)
                && l.Contains($"\"staff\":{DemoStaff}", StringComparison.Ordinal) && l.Contains($"\"adviceId\":{acceptedId}", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("lobby.advice.answered", StringComparison.Ordinal) && l.Contains("\"dismissed\"", StringComparison.Ordinal));
        }
        else
        {
            // The CloudEvents of advice come with the engine owner's EventJson change; until then they print as
            // lobby.unknown (with the counter), and the answers' staff id is checked on the console after the restart.
            output.WriteLine("lobby.advice.* is not in this build's EventJson; the advice events print as lobby.unknown");
            Assert.True(lines.Count(l => l.Contains("\"type\":\"lobby.unknown\"", StringComparison.Ordinal)) >= 3, "the advice and its answers are in the log");
        }

        // After a restart (killed, not stopped): the open advice is still open, the answered ones still answered.
        (ServiceProcess again, Uri address) = await StartSimulationAsync(data);
        await using (again)
        {
            using HttpClient http = Client(address);
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http)).StatusCode);
            JsonElement advice = (await StateAsync(http)).GetProperty("advice");
            // Still open, or (the simulated clock runs fast, so a restart can outlast the advice's 30-minute horizon)
            // lapsed: listed with the answered ones, unanswered.
            bool stillOpen = advice.GetProperty("open").EnumerateArray().Any(a => a.GetProperty("id").GetInt32() == keptOpenId);
            bool lapsed = advice.GetProperty("answered").EnumerateArray()
                .Any(a => a.GetProperty("id").GetInt32() == keptOpenId && a.GetProperty("answer").GetString() == "lapsed" && !a.TryGetProperty("staff", out _));
            Assert.True(stillOpen || lapsed, $"advice {keptOpenId} is neither open nor lapsed after the restart: {advice}");
            Assert.Contains(advice.GetProperty("answered").EnumerateArray(), a => a.GetProperty("id").GetInt32() == acceptedId
                && a.TryGetProperty("staff", out JsonElement staff) && staff.GetInt32() == DemoStaff);
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(1, SumOf(metrics, "lobby_advice_answered_total{", "answer=\"accepted\""));
        }
    }

    /// <summary>
    /// An advice nobody answered within its horizon lapses: accepting or dismissing it afterwards is 409
    /// <c>advice_lapsed</c> and records nothing (the old endpoint answered 200 and counted it).
    /// </summary>
    [Fact]
    public async Task LapsedAdvice_CannotBeAcceptedOrDismissed_AndNothingIsRecorded()
    {
        string data = Path.Combine(_work.FullName, "data");
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(data);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http)).StatusCode);

        // Nobody answers under --simulate without Simulation:FollowAdvice: the first advice lapses after its 30 minutes.
        JsonElement lapsed = default;
        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("advice").GetProperty("answered").EnumerateArray()
                .Any(a => (lapsed = a).GetProperty("answer").GetString() == "lapsed"),
            "an advice that lapsed unanswered",
            TimeSpan.FromMinutes(5));
        int id = lapsed.GetProperty("id").GetInt32();
        foreach (string answer in new[] { "accept", "dismiss" })
        {
            (HttpStatusCode status, JsonElement body) = await PostAsync(http, answer, new { advice = id });
            output.WriteLine($"{answer} lapsed advice {id}: {(int)status} {body}");
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.False(body.GetProperty("ok").GetBoolean());
            Assert.Equal("advice_lapsed", body.GetProperty("reason").GetString());
            Assert.Contains("lapsed", body.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(id, body.GetProperty("advice").GetInt32());
        }

        JsonElement still = (await StateAsync(http)).GetProperty("advice").GetProperty("answered").EnumerateArray().Single(a => a.GetProperty("id").GetInt32() == id);
        Assert.Equal("lapsed", still.GetProperty("answer").GetString());
        Assert.False(still.TryGetProperty("staff", out _));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(0, SumOf(metrics, "lobby_advice_answered_total{"));
    }

    [Fact]
    public async Task AdviceDisabled_GivesNoAdviceAndNoForecast()
    {
        string data = Path.Combine(_work.FullName, "data");
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(data, "--Advice:Enabled=false");
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http)).StatusCode);

        // As long into the overloaded day as the enabled run needs for its first advice.
        JsonElement state = await StateAsync(http);
        DateTimeOffset start = state.GetProperty("time").GetDateTimeOffset();
        await Eventually.UntilAsync(async () => (state = await StateAsync(http)).GetProperty("time").GetDateTimeOffset() - start > s_adviceWithin,
            "the simulated day to run on", TimeSpan.FromMinutes(5));
        JsonElement advice = state.GetProperty("advice");
        Assert.False(advice.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, advice.GetProperty("open").GetArrayLength());
        Assert.Equal(0, advice.GetProperty("answered").GetArrayLength());
        Assert.False(state.TryGetProperty("forecast", out _));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(0, SumOf(metrics, "lobby_advice_total{"));
        Assert.DoesNotContain("\nlobby_forecast_service_level ", metrics, StringComparison.Ordinal);
        Assert.True(state.GetProperty("figures").GetProperty("called").GetInt32() > 0, "the simulated day ran");
    }

    private async Task<(ServiceProcess Service, Uri BaseAddress)> StartSimulationAsync(string data, params string[] more)
    {
        int port = ServiceProcess.FreePort();

        // One simulated day (the default): the service stops when it closes, so a test that outlasts the day fails
        // plainly instead of reading the next day's advice (see Speed).
        ServiceProcess service = ServiceProcess.Start(
            _work.FullName,
            [.. new[] { "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", Speed.ToString(CultureInfo.InvariantCulture), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
                "--data", data, $"--Http:Port={port}" }, .. more]);
        await service.WaitUntilReadyAsync();
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        return (service, new Uri($"http://127.0.0.1:{port}"));
    }

    private static HttpClient Client(Uri baseAddress)
    {
#pragma warning disable CA2000 // the client owns the handler
        return new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = baseAddress };
#pragma warning restore CA2000
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient http) =>
        http.PostAsJsonAsync(new Uri("/lobby/api/signin", UriKind.Relative), new { staff = DemoStaff, pin = DemoPin });

    private static async Task<string> SignInInBrowserAsync(HeadlessChromium chromium, Uri baseAddress)
    {
        string tab = await chromium.OpenAsync(new Uri(baseAddress, "/lobby/signin"), 1024, 600);
        await chromium.WaitForAsync(tab, "document.readyState !== 'loading' && document.getElementById('pad') !== null", TimeSpan.FromSeconds(30));
        foreach (char key in DemoStaff.ToString(CultureInfo.InvariantCulture))
        {
            await chromium.EvaluateAsync(tab, $"document.querySelector('#pad button[data-k=\"{key}\"]').click()");
        }

        await chromium.EvaluateAsync(tab, "document.getElementById('go').click()");
        foreach (char key in DemoPin)
        {
            await chromium.EvaluateAsync(tab, $"document.querySelector('#pad button[data-k=\"{key}\"]').click()");
        }

        await chromium.EvaluateAsync(tab, "document.getElementById('go').click()");
        await chromium.WaitForAsync(tab, "location.pathname === '/lobby' && document.getElementById('conn').classList.contains('on')", TimeSpan.FromSeconds(30));
        return tab;
    }

    private static async Task<JsonElement> StateAsync(HttpClient http)
    {
        using HttpResponseMessage r = await http.GetAsync(new Uri("/lobby/api/state", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string answer, object body)
    {
        using HttpResponseMessage r = await http.PostAsJsonAsync(new Uri($"/lobby/api/advice/{answer}", UriKind.Relative), body);
        return (r.StatusCode, await r.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>The sum of the samples whose line starts with <paramref name="prefix"/> (and contains <paramref name="label"/>).</summary>
    private static double SumOf(string metrics, string prefix, string label = "") =>
        metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
