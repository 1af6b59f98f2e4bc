using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 15, item 2 on the real process: a date the business calendar closes does not open; the kiosk and the signage
/// (headless Chromium) say "今日休息 Closed today" with the holiday's name and the next opening, and the kiosk issues no
/// ticket; before today's opening they say when it opens; under <c>--simulate</c> the holiday is skipped and the next
/// working day opens by the clock. The branch runs on the wall clock in UTC (the kiosk tests' branch), with the
/// calendar's dates written relative to today, so the tests hold on any date.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CalendarProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Holiday = "测试节 Test Holiday";
    private static readonly string s_artifacts = HeadlessChromium.Artifacts;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-calendar-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Holiday_DoesNotOpen_KioskAndSignageSayClosedTodayAndTheNextOpening_AndNoTicketIsIssued()
    {
        // Today and tomorrow closed (a test that runs across midnight still meets a closed day); the branch's hours
        // are all day, so only the calendar keeps the day shut.
        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        string profile = KioskBranch.Write(_work.FullName, $$"""
            calendar:
              dates:
                - { date: {{Day(today)}}, to: {{Day(today.AddDays(1))}}, closed: true, note: "{{Holiday}}" }

            """);
        DateOnly reopens = today.AddDays(2);
        string nextEn = $"Next opening: {reopens.ToString("ddd d MMM", CultureInfo.InvariantCulture)} 00:00";
        string nextZh = $"下次营业 {reopens.Month}月{reopens.Day}日 周{"日一二三四五六"[(int)reopens.DayOfWeek]} 00:00";
        (ServiceProcess service, HttpClient http) = await StartAsync(profile);
        await using ServiceProcess owned = service;
        using HttpClient client = http;

        // The branch stays closed through its hours: the engine's clock ticks every second, and the day never opens.
        Assert.False(await Eventually.HoldsAsync(async () => (await StateAsync(http)).GetProperty("dayOpen").GetBoolean(), TimeSpan.FromSeconds(4)));
        JsonElement state = await StateAsync(http);
        JsonElement calendar = state.GetProperty("calendar");
        Assert.True(calendar.GetProperty("today").GetProperty("closed").GetBoolean());
        Assert.Equal(Holiday, calendar.GetProperty("today").GetProperty("note").GetString());
        Assert.Equal($"{Day(reopens)}T00:00:00Z", calendar.GetProperty("nextOpening").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("configuration").GetProperty("pending").ValueKind);
        Assert.Matches("^[0-9a-f]{16}$", state.GetProperty("configuration").GetProperty("hash").GetString());

        // The kiosk's API refuses with the day's notice and issues nothing.
        using (HttpResponseMessage refused = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            JsonElement body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            output.WriteLine(body.ToString());
            Assert.Equal("closed_today", body.GetProperty("reason").GetString());
            Assert.Equal($"Closed today ({Holiday}). {nextEn}", body.GetProperty("message").GetString());
            Assert.Equal($"今日休息（{Holiday}）。{nextZh}", body.GetProperty("messageZh").GetString());
        }

        Assert.Equal(0, (await StateAsync(http)).GetProperty("services")[0].GetProperty("issued").GetInt32());

        // The pages say the same, and the kiosk shows no service to tap.
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string kiosk = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/kiosk"), 1280, 900);
        await chromium.WaitForAsync(kiosk, "document.body.dataset.closed === 'closed_today'", TimeSpan.FromSeconds(30));
        Assert.Equal(
            $"今日休息|Closed today|{Holiday}|{nextZh}|{nextEn}|0|true",
            (await chromium.EvaluateAsync(kiosk, Shown("document.getElementById('closed')") + " + '|' + document.querySelectorAll('button[data-service]').length"
                + " + '|' + (getComputedStyle(document.getElementById('closed')).display !== 'none')")).GetString());
        await chromium.ScreenshotAsync(kiosk, Path.Combine(s_artifacts, "kiosk-closed-today.png"));

        string signage = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/signage"));
        await chromium.WaitForAsync(signage, "document.getElementById('main').dataset.closed === 'closed_today'", TimeSpan.FromSeconds(30));
        Assert.Equal(
            $"今日休息|Closed today|{Holiday}|{nextZh}|{nextEn}|none",
            (await chromium.EvaluateAsync(signage, Shown("document.getElementById('closed')") + " + '|' + getComputedStyle(document.getElementById('now')).display")).GetString());
        await chromium.ScreenshotAsync(signage, Path.Combine(s_artifacts, "signage-closed-today.png"));
    }

    [Fact]
    public async Task OutsideTodaysHours_KioskSaysClosedNowWithTheOpeningTime_AndIssuesNothing()
    {
        // Today's hours begin an hour from now, or (late in the day) ended an hour ago: the branch is closed now either way.
        DateTime now = DateTime.UtcNow;
        bool beforeOpening = now.Hour < 22;
        string hours = beforeOpening
            ? $"{now.AddHours(1):HH:mm}-23:59"
            : $"00:00-{now.AddHours(-1):HH:mm}";
        string profile = KioskBranch.Write(_work.FullName, $$"""
            calendar:
              weekly: { mon: "{{hours}}", tue: "{{hours}}", wed: "{{hours}}", thu: "{{hours}}", fri: "{{hours}}", sat: "{{hours}}", sun: "{{hours}}" }

            """);
        (ServiceProcess service, HttpClient http) = await StartAsync(profile);
        await using ServiceProcess owned = service;
        using HttpClient client = http;

        Assert.False(await Eventually.HoldsAsync(async () => (await StateAsync(http)).GetProperty("dayOpen").GetBoolean(), TimeSpan.FromSeconds(3)));
        JsonElement today = (await StateAsync(http)).GetProperty("calendar").GetProperty("today");
        Assert.Equal(hours, $"{today.GetProperty("open").GetString()}-{today.GetProperty("close").GetString()}");

        using HttpResponseMessage refused = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        JsonElement body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(body.ToString());
        Assert.Equal("closed_now", body.GetProperty("reason").GetString());
        string expectedEn = beforeOpening ? $"Closed now, opens at {hours[..5]}." : "Closed for today. Next opening: ";
        Assert.StartsWith(expectedEn, body.GetProperty("message").GetString(), StringComparison.Ordinal);

        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string kiosk = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/kiosk"), 1280, 900);
        await chromium.WaitForAsync(kiosk, "document.body.dataset.closed === 'closed_now'", TimeSpan.FromSeconds(30));
        string shown = (await chromium.EvaluateAsync(kiosk, Shown("document.getElementById('closed')"))).GetString()!;
        output.WriteLine(shown);
        Assert.StartsWith(beforeOpening ? "暂未营业|Closed now||" : "今日营业已结束|Closed for today||", shown, StringComparison.Ordinal);
        Assert.EndsWith(beforeOpening ? $"今日 {hours[..5]} 开始营业|Opens at {hours[..5]}" : "00:00", shown, StringComparison.Ordinal);
        Assert.Equal(0, (await chromium.EvaluateAsync(kiosk, "document.querySelectorAll('button[data-service]').length")).GetInt32());
        await chromium.ScreenshotAsync(kiosk, Path.Combine(s_artifacts, "kiosk-closed-now.png"));
    }

    [Fact]
    public async Task DayClosedWithinTodaysHours_KioskAndSignageSayClosedForToday_AndTheStateSaysTheDayWasHeld()
    {
        // Hours all day (the kiosk branch's 00:00-23:59, UTC), the day opened by the clock, then close-day from head
        // office well within the hours: the day cannot open again today (day_already_closed), so the screens must say
        // "closed for today", not offer services and refuse "not open yet".
        string profile = KioskBranch.Write(_work.FullName, "");
        await using Mosquitto broker = await Mosquitto.StartAsync();
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", profile, "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}",
            $"--HeadOffice:Brokers:0={broker.Endpoint}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
        await OperationsTests.WaitForAsync(async () => (await StateAsync(http)).GetProperty("dayOpen").GetBoolean());
        Assert.False((await StateAsync(http)).GetProperty("calendar").GetProperty("today").TryGetProperty("dayHeld", out _));
        await service.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        // close-day as head office sends it (one request identity: sent again until the subscription takes it).
        await OperationsTests.WaitForAsync(async () =>
        {
            using var publish = System.Diagnostics.Process.Start("mosquitto_pub",
                ["-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5", "-q", "1",
                 "-t", "lobby/v1/kiosk-001/commands/close-day", "-m", """{"requestId":"close-early-1"}"""])!;
            await publish.WaitForExitAsync();
            await Task.Delay(500);
            return !(await StateAsync(http)).GetProperty("dayOpen").GetBoolean();
        });

        JsonElement state = await StateAsync(http);
        output.WriteLine(state.GetProperty("calendar").ToString());
        JsonElement today = state.GetProperty("calendar").GetProperty("today");
        Assert.True(today.GetProperty("dayHeld").GetBoolean());
        DateTime next = DateTime.Parse(state.GetProperty("calendar").GetProperty("nextOpening").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        DateOnly day = DateOnly.ParseExact(today.GetProperty("date").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(day.AddDays(1).ToDateTime(TimeOnly.MinValue), next);
        string nextEn = $"Next opening: {day.AddDays(1).ToString("ddd d MMM", CultureInfo.InvariantCulture)} 00:00";

        using HttpResponseMessage refused = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        JsonElement body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(body.ToString());
        Assert.Equal("closed_now", body.GetProperty("reason").GetString());
        Assert.Equal($"Closed for today. {nextEn}", body.GetProperty("message").GetString());
        Assert.StartsWith("今日营业已结束。下次营业 ", body.GetProperty("messageZh").GetString(), StringComparison.Ordinal);

        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string kiosk = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/kiosk"), 1280, 900);
        await chromium.WaitForAsync(kiosk, "document.body.dataset.closed === 'closed_now'", TimeSpan.FromSeconds(30));
        string shown = (await chromium.EvaluateAsync(kiosk, Shown("document.getElementById('closed')"))).GetString()!;
        output.WriteLine(shown);
        Assert.StartsWith("今日营业已结束|Closed for today||下次营业 ", shown, StringComparison.Ordinal);
        Assert.EndsWith("|" + nextEn, shown, StringComparison.Ordinal);
        Assert.Equal(0, (await chromium.EvaluateAsync(kiosk, "document.querySelectorAll('button[data-service]').length")).GetInt32());

        string signage = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/signage"));
        await chromium.WaitForAsync(signage, "document.getElementById('main').dataset.closed === 'closed_now'", TimeSpan.FromSeconds(30));
        Assert.StartsWith("今日营业已结束|Closed for today||", (await chromium.EvaluateAsync(signage, Shown("document.getElementById('closed')"))).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Holiday_UnderSimulation_IsNotOpened_AndTheNextWorkingDayOpensByTheClock()
    {
        // The demo branch with today a holiday (its own calendar left out: every other day opens 09:00-17:00).
        string demo = await File.ReadAllTextAsync(ServiceProcess.DemoProfile);
        int calendarAt = demo.IndexOf("\ncalendar:", StringComparison.Ordinal);
        Assert.True(calendarAt > 0, "the demo profile has a calendar section");
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        DateOnly today = DateOnly.FromDateTime(BusinessCalendar.ToLocal(shanghai, DateTime.UtcNow));
        DateOnly tomorrow = today.AddDays(1);
        string profile = Path.Combine(_work.FullName, "holiday.yaml");
        await File.WriteAllTextAsync(profile, demo[..(calendarAt + 1)] + $$"""
            calendar:
              dates: [{ date: {{Day(today)}}, closed: true, note: "{{Holiday}}" }]

            """);
        string data = Path.Combine(_work.FullName, "data");
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", profile, "--simulate", "--speed", "3000", "--days", "1", "--seed", "9", "--data", data, $"--Http:Port={ServiceProcess.FreePort()}");

        await service.WaitForLineAsync(
            m => m == $"Closed by the branch's calendar from {Day(today)} to {Day(today)}: the simulation goes on with {Day(tomorrow)}", TimeSpan.FromMinutes(1));
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(3)));

        // The log: one day, tomorrow's, opened at its opening time by the clock; no ticket on the holiday.
        var opened = new List<(DateOnly Date, DateTime At)>();
        using (BranchLog log = BranchLog.Open(data))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                if (e.Kind == EventKind.TicketIssued)
                {
                    Assert.Equal(tomorrow, DateOnly.FromDateTime(BusinessCalendar.ToLocal(shanghai, e.TimeUtc)));
                }

                if (e.Kind == EventKind.DayOpened)
                {
                    opened.Add((e.AsDayOpened().BusinessDate, e.TimeUtc));
                }
            }
        }

        (DateOnly date, DateTime at) = Assert.Single(opened);
        Assert.Equal(tomorrow, date);
        DateTime opening = BusinessCalendar.ToUtc(shanghai, tomorrow, new TimeOnly(9, 0));
        Assert.InRange(at, opening, opening + TimeSpan.FromMinutes(1));
    }

    /// <summary>The texts of a closed panel's parts, joined by '|': title zh, title en, note, next zh, next en.</summary>
    private static string Shown(string panel) =>
        $"['titleZh','titleEn','note','nextZh','nextEn'].map(k => {panel}.querySelector('[data-cal=' + k + ']').textContent).join('|')";

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<(ServiceProcess Service, HttpClient Http)> StartAsync(string profile)
    {
        int port = ServiceProcess.FreePort();
        ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
        return (service, http);
    }

    private static async Task<JsonElement> StateAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/state", UriKind.Relative)));
}
