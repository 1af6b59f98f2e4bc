using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The lobby manager's console (<c>/lobby</c>) against the running service: sign-in, lockout and cross-site refusal
/// over HTTP; care alerts, one-tap care, recovery and diversion in a real headless Chromium on a simulated demo day
/// (60x: a simulated minute a second). Screenshots go to the test artifacts (<c>screenshots/</c> or
/// <c>$LOBBYEDGE_ARTIFACTS</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class LobbyConsoleTests(ITestOutputHelper output) : IDisposable
{
    private const int DemoStaff = 8001;
    private const string DemoPin = "2468";
    private const int StaffId = 1024;
    private const string StaffPin = "135790";

    private static readonly string s_artifacts = Environment.GetEnvironmentVariable("LOBBYEDGE_ARTIFACTS") is { Length: > 0 } a
        ? a
        : Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-console-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Console_RefusesWithoutSignIn_AndRefusesCrossSitePosts()
    {
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 3);
        await using ServiceProcess owned = service;
        using HttpClient anonymous = Client(baseAddress);

        // The page sends a stranger to the sign-in; the API and the feed answer 401.
        using (HttpResponseMessage page = await anonymous.GetAsync(new Uri("/lobby", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/lobby/signin", page.Headers.Location?.OriginalString);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/lobby/api/state", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/lobby/events", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(new Uri("/lobby/api/care", UriKind.Relative), new { ticket = "A001" })).StatusCode);

        // A sign-in posted from another site's page is refused before the PIN is looked at.
        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, "/lobby/api/signin") { Content = JsonContent.Create(new { staff = DemoStaff, pin = DemoPin }) })
        {
            crossSite.Headers.Add("Origin", "http://evil.example");
            crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
            Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.SendAsync(crossSite)).StatusCode);
        }

        // Signed in: the cookie is HttpOnly and SameSite=Strict, and the state is there.
        using HttpClient staff = Client(baseAddress);
        using HttpResponseMessage signIn = await staff.PostAsJsonAsync(new Uri("/lobby/api/signin", UriKind.Relative), new { staff = DemoStaff, pin = DemoPin });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        string cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lobby_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/lobby", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync(new Uri("/lobby/api/state", UriKind.Relative))).StatusCode);
        using (HttpResponseMessage page = await staff.GetAsync(new Uri("/lobby", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        }

        // With a valid session cookie, an action from another site's page is still refused (and so is a bad body).
        using (var forged = new HttpRequestMessage(HttpMethod.Post, "/lobby/api/care") { Content = JsonContent.Create(new { ticket = "A001" }) })
        {
            forged.Headers.Add("Origin", "http://evil.example");
            using HttpResponseMessage refused = await staff.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("cross_site", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        using (var sameSite = new HttpRequestMessage(HttpMethod.Post, "/lobby/api/care") { Content = new StringContent("{\"ticket\":", Encoding.UTF8, "application/json") })
        {
            sameSite.Headers.Add("Origin", baseAddress.GetLeftPart(UriPartial.Authority));
            Assert.Equal(HttpStatusCode.BadRequest, (await staff.SendAsync(sameSite)).StatusCode);
        }

        // Signed out: the session is gone on the server, not only in the browser.
        Assert.Equal(HttpStatusCode.OK, (await staff.PostAsJsonAsync(new Uri("/lobby/api/signout", UriKind.Relative), new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await staff.GetAsync(new Uri("/lobby/api/state", UriKind.Relative))).StatusCode);

        // In the browser: /lobby lands on the PIN pad.
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string tab = await chromium.OpenAsync(new Uri(baseAddress, "/lobby"), 1024, 600);
        await chromium.WaitForAsync(tab, "location.pathname === '/lobby/signin' && document.readyState !== 'loading' && document.getElementById('pad') !== null", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task StaffAddedByTheCommand_SignsIn_AndRepeatedWrongPinsLockOut()
    {
        string data = Path.Combine(_work.FullName, "data");
        const string Pin = "135790";
        (int code, string stdout, string stderr) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, TimeSpan.FromMinutes(1), Pin + "\n", "staff", "add", "--data", data, "--id", "1024", "--name", "Zhang Wei 张伟", "--role", "lobby-manager");
        Assert.True(code == 0, stderr);
        output.WriteLine(stdout);
        string file = await File.ReadAllTextAsync(Path.Combine(data, "staff.txt"));
        Assert.Contains("1024:lobby-manager:pbkdf2-sha256$600000$", file, StringComparison.Ordinal);
        Assert.DoesNotContain(Pin, file, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "staff.txt")));
        }

        // Not a simulation: no demo staff. The branch and the clock are the kiosk tests' (open all day, UTC).
        (ServiceProcess service, Uri baseAddress) = await StartWithStaffFileAsync(data);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(http, DemoStaff, DemoPin)).StatusCode);
        using (HttpResponseMessage right = await SignInAsync(http, 1024, Pin))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Equal("Zhang Wei 张伟", (await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        }

        // Acting on a ticket a customer took at the kiosk: reprint, recognise as VIP (twice: the second is refused with
        // its reason), and cancel; a counter clerk may not cancel.
        (int addedClerk, _, string clerkError) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, TimeSpan.FromMinutes(1), "2468\n", "staff", "add", "--data", data, "--id", "7", "--name", "Li Na", "--role", "counter");
        Assert.True(addedClerk == 0, clerkError);
        using HttpClient clerk = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(clerk, 7, "2468")).StatusCode);
        using (HttpResponseMessage issued = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        }

        await Eventually.UntilAsync(async () => Shown(await StateAsync(http), "A001"), "A001 on the console");
        // This branch has no printer: the reprint is recorded, and the console says it could not come out.
        using (HttpResponseMessage reprint = await http.PostAsJsonAsync(new Uri("/lobby/api/reprint", UriKind.Relative), new { ticket = "A001" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, reprint.StatusCode);
            JsonElement body = await reprint.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("not_printed", body.GetProperty("reason").GetString());
            Assert.Contains("no printer", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync(new Uri("/lobby/api/tier", UriKind.Relative), new { ticket = "A001", tier = "vip" })).StatusCode);
        using (HttpResponseMessage again = await http.PostAsJsonAsync(new Uri("/lobby/api/tier", UriKind.Relative), new { ticket = "A001", tier = "vip" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            JsonElement body = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("same_tier", body.GetProperty("reason").GetString());
            Assert.Equal("该号已是此类别", body.GetProperty("messageZh").GetString());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await clerk.PostAsJsonAsync(new Uri("/lobby/api/cancel", UriKind.Relative), new { ticket = "A001" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync(new Uri("/lobby/api/cancel", UriKind.Relative), new { ticket = "A001" })).StatusCode);
        await Eventually.UntilAsync(async () => !Shown(await StateAsync(http), "A001"), "A001 to leave the console once cancelled");

        // Five wrong PINs in a row for staff 1024 (the sign-in above cleared this address's count): the fifth locks,
        // and then even the right PIN is answered 429 with a Retry-After of the lockout's length.
        var answers = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            using HttpResponseMessage wrong = await SignInAsync(http, 1024, "0000" + i);
            answers.Add(wrong.StatusCode);
        }

        output.WriteLine(string.Join(", ", answers));
        Assert.All(answers.Take(4), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
        using (HttpResponseMessage locked = await SignInAsync(http, 1024, Pin))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            int retryAfter = int.Parse(locked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 240, 300);
        }

        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1 + 5, Sample(metrics, "lobby_console_signin_failures_total{reason=\"wrong_pin\"}"));
        Assert.True(Sample(metrics, "lobby_console_signin_failures_total{reason=\"locked\"}") >= 1);

        // The PIN and its hash are nowhere: not in the log, the metrics, the state.
        string state = await http.GetStringAsync(new Uri("/api/state", UriKind.Relative));
        string log = string.Join("\n", service.Lines.Select(l => l.GetRawText()));
        Assert.Contains("wrong PIN for staff 1024", log, StringComparison.Ordinal);
        foreach (string text in new[] { log, metrics, state })
        {
            Assert.DoesNotContain(Pin, text, StringComparison.Ordinal);
            Assert.DoesNotContain("pbkdf2", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadStaffFile_StopsTheStartWithExit2_NamingFileLineAndField()
    {
        string data = Path.Combine(_work.FullName, "data");
        Directory.CreateDirectory(data);
        string staffFile = Path.Combine(_work.FullName, "staff.txt");
        (int added, _, string addError) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, TimeSpan.FromMinutes(1), "4321\n", "staff", "add", "--file", staffFile, "--id", "7", "--name", "Li Na", "--role", "counter");
        Assert.True(added == 0, addError);
        await File.AppendAllTextAsync(staffFile, "\n2048:janitor:pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:Wang Fang\n");
        int badLine = (await File.ReadAllLinesAsync(staffFile)).Length;

        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Lobby:StaffFile={staffFile}", $"--Http:Port={ServiceProcess.FreePort()}");
        Assert.Equal(2, await service.WaitForExitWithoutReadyAsync(TimeSpan.FromMinutes(1)));
        string stderr = await service.StderrAsync();
        output.WriteLine(stderr);
        Assert.Contains($"{staffFile}:{badLine}: role: must be lobby-manager, counter or supervisor (got \"janitor\")", stderr, StringComparison.Ordinal);

        // The command refuses the bad file the same way, and a PIN that is not 4..12 digits.
        (int listed, _, string listError) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(1), "staff", "list", "--file", staffFile);
        Assert.Equal(2, listed);
        Assert.Contains($"{staffFile}:{badLine}: role:", listError, StringComparison.Ordinal);
        (int badPin, _, string pinError) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, TimeSpan.FromMinutes(1), "12a\n", "staff", "add", "--data", data, "--id", "9", "--name", "Zhao Lei", "--role", "supervisor");
        Assert.Equal(2, badPin);
        Assert.Contains("a PIN is 4 to 12 digits", pinError, StringComparison.Ordinal);
        Assert.DoesNotContain("12a", pinError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CareAlert_ShowsWithinASecond_AndOneTapRecordsCare()
    {
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 11);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http, DemoStaff, DemoPin)).StatusCode);
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await SignInInBrowserAsync(chromium, baseAddress, 1024, 600);

        // Watch the console's own state (built on the engine loop) for a ticket that newly needs care; the page must
        // show it as due or overdue within a second.
        var seen = new HashSet<string>(DueTickets(await StateAsync(http)));
        string? alert = null;
        await Eventually.UntilAsync(async () =>
        {
            alert = DueTickets(await StateAsync(http)).FirstOrDefault(t => !seen.Contains(t));
            return alert is not null;
        }, "a new care alert on the simulated floor", TimeSpan.FromMinutes(2));
        TimeSpan took = await chromium.WaitForAsync(
            page, $"['due','overdue'].includes(document.querySelector('.ticket[data-ticket=\"{alert}\"]')?.dataset.care)", TimeSpan.FromSeconds(1));
        output.WriteLine($"care alert for {alert} on the console after {took.TotalMilliseconds:0} ms");

        // One tap records care: the care figures (engine) and /metrics move. A ticket called in the meantime is
        // refused as no longer waiting; then the next one is taken.
        double before = CareGivenMetric(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        int figureBefore = (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32();
        string? cared = null;
        for (int attempt = 0; attempt < 20 && cared is null; attempt++)
        {
            // The most urgent card, else any: the floor may be empty for a moment between calls.
            await chromium.WaitForAsync(page, "[...document.querySelectorAll('.ticket button.care')].some(b => !b.disabled)", TimeSpan.FromMinutes(1));
            await chromium.EvaluateAsync(page, "document.getElementById('toast').className = ''");
            string ticket = (await chromium.EvaluateAsync(page, """
                (() => { const cards = [...document.querySelectorAll('.ticket')].filter(c => !c.querySelector('button.care').disabled);
                         const card = cards.find(c => c.dataset.care === 'overdue' || c.dataset.care === 'due') ?? cards[0];
                         if (!card) { return ''; } card.querySelector('button.care').click(); return card.dataset.ticket; })()
                """)).GetString() ?? "";
            if (ticket.Length == 0)
            {
                continue;
            }

            await chromium.WaitForAsync(page, "document.getElementById('toast').classList.contains('show')", TimeSpan.FromSeconds(10));
            string reason = (await chromium.EvaluateAsync(page, "document.getElementById('toast').dataset.reason")).GetString() ?? "";
            output.WriteLine($"care for {ticket}: {(reason.Length == 0 ? "recorded" : reason)}");
            Assert.True(reason is "" or "ticket_not_waiting" or "unknown_ticket", $"care refused: {reason}");
            cared = reason.Length == 0 ? ticket : null;
        }

        Assert.NotNull(cared);
        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32() > figureBefore,
            "the console's care figure to count the care");
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        if (metrics.Contains("# TYPE lobby_care_given_total counter", StringComparison.Ordinal))
        {
            await Eventually.UntilAsync(
                async () => CareGivenMetric(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))) > before,
                "lobby_care_given_total to move");
        }
        else
        {
            // The care metrics come with the metrics change (issue 12, item 2); until then the engine's event is
            // checked in the branch log, as head office would get it.
            output.WriteLine("lobby_care_given_total is not exported by this build; checked the CareGiven event in the log instead");
            (int code, string events, string error) = await ServiceProcess.RunToEndAsync(
                _work.FullName, TimeSpan.FromMinutes(1), "inspect", "--data", Path.Combine(_work.FullName, "data"), "--branch", ServiceProcess.DemoProfile);
            Assert.True(code == 0, error);
            Assert.Contains(events.Split('\n'), line => line.Contains($"\"ticket\":\"{cared}\"", StringComparison.Ordinal)
                && (line.Contains("care_given", StringComparison.Ordinal) || line.Contains("\"type\":\"lobby.unknown\"", StringComparison.Ordinal)));
        }

        // The tablet and phone layouts, for the README, once the floor is busy (or as it is after a minute).
        await Eventually.HoldsAsync(async () => (await chromium.EvaluateAsync(page, "document.querySelectorAll('.ticket').length")).GetInt32() >= 8, TimeSpan.FromMinutes(1));
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "console-1024x600.png"));
        string phone = await chromium.OpenAsync(new Uri(baseAddress, "/lobby"), 390, 844);
        await chromium.WaitForAsync(phone, "document.querySelectorAll('.ticket').length > 0", TimeSpan.FromSeconds(30));
        await chromium.ScreenshotAsync(phone, Path.Combine(s_artifacts, "console-phone.png"));
    }

    [Fact]
    public async Task HeldPresses_OnCareAndMore_AreNotLost_WhileUpdatesArrive()
    {
        // A busy simulated floor at 240x: the console's state changes several times a second. Presses are real input
        // events (button down, held, up), held longer than the gap between two updates, as a finger on a tablet is.
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 5, speed: 240);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http, DemoStaff, DemoPin)).StatusCode);
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await SignInInBrowserAsync(chromium, baseAddress, 1024, 600);

        // Count the state messages the page gets (a second feed in the same page), and note what each press went down on.
        await chromium.EvaluateAsync(page, """
            window.updates = 0; new EventSource('/lobby/events').addEventListener('state', () => window.updates++);
            document.addEventListener('pointerdown', e => { const b = e.target.closest('button'); window.downOn = b ? b.className : ''; }, true);
            window.pressed = new Set(); true
            """);

        // A busy floor: a handful of customers waiting.
        await chromium.WaitForAsync(page, "document.querySelectorAll('.ticket').length >= 5", TimeSpan.FromMinutes(2));
        int figureBefore = (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32();
        int recorded = 0, updatedDuringPress = 0, pressesOnMore = 0;
        for (int attempt = 0; attempt < 40 && (recorded < 3 || pressesOnMore < 3 || updatedDuringPress < 3); attempt++)
        {
            bool onMore = recorded >= 3;
            string kind = onMore ? "more" : "care";
            JsonElement target = await chromium.EvaluateAsync(page, $$"""
                (() => { const b = [...document.querySelectorAll('.ticket button.{{kind}}')].find(b => !b.disabled && !window.pressed.has(b.dataset.ticket));
                         if (!b) { return null; }
                         b.scrollIntoView({ block: 'center' }); const r = b.getBoundingClientRect();
                         document.getElementById('toast').className = ''; window.downOn = null; window.updatesAtPress = window.updates;
                         if ('{{kind}}' === 'care') { window.pressed.add(b.dataset.ticket); }
                         return { ticket: b.dataset.ticket, x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()
                """);
            if (target.ValueKind != JsonValueKind.Object)
            {
                await Task.Delay(200);
                continue;
            }

            await chromium.PressAsync(page, target.GetProperty("x").GetDouble(), target.GetProperty("y").GetDouble(), TimeSpan.FromMilliseconds(onMore ? 150 : 300));
            int during = (await chromium.EvaluateAsync(page, "window.updates - window.updatesAtPress")).GetInt32();
            string downOn = (await chromium.EvaluateAsync(page, "window.downOn ?? ''")).GetString() ?? "";
            if (downOn != kind)
            {
                // The card moved between finding it and pressing (before the finger was down): not this test's case.
                output.WriteLine($"press {attempt} went down on '{downOn}', not on {kind}");
                await chromium.EvaluateAsync(page, "document.getElementById('sheetClose').click()");
                continue;
            }

            updatedDuringPress += during > 0 ? 1 : 0;
            if (onMore)
            {
                // The press opens the ticket's sheet.
                await chromium.WaitForAsync(page, "document.getElementById('sheet').classList.contains('show')", TimeSpan.FromSeconds(5));
                await chromium.EvaluateAsync(page, "document.getElementById('sheetClose').click()");
                pressesOnMore++;
                output.WriteLine($"⋯ on {target.GetProperty("ticket").GetString()}: sheet opened ({during} updates during the press)");
                continue;
            }

            // The press records care (or the ticket was called meanwhile, and the console says so): never nothing.
            await chromium.WaitForAsync(page, "document.getElementById('toast').classList.contains('show')", TimeSpan.FromSeconds(5));
            string reason = (await chromium.EvaluateAsync(page, "document.getElementById('toast').dataset.reason")).GetString() ?? "";
            output.WriteLine($"care on {target.GetProperty("ticket").GetString()}: {(reason.Length == 0 ? "recorded" : reason)} ({during} updates during the press)");
            Assert.True(reason is "" or "ticket_not_waiting", $"care refused: {reason}");
            recorded += reason.Length == 0 ? 1 : 0;
        }

        Assert.Equal(3, recorded);
        Assert.True(pressesOnMore >= 3, $"only {pressesOnMore} presses on ⋯");
        Assert.True(updatedDuringPress >= 3, $"only {updatedDuringPress} presses had an update while held");
        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32() >= figureBefore + recorded,
            "the console's care figure to count every press");
    }

    [Fact]
    public async Task TicketsTheConsoleDoesNotList_CanBeActedOn_AndRefusalsGiveTheEnginesReason()
    {
        (ServiceProcess service, Uri baseAddress) = await StartBranchWithStaffAsync();
        await using ServiceProcess owned = service;
        using HttpClient http = await StaffClientAsync(baseAddress);

        // 101 customers waiting (nobody at the counter): the console lists the 80 longest waits, A001..A080.
        await IssueAsync(http, 101);
        JsonElement state = default;
        await Eventually.UntilAsync(async () => (state = await StateAsync(http)).GetProperty("figures").GetProperty("waiting").GetInt32() == 101, "101 waiting");
        JsonElement cash = state.GetProperty("services")[0];
        Assert.Equal(80, cash.GetProperty("tickets").GetArrayLength());
        Assert.False(Shown(state, "A099"));

        // Not listed, still a ticket of today: care is recorded, cancel is done.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "care", new { ticket = "A099" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "cancel", new { ticket = "A100" })).Status);

        // Ended: the engine's own reasons, not "no such ticket today".
        (HttpStatusCode status, JsonElement body) = await PostAsync(http, "cancel", new { ticket = "A100" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ticket_not_waiting", body.GetProperty("reason").GetString());
        Assert.Equal("该号已不在等候（可能已被叫号）", body.GetProperty("messageZh").GetString());
        (status, body) = await PostAsync(http, "reprint", new { ticket = "A100" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ticket_ended", body.GetProperty("reason").GetString());
        (status, body) = await PostAsync(http, "care", new { ticket = "A100" });
        Assert.Equal("ticket_not_waiting", body.GetProperty("reason").GetString());

        // A number no ticket of today carries is still refused as unknown.
        (status, body) = await PostAsync(http, "care", new { ticket = "A102" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("unknown_ticket", body.GetProperty("reason").GetString());
        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32() == 1, "the care on A099 to be counted");
    }

    [Fact]
    public async Task DoubleTapOnCare_RecordsOneAct_AndSaysItIsAlreadyRecorded()
    {
        (ServiceProcess service, Uri baseAddress) = await StartBranchWithStaffAsync();
        await using ServiceProcess owned = service;
        using HttpClient http = await StaffClientAsync(baseAddress);
        await IssueAsync(http, 1);

        // Two taps at once: both answered 200, exactly one records care, the other says it is recorded already.
        (HttpStatusCode Status, JsonElement Body)[] taps = await Task.WhenAll(
            PostAsync(http, "care", new { ticket = "A001" }), PostAsync(http, "care", new { ticket = "A001" }));
        Assert.All(taps, tap => Assert.Equal(HttpStatusCode.OK, tap.Status));
        JsonElement already = Assert.Single(taps, tap => tap.Body.TryGetProperty("already", out JsonElement a) && a.GetBoolean()).Body;
        Assert.Equal(StaffId, already.GetProperty("caredBy").GetInt32());
        Assert.InRange(already.GetProperty("caredSecondsAgo").GetInt64(), 0, 30);

        // A tap a moment later (the engine has the care by now): the same answer, nothing sent.
        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32() == 1, "the care to be counted");
        (HttpStatusCode status, JsonElement again) = await PostAsync(http, "care", new { ticket = "A001" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(again.GetProperty("already").GetBoolean());
        Assert.Equal(1, (await StateAsync(http)).GetProperty("figures").GetProperty("careGiven").GetInt32());
        Assert.Equal(1, CareGivenMetric(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))));
    }

    [Fact]
    public async Task MissedCallsThatCannotComeBack_AreNotListed()
    {
        // The demo branch where a missed call may never come back (maxRecoveries 0), except at the VIP desk (2).
        string profile = Path.Combine(_work.FullName, "no-recoveries.yaml");
        await File.WriteAllTextAsync(profile, (await File.ReadAllTextAsync(ServiceProcess.DemoProfile))
            .Replace("  maxRecoveries: 1 ", "  maxRecoveries: 0 ", StringComparison.Ordinal));
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 7, profile, speed: 240);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http, DemoStaff, DemoPin)).StatusCode);

        // Every missed call of the day (from the branch's log) outside the VIP desk: never listed as one that can come
        // back, and the engine refuses its recovery as having no recoveries left. What counts is the service the ticket
        // was missed in, not its printed letter: a B ticket transferred to the VIP desk keeps "B004" and the desk's 2.
        var listed = new HashSet<string>();
        var refusedAsMax = new List<string>();
        var checkedNumbers = new HashSet<string>();
        await Eventually.UntilAsync(async () =>
        {
            foreach (JsonElement n in (await StateAsync(http)).GetProperty("noShows").EnumerateArray())
            {
                listed.Add(n.GetProperty("ticket").GetString()!);
                Assert.Equal("vip", n.GetProperty("service").GetString());
                Assert.True(n.GetProperty("recoveriesLeft").GetInt32() > 0);
            }

            (int code, string events, string error) = await ServiceProcess.RunToEndAsync(
                _work.FullName, TimeSpan.FromMinutes(1), "inspect", "--data", Path.Combine(_work.FullName, "data"), "--branch", profile);
            Assert.True(code == 0, error);
            foreach (string line in events.Split('\n').Where(l => l.Contains("\"lobby.ticket.no_show\"", StringComparison.Ordinal)))
            {
                string number = System.Text.RegularExpressions.Regex.Match(line, "\"ticket\":\"([A-Z][0-9]+)\"").Groups[1].Value;
                if (number.Length == 0 || line.Contains("\"service\":\"vip\"", StringComparison.Ordinal) || !checkedNumbers.Add(number))
                {
                    continue;
                }

                (HttpStatusCode status, JsonElement body) = await PostAsync(http, "recover", new { number });
                string reason = body.GetProperty("reason").GetString()!;
                output.WriteLine($"recover {number}: {status} {reason}");
                Assert.Equal(HttpStatusCode.Conflict, status);
                Assert.Contains(reason, new[] { "max_recoveries_reached", "tolerance_calls_exceeded", "tolerance_minutes_exceeded" });
                if (reason == "max_recoveries_reached")
                {
                    refusedAsMax.Add(number);
                }
            }

            return refusedAsMax.Count >= 2;
        }, "two missed calls that cannot come back", TimeSpan.FromMinutes(3));
        output.WriteLine($"listed as able to come back: {string.Join(", ", listed)}");
        Assert.DoesNotContain(listed, checkedNumbers.Contains);
    }

    [Fact]
    public async Task ReprintWithoutPrinter_SaysSoInChinese_AndUnknownConsolePathsAnswerJson()
    {
        (ServiceProcess service, Uri baseAddress) = await StartBranchWithStaffAsync();
        await using ServiceProcess owned = service;
        using HttpClient http = await StaffClientAsync(baseAddress);
        await IssueAsync(http, 1);

        // No printer: the Chinese message is Chinese throughout.
        (HttpStatusCode status, JsonElement body) = await PostAsync(http, "reprint", new { ticket = "A001" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("已记录补打，但未出票（未配置打印机）", body.GetProperty("messageZh").GetString());
        Assert.Equal("Reprint recorded but not printed (no printer).", body.GetProperty("message").GetString());
        Assert.Equal("打印机缺纸", LobbyEdge.Service.Lobby.LobbyConsole.PrinterReasonZh("printer out of paper"));
        Assert.Equal("打印机连接中断", LobbyEdge.Service.Lobby.LobbyConsole.PrinterReasonZh("printer line down: I/O error: tcp://10.0.0.5:9100: the peer closed the connection"));

        // A method a console path does not take, and a path that is not there: JSON, as every console answer.
        using (HttpResponseMessage get = await http.GetAsync(new Uri("/lobby/api/care", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
            Assert.Equal("POST", string.Join(",", get.Content.Headers.Allow));
            Assert.Equal("method_not_allowed", (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        (status, body) = await PostAsync(http, "nope", new { ticket = "A001" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", body.GetProperty("reason").GetString());

        // Outside /lobby an unknown path gets the same JSON 404 (it was a bare, empty one).
        using HttpResponseMessage elsewhere = await http.GetAsync(new Uri("/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal("not_found", (await elsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());

        // The pages and the API still answer as before.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/lobby", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task RecoverByNumber_AcceptedInTolerance_RefusedWithTheReasonOutside_AndDivert()
    {
        // The demo branch with a short tolerance (three further calls, five minutes), so a missed call expires soon.
        string profile = Path.Combine(_work.FullName, "short-tolerance.yaml");
        await File.WriteAllTextAsync(profile, (await File.ReadAllTextAsync(ServiceProcess.DemoProfile))
            .Replace("  toleranceCalls: 5 ", "  toleranceCalls: 3 ", StringComparison.Ordinal)
            .Replace("  toleranceMinutes: 20 ", "  toleranceMinutes: 5  ", StringComparison.Ordinal));
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 7, profile);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(http, DemoStaff, DemoPin)).StatusCode);
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await SignInInBrowserAsync(chromium, baseAddress, 1024, 600);
        await chromium.EvaluateAsync(page, "document.getElementById('lang').click()");
        await chromium.EvaluateAsync(page, "document.querySelector('nav button[data-tab=recover]').click()");

        // Accepted: a missed call still in tolerance, tapped in the list; it is back in the queue.
        string recovered = "";
        await Eventually.UntilAsync(async () =>
        {
            string shown = (await chromium.EvaluateAsync(page, "document.querySelector('.noshow')?.dataset.ticket ?? ''")).GetString() ?? "";
            if (shown.Length == 0)
            {
                return false;
            }

            await chromium.EvaluateAsync(page, $"document.getElementById('recoverResult').className = ''; document.querySelector('button.recover-one[data-number=\"{shown}\"]').click()");
            await chromium.WaitForAsync(page, "document.getElementById('recoverResult').className !== ''", TimeSpan.FromSeconds(10));
            bool ok = (await chromium.EvaluateAsync(page, "document.getElementById('recoverResult').className")).GetString() == "ok";
            recovered = ok ? shown : recovered;
            return ok;
        }, "a missed call to recover from the console", TimeSpan.FromMinutes(3));
        output.WriteLine($"recovered {recovered}: {(await chromium.EvaluateAsync(page, "document.getElementById('recoverResult').textContent")).GetString()}");

        // Refused: a missed call whose tolerance passed. Its number is typed in; the reason is shown in English.
        string missed = "";
        var watched = new HashSet<string>();
        var cameBack = new HashSet<string>();
        await Eventually.UntilAsync(async () =>
        {
            JsonElement state = await StateAsync(http);
            var now = state.GetProperty("noShows").EnumerateArray().Select(n => n.GetProperty("ticket").GetString()!).ToHashSet();
            watched.UnionWith(now);
            cameBack.UnionWith(watched.Where(n => !now.Contains(n) && Shown(state, n)));

            // Gone from the missed calls without coming back to a queue or a counter: its tolerance passed.
            missed = watched.FirstOrDefault(n => !now.Contains(n) && !cameBack.Contains(n) && !Shown(state, n)) ?? "";
            return missed.Length > 0;
        }, "a missed call to expire", TimeSpan.FromMinutes(3));
        await chromium.EvaluateAsync(page, $"document.getElementById('recoverNumber').value = '{missed.ToLowerInvariant()}'; document.getElementById('recoverResult').className = ''; document.getElementById('recoverGo').click()");
        await chromium.WaitForAsync(page, "document.getElementById('recoverResult').className === 'refused'", TimeSpan.FromSeconds(10));
        string reason = (await chromium.EvaluateAsync(page, "document.getElementById('recoverResult').dataset.reason")).GetString()!;
        string message = (await chromium.EvaluateAsync(page, "document.getElementById('recoverResult').textContent")).GetString()!;
        output.WriteLine($"recover {missed}: {reason}: {message}");
        Assert.Contains(reason, new[] { "tolerance_calls_exceeded", "tolerance_minutes_exceeded" });
        Assert.Contains("outside the recovery tolerance", message, StringComparison.Ordinal);
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "console-recover.png"));

        // Divert: a waiting cash customer to non-cash, from the ticket's sheet; the console then lists it there.
        await chromium.EvaluateAsync(page, "document.querySelector('nav button[data-tab=waiting]').click()");
        string diverted = await ActFromSheetAsync(chromium, page, "document.querySelector('.ticket button.more[data-service=cash]')?.dataset.ticket ?? ''",
            "#divertTo button[data-service=noncash]", "divert", "a waiting cash ticket to divert");
        await Eventually.UntilAsync(async () =>
        {
            JsonElement state = await StateAsync(http);
            JsonElement noncash = state.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "noncash");
            bool there = noncash.GetProperty("tickets").EnumerateArray().Any(t => t.GetProperty("ticket").GetString() == diverted);
            return there || !Shown(state, diverted);
        }, $"{diverted} to be listed under non-cash (or called from there)");

        // Recognised as a VIP: a waiting customer of the normal tier, from the ticket's sheet; the console then shows
        // the ticket with the VIP tier (or it was called first, as a VIP is).
        string recognised = await ActFromSheetAsync(chromium, page, "document.querySelector('.ticket[data-tier=normal]')?.dataset.ticket ?? ''",
            "#sheet button[data-act=tier][data-tier=vip]", "VIP", "a waiting customer to recognise as a VIP");
        await Eventually.UntilAsync(async () =>
        {
            JsonElement state = await StateAsync(http);
            JsonElement? shown = state.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("tickets").EnumerateArray())
                .Cast<JsonElement?>().FirstOrDefault(t => t!.Value.GetProperty("ticket").GetString() == recognised);
            return shown is { } t ? t.GetProperty("tier").GetString() == "vip" : !Shown(state, recognised) || state.GetProperty("counters").EnumerateArray()
                .Any(c => c.TryGetProperty("ticket", out JsonElement at) && at.GetString() == recognised);
        }, $"{recognised} to be shown as a VIP (or called)");
    }

    [Fact]
    public async Task ParallelSignInBurst_ChecksAtMostFivePins_AndTheRightPinInTheBurstIsLockedOut()
    {
        (ServiceProcess service, Uri baseAddress) = await StartSimulationAsync(seed: 5);
        await using ServiceProcess owned = service;
        using HttpClient http = Client(baseAddress);

        // 100 wrong PINs and the demo PIN in the middle, all at once (what `xargs -P 150 curl` did).
        var burst = new List<Task<HttpStatusCode>>();
        for (int i = 0; i < 101; i++)
        {
            string pin = i == 50 ? DemoPin : (3000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            burst.Add(Task.Run(async () =>
            {
                using HttpResponseMessage r = await SignInAsync(http, DemoStaff, pin);
                return r.StatusCode;
            }));
        }

        HttpStatusCode[] answers = await Task.WhenAll(burst);
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double wrong = Sample(metrics, "lobby_console_signin_failures_total{reason=\"wrong_pin\"}");
        double locked = Sample(metrics, "lobby_console_signin_failures_total{reason=\"locked\"}");
        int signedIn = answers.Count(a => a == HttpStatusCode.OK);
        output.WriteLine($"wrong_pin {wrong}, locked {locked}, signed in {signedIn}, 429s {answers.Count(a => a == HttpStatusCode.TooManyRequests)}");
        Assert.True(wrong + signedIn <= 5, $"{wrong} wrong and {signedIn} right PINs were checked; at most 5 may be");
        Assert.Equal(101, wrong + locked + signedIn);
        Assert.True(answers.Count(a => a == HttpStatusCode.TooManyRequests) >= 96, "the rest are refused with 429");

        // Locked: the right PIN does not get in either.
        if (wrong >= 5)
        {
            using HttpResponseMessage after = await SignInAsync(http, DemoStaff, DemoPin);
            Assert.Equal(HttpStatusCode.TooManyRequests, after.StatusCode);
        }
    }

    [Fact]
    public async Task RemovingStaff_OrResettingTheirPin_EndsTheirSessions()
    {
        string data = Path.Combine(_work.FullName, "data");
        foreach ((string id, string role, string pin) in new[] { ("1024", "lobby-manager", "135790"), ("7", "counter", "246810") })
        {
            (int code, _, string stderr) = await ServiceProcess.RunWithInputAsync(
                _work.FullName, TimeSpan.FromMinutes(1), pin + "\n", "staff", "add", "--data", data, "--id", id, "--name", $"Staff {id}", "--role", role);
            Assert.True(code == 0, stderr);
        }

        (ServiceProcess service, Uri baseAddress) = await StartWithStaffFileAsync(data);
        await using ServiceProcess owned = service;
        using HttpClient manager = Client(baseAddress);
        using HttpClient clerk = Client(baseAddress);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(manager, 1024, "135790")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(clerk, 7, "246810")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clerk.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);

        // Removed from the staff file: the clerk's open session ends at once; the manager's stays.
        (int removed, _, string removeError) = await ServiceProcess.RunWithInputAsync(_work.FullName, TimeSpan.FromMinutes(1), "", "staff", "remove", "--data", data, "--id", "7");
        Assert.True(removed == 0, removeError);
        Assert.Equal(HttpStatusCode.Unauthorized, (await clerk.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await clerk.PostAsJsonAsync(new Uri("/lobby/api/care", UriKind.Relative), new { ticket = "A001" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);

        // A new PIN (a lost or shared PIN is reset): sessions signed in with the old one end; the new PIN signs in.
        (int reset, _, string resetError) = await ServiceProcess.RunWithInputAsync(_work.FullName, TimeSpan.FromMinutes(1), "975310\n", "staff", "pin", "--data", data, "--id", "1024");
        Assert.True(reset == 0, resetError);
        Assert.Equal(HttpStatusCode.Unauthorized, (await manager.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await manager.PostAsJsonAsync(new Uri("/lobby/api/care", UriKind.Relative), new { ticket = "A001" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(manager, 1024, "975310")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync(new Uri("/lobby/api/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SatisfactionToday_ShowsEachCountersFigure_AndTheLowScoresToFollowUp()
    {
        // A morning of ratings already in the branch's log (pads at counter 1, the page at counter 2, one after the window).
        (string profile, _) = await RatedBranch.WriteAsync(_work.FullName);
        (ServiceProcess service, Uri baseAddress) = await StartBranchWithStaffAsync(profile);
        await using ServiceProcess owned = service;
        using HttpClient http = await StaffClientAsync(baseAddress);
        JsonElement ratings = (await StateAsync(http)).GetProperty("ratings");
        JsonElement[] counters = [.. ratings.GetProperty("counters").EnumerateArray()];
        string[] low = [.. ratings.GetProperty("low").EnumerateArray().Select(l => l.TryGetProperty("ticket", out JsonElement t) ? t.GetString()! : "")];
        Assert.True(counters.Length == 2 && low.Length > 0, ratings.GetRawText());

        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await SignInInBrowserAsync(chromium, baseAddress, 1024, 600, StaffId, StaffPin);
        await chromium.EvaluateAsync(page, "document.querySelector('nav button[data-tab=\"today\"]').click()");
        await chromium.WaitForAsync(page, "document.querySelectorAll('#ratingRows tr').length === 3 && document.getElementById('ratings').offsetHeight > 0", TimeSpan.FromSeconds(10));

        // Each counter's figure on its own scale (CSAT on the pad counter, NPS on the page's), its ratings and response rate.
        foreach (JsonElement c in counters)
        {
            string row = $"#ratingRows tr[data-counter=\"{c.GetProperty("number").GetInt32()}\"]";
            string figure = (await chromium.EvaluateAsync(page, $"document.querySelector('{row} [data-figure=\"rating\"]').textContent")).GetString()!;
            string count = (await chromium.EvaluateAsync(page, $"document.querySelector('{row} [data-figure=\"ratings\"]').textContent")).GetString()!;
            output.WriteLine($"counter {c.GetProperty("number")}: {figure}, {count} ratings");
            Assert.Equal(c.GetProperty("ratings").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), count);
            if (c.GetProperty("padRatings").GetInt32() > 0)
            {
                Assert.Contains($"满意度 {Math.Round(c.GetProperty("satisfaction").GetDouble() * 100):0}%", figure, StringComparison.Ordinal);
            }

            if (c.GetProperty("npsRatings").GetInt32() > 0)
            {
                Assert.Contains($"NPS {Math.Round(c.GetProperty("nps").GetDouble()):0}", figure, StringComparison.Ordinal);
            }
        }

        // The low scores, newest first, by ticket (none for a rating after the window), with the reasons in Chinese.
        string[] shown = [.. (await chromium.EvaluateAsync(page, "[...document.querySelectorAll('#lowScores .low')].map(l => l.dataset.ticket)")).EnumerateArray().Select(t => t.GetString()!)];
        Assert.Equal(low, shown);
        string lows = (await chromium.EvaluateAsync(page, "document.getElementById('lowScores').textContent")).GetString()!;
        Assert.Contains("等待太久", lows, StringComparison.Ordinal);
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "console-ratings.png"));
    }

    [Fact]
    public async Task OnAHoliday_TheConsoleSaysClosedTodayWithTheHolidayAndTheNextOpening()
    {
        // The kiosk tests' branch (UTC, open all day) with today and tomorrow closed by its calendar.
        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        DateOnly reopens = today.AddDays(2);
        string profile = KioskBranch.Write(_work.FullName, $$"""
            calendar:
              dates: [{ date: {{Day(today)}}, to: {{Day(today.AddDays(1))}}, closed: true, note: "国庆节 National Day" }]

            """);
        (ServiceProcess service, Uri baseAddress) = await StartBranchWithStaffAsync(profile);
        await using ServiceProcess owned = service;
        using HttpClient http = await StaffClientAsync(baseAddress);

        JsonElement calendar = (await StateAsync(http)).GetProperty("calendar");
        Assert.True(calendar.GetProperty("today").GetProperty("closed").GetBoolean());
        Assert.Equal($"{Day(reopens)}T00:00:00Z", calendar.GetProperty("nextOpening").GetString());

        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string page = await SignInInBrowserAsync(chromium, baseAddress, 1024, 600, StaffId, StaffPin);
        await chromium.WaitForAsync(page, "document.getElementById('calendar').textContent !== ''", TimeSpan.FromSeconds(30));
        string line = (await chromium.EvaluateAsync(page, "document.getElementById('calendar').textContent")).GetString()!;
        output.WriteLine(line);
        Assert.Equal(
            $"今日休息 Closed today · 国庆节 National Day · 下次营业 {reopens.Month}月{reopens.Day}日 周{"日一二三四五六"[(int)reopens.DayOfWeek]} 00:00 · "
            + $"Next opening: {reopens.ToString("ddd d MMM", System.Globalization.CultureInfo.InvariantCulture)} 00:00",
            line);
        Assert.Equal("true", (await chromium.EvaluateAsync(page, "document.getElementById('calendar').dataset.closed")).GetString());
        await chromium.ScreenshotAsync(page, Path.Combine(s_artifacts, "console-closed-today.png"));
    }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(ServiceProcess Service, Uri BaseAddress)> StartSimulationAsync(int seed, string? profile = null, int speed = 60)
    {
        int port = ServiceProcess.FreePort();
        ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", profile ?? ServiceProcess.DemoProfile, "--simulate", "--speed", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        await service.WaitForLineAsync(m => m.Contains($"as staff {DemoStaff} with PIN {DemoPin}", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        return (service, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Not a simulation (no demo staff): the kiosk tests' branch and clock (open all day, UTC), staff from <paramref name="data"/>.</summary>
    private async Task<(ServiceProcess Service, Uri BaseAddress)> StartWithStaffFileAsync(string data)
    {
        string profile = KioskBranch.Write(_work.FullName, "");
        int port = ServiceProcess.FreePort();
        ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", data, $"--Http:Port={port}");
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        return (service, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>
    /// The kiosk tests' branch (one service, one counter nobody staffs, open all day) with staff <see cref="StaffId"/>
    /// added by the command, and the kiosk's limits raised so a test can issue many tickets at once.
    /// </summary>
    private async Task<(ServiceProcess Service, Uri BaseAddress)> StartBranchWithStaffAsync(string? profile = null)
    {
        string data = Path.Combine(_work.FullName, "data");
        (int code, _, string error) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, TimeSpan.FromMinutes(1), StaffPin + "\n", "staff", "add", "--data", data, "--id", StaffId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--name", "Zhang Wei 张伟", "--role", "lobby-manager");
        Assert.True(code == 0, error);
        int port = ServiceProcess.FreePort();
        ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", profile ?? KioskBranch.Write(_work.FullName, ""), "--data", data, $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000");
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        return (service, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>A client signed in as staff <see cref="StaffId"/>.</summary>
    private static async Task<HttpClient> StaffClientAsync(Uri baseAddress)
    {
        HttpClient http = Client(baseAddress);
        using HttpResponseMessage signedIn = await SignInAsync(http, StaffId, StaffPin);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        return http;
    }

    private static async Task IssueAsync(HttpClient http, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using HttpResponseMessage issued = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        }

        await Eventually.UntilAsync(
            async () => (await StateAsync(http)).GetProperty("figures").GetProperty("waiting").GetInt32() >= count, $"{count} waiting on the console");
    }

    /// <summary>A console action: its status and JSON answer.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string action, object body)
    {
        using HttpResponseMessage r = await http.PostAsJsonAsync(new Uri($"/lobby/api/{action}", UriKind.Relative), body);
        return (r.StatusCode, await r.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>
    /// Finds a card by <paramref name="findTicket"/> (a script giving its ticket or ''), taps <paramref name="action"/> in its
    /// sheet and waits for the toast, until the engine accepts one (a card called meanwhile is refused as not waiting and
    /// another is tried); returns the ticket acted on.
    /// </summary>
    private async Task<string> ActFromSheetAsync(HeadlessChromium chromium, string page, string findTicket, string action, string label, string what)
    {
        string done = "";
        await Eventually.UntilAsync(async () =>
        {
            string ticket = (await chromium.EvaluateAsync(page, findTicket)).GetString() ?? "";
            if (ticket.Length == 0 || !await TapInSheetAsync(chromium, page, ticket, action))
            {
                return false;
            }

            await chromium.WaitForAsync(page, "document.getElementById('toast').classList.contains('show')", TimeSpan.FromSeconds(10));
            string why = (await chromium.EvaluateAsync(page, "document.getElementById('toast').dataset.reason")).GetString() ?? "";
            output.WriteLine($"{label} {ticket}: {(why.Length == 0 ? "done" : why)}");
            Assert.True(why is "" or "ticket_not_waiting" or "unknown_ticket", $"{label} refused: {why}");
            done = why.Length == 0 ? ticket : "";
            return done.Length > 0;
        }, what, TimeSpan.FromMinutes(2));
        return done;
    }

    /// <summary>
    /// Opens <paramref name="ticket"/>'s sheet (⋯) and taps <paramref name="action"/> in one step; false when the card is
    /// gone (the simulated counters keep calling, so a card may leave between finding it and tapping it).
    /// </summary>
    private static async Task<bool> TapInSheetAsync(HeadlessChromium chromium, string page, string ticket, string action) =>
        (await chromium.EvaluateAsync(page,
            $"(() => {{ document.getElementById('toast').className = ''; const b = document.querySelector('button.more[data-ticket=\"{ticket}\"]'); if (!b) return false; b.click(); const d = document.querySelector('{action}'); if (!d) return false; d.click(); return true; }})()")).GetBoolean();

    private static HttpClient Client(Uri baseAddress)
    {
#pragma warning disable CA2000 // the client owns the handler
        return new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = baseAddress };
#pragma warning restore CA2000
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient http, int staff, string pin) =>
        http.PostAsJsonAsync(new Uri("/lobby/api/signin", UriKind.Relative), new { staff, pin });

    /// <summary>Signs in on the PIN pad as a person would: staff id, next, PIN, sign in; returns the console's tab.</summary>
    private static async Task<string> SignInInBrowserAsync(HeadlessChromium chromium, Uri baseAddress, int width, int height, int staff = DemoStaff, string pin = DemoPin)
    {
        string tab = await chromium.OpenAsync(new Uri(baseAddress, "/lobby/signin"), width, height);
        await chromium.WaitForAsync(tab, "document.readyState !== 'loading' && document.getElementById('pad') !== null", TimeSpan.FromSeconds(30));
        foreach (char key in staff.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            await chromium.EvaluateAsync(tab, $"document.querySelector('#pad button[data-k=\"{key}\"]').click()");
        }

        await chromium.EvaluateAsync(tab, "document.getElementById('go').click()");
        foreach (char key in pin)
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

    private static IEnumerable<string> DueTickets(JsonElement state) =>
        state.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("tickets").EnumerateArray())
            .Where(t => t.GetProperty("care").GetString() is "due" or "overdue")
            .Select(t => t.GetProperty("ticket").GetString()!)
            .ToList();

    /// <summary>Whether the console shows the ticket anywhere: waiting, missed, or at a counter.</summary>
    private static bool Shown(JsonElement state, string ticket) =>
        state.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("tickets").EnumerateArray()).Any(t => t.GetProperty("ticket").GetString() == ticket)
        || state.GetProperty("noShows").EnumerateArray().Any(t => t.GetProperty("ticket").GetString() == ticket)
        || state.GetProperty("counters").EnumerateArray().Any(c => c.TryGetProperty("ticket", out JsonElement t) && t.GetString() == ticket);

    private static double CareGivenMetric(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("lobby_care_given_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static double Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();
}
