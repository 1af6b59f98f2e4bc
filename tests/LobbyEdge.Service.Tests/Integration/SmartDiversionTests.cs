using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Simulator.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 14, smart diversion (智能分流), on the real process: the profile's <c>selfService</c> checked at start, the
/// kiosk page suggesting the alternative when the predicted wait is long (and not when it is short), a customer taking
/// it recorded in the log and in <c>lobby_diverted_total</c>, the printed ticket's line on a real pty with the virtual
/// printer, and the signage hint, in headless Chromium.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SmartDiversionTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const string Diverted = "lobby_diverted_total{service=\"cash\"}";
    private const string TicketLine = "可使用大厅自助存取款机，免排队 / No queue: ATM / cash recycler in the lobby";
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);
    private static readonly string s_artifacts = HeadlessChromium.Artifacts;
    private static readonly string[] s_manyTickets = ["--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-diversion-");
    private PtyRig? _rig;

    [Theory]
    [InlineData("waitMinutes: 0", "selfService.waitMinutes: must be between 1 and 480 (got \"0\")")]
    [InlineData("waitMinutes: soon", "selfService.waitMinutes")]
    [InlineData("waitMinute: 10", "unknown key \"waitMinute\"; did you mean \"waitMinutes\"?")]
    public async Task BadSelfServiceInTheProfile_ExitsTwo_NamingFileLineAndColumn(string waitLine, string message)
    {
        string profile = Profile("");
        string text = await File.ReadAllTextAsync(profile);
        await File.WriteAllTextAsync(profile, text.Replace("waitMinutes: 10}", waitLine + "}", StringComparison.Ordinal));
        int line = text[..text.IndexOf("waitMinutes: 10}", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        int column = text.IndexOf("waitMinutes: 10}", StringComparison.Ordinal) - text.LastIndexOf('\n', text.IndexOf("waitMinutes: 10}", StringComparison.Ordinal));

        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "--branch", profile, "--data", Path.Combine(_work.FullName, "data"));

        output.WriteLine(stderr);
        Assert.Equal(2, exitCode);
        Assert.Contains($"{profile}:{line}:{column}: services[0].selfService.", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongWait_KioskSuggestsTheAlternative_TakingItIsRecordedAndCounted_TicketAndSignageSayItToo()
    {
        _rig = await PtyRig.StartAsync();
        var printer = new VirtualPrinter();
        await _rig.AttachAsync(printer);
        string profile = Profile($"""
            devices:
              - id: kiosk-printer
                model: escpos-80mm
                port: {_rig.Path}
            kiosk:
              printer: kiosk-printer
            """);
        string data = Path.Combine(_work.FullName, "data");
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, ["--branch", profile, "--data", data, $"--Http:Port={port}", .. s_manyTickets]);
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.UntilAsync(async () => (await CashAsync(http)).TryGetProperty("selfService", out _), "the state to show the cash service's alternative");
        await Eventually.UntilAsync(async () => OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).GetValueOrDefault("lobby_printer_paper{device=\"kiosk-printer\",status=\"ok\"}") == 1, "the kiosk printer to be up");

        // Nobody waits: no suggestion; a tap gives a ticket at once, and the ticket says nothing about the ATM.
        await using HeadlessChromium chromium = await HeadlessChromium.StartAsync();
        string kiosk = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/kiosk"), 1280, 900);
        await chromium.WaitForAsync(kiosk, "document.querySelector('button[data-service=cash]') !== null", s_patience);
        JsonElement cash = await CashAsync(http);
        Assert.False(cash.GetProperty("selfService").GetProperty("suggested").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await ServiceAsync(http, "loans")).GetProperty("selfService").ValueKind);
        Assert.True(await chromium.EvaluateAsync(kiosk, "document.querySelector('button[data-service=cash] .divert') === null") is { ValueKind: JsonValueKind.True });
        await chromium.EvaluateAsync(kiosk, "document.querySelector('button[data-service=cash]').click()");
        await chromium.WaitForAsync(kiosk, "document.getElementById('overlay').classList.contains('show')", s_patience);
        Assert.False(await chromium.EvaluateAsync(kiosk, "document.getElementById('suggest').classList.contains('show')") is { ValueKind: JsonValueKind.True });
        Assert.Equal("A001", (await chromium.EvaluateAsync(kiosk, "document.getElementById('number').textContent")).GetString());
        string first = (await printer.WaitForTicketAsync(1, s_patience))!;
        Assert.Contains("A001", first, StringComparison.Ordinal);
        Assert.DoesNotContain("大厅自助存取款机", first, StringComparison.Ordinal);
        await chromium.EvaluateAsync(kiosk, "document.getElementById('done').click()");

        // More customers, one counter: the predicted wait grows until it reaches the 10 minutes of the profile.
        int printed = 1;
        while (!(cash = await CashAsync(http)).GetProperty("selfService").GetProperty("suggested").GetBoolean())
        {
            Assert.True(printed < 30, $"the predicted wait never reached 10 minutes: {cash}");
            Assert.True(!cash.TryGetProperty("predictedWaitSeconds", out JsonElement below) || below.GetInt64() < 600, cash.ToString());
            using HttpResponseMessage issued = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            printed++;
        }

        long predicted = cash.GetProperty("predictedWaitSeconds").GetInt64();
        output.WriteLine($"suggested after {printed} tickets at a predicted wait of {predicted} s");
        Assert.True(predicted >= 600, cash.ToString());

        // A ticket taken anyway now carries the line (the predicted wait at issue reached the threshold).
        using (HttpResponseMessage anyway = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.Equal(HttpStatusCode.OK, anyway.StatusCode);
        }

        string longWait = (await printer.WaitForTicketAsync(++printed, s_patience))!;
        output.WriteLine(longWait);
        Assert.Contains(TicketLine, longWait.Split('\n'));

        // The kiosk page: the cash button says it, a tap asks first; "use self-service" gives no ticket and says where to go.
        await chromium.WaitForAsync(kiosk, "document.querySelector('button[data-service=cash] .divert') !== null", s_patience);
        await chromium.EvaluateAsync(kiosk, "document.querySelector('button[data-service=cash]').click()");
        await chromium.WaitForAsync(kiosk, "document.getElementById('suggest').classList.contains('show')", s_patience);
        string waitEn = (await chromium.EvaluateAsync(kiosk, "document.getElementById('suggestWaitEn').textContent")).GetString()!;
        Assert.Matches("^About [0-9]+ min wait\\. Personal cash\\?$", waitEn);
        Assert.Equal("可使用大厅自助存取款机，无需排队", (await chromium.EvaluateAsync(kiosk, "document.getElementById('suggestAltZh').textContent")).GetString());
        Assert.Equal("ATM / cash recycler in the lobby: no wait.", (await chromium.EvaluateAsync(kiosk, "document.getElementById('suggestAltEn').textContent")).GetString());
        await chromium.ScreenshotAsync(kiosk, Path.Combine(s_artifacts, "kiosk-self-service-suggested.png"));
        // Every cash ticket so far is in the state (it is rebuilt a moment after each step, so wait for it).
        await Eventually.UntilAsync(async () => (await CashAsync(http)).GetProperty("issued").GetInt32() == printed, "the state to count every ticket issued");
        int issuedBefore = printed;
        await chromium.EvaluateAsync(kiosk, "document.getElementById('useSelf').click()");
        await chromium.WaitForAsync(kiosk, "document.getElementById('card').dataset.selfService === 'cash'", s_patience);
        Assert.Contains("ATM / cash recycler in the lobby", (await chromium.EvaluateAsync(kiosk, "document.getElementById('lineEn').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Contains("大厅自助存取款机", (await chromium.EvaluateAsync(kiosk, "document.getElementById('lineZh').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Equal("", (await chromium.EvaluateAsync(kiosk, "document.getElementById('number').textContent")).GetString());
        await chromium.ScreenshotAsync(kiosk, Path.Combine(s_artifacts, "kiosk-self-service-taken.png"));
        await WaitForMetricAsync(http, Diverted, 1);
        Assert.Equal(issuedBefore, (await CashAsync(http)).GetProperty("issued").GetInt32());
        Assert.Equal(printed, printer.Tickets.Count);

        // "Take a ticket" instead: a ticket, as before.
        await chromium.EvaluateAsync(kiosk, "document.getElementById('done').click()");
        await chromium.EvaluateAsync(kiosk, "document.querySelector('button[data-service=cash]').click()");
        await chromium.WaitForAsync(kiosk, "document.getElementById('suggest').classList.contains('show')", s_patience);
        await chromium.EvaluateAsync(kiosk, "document.getElementById('takeTicket').click()");
        await chromium.WaitForAsync(kiosk, "/^A[0-9]{3}$/.test(document.getElementById('number').textContent)", s_patience);
        Assert.Contains(TicketLine, (await printer.WaitForTicketAsync(++printed, s_patience))!.Split('\n'));

        // Bad requests are refused with the field or the reason, and count nothing.
        await AssertRefusedAsync(http, "{}", HttpStatusCode.BadRequest, "service");
        await AssertRefusedAsync(http, """{"service": 5}""", HttpStatusCode.BadRequest, "service");
        await AssertRefusedAsync(http, """{"service": "cash", "priority": true}""", HttpStatusCode.BadRequest, "priority");
        await AssertRefusedAsync(http, """{"service": "nope"}""", HttpStatusCode.BadRequest, "unknown_service");

        // Like every other 400, it names the field (the tryout found only reason and messages).
        await AssertRefusedAsync(http, """{"service": "nope"}""", HttpStatusCode.BadRequest, "\"error\":\"service: not a service of this branch (known: ");
        await AssertRefusedAsync(http, """{"service": "loans"}""", HttpStatusCode.Conflict, "no_self_service");

        // The signage: a hint for cash, none for loans.
        string signage = await chromium.OpenAsync(new Uri(http.BaseAddress!, "/signage"));
        await chromium.WaitForAsync(signage, "document.querySelector('#hints li[data-service=cash]') !== null", s_patience);
        string hint = (await chromium.EvaluateAsync(signage, "document.querySelector('#hints li[data-service=cash]').textContent")).GetString()!;
        Assert.Contains("个人现金等候较长，可使用大厅自助存取款机", hint, StringComparison.Ordinal);
        Assert.Contains("Personal cash: long wait - use ATM / cash recycler in the lobby", hint, StringComparison.Ordinal);
        Assert.True(await chromium.EvaluateAsync(signage, "document.querySelectorAll('#hints li').length === 1") is { ValueKind: JsonValueKind.True });
        await chromium.ScreenshotAsync(signage, Path.Combine(s_artifacts, "signage-self-service-hint.png"));

        // The choice is in the log, with the wait the customer was told and the people waiting then.
        (int code, string events, string inspectErr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "inspect", "--data", data, "--branch", profile);
        Assert.True(code == 0, inspectErr);
        JsonElement chosen = Assert.Single(events.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()),
            e => e.GetProperty("type").GetString() == "lobby.kiosk.self_service_chosen");
        output.WriteLine(chosen.ToString());
        Assert.Equal("cash", chosen.GetProperty("service").GetString());
        Assert.True(chosen.GetProperty("predictedWaitMs").GetInt64() >= 600_000, chosen.ToString());
        Assert.True(chosen.GetProperty("waiting").GetInt32() >= 2, chosen.ToString());
        await WaitForMetricAsync(http, Diverted, 1);
    }

    [Fact]
    public async Task SelfServiceChoice_IsGatedAndRateLimitedLikeTickets()
    {
        // Loopback not allowed and no token: 403, nothing counted.
        string profile = Profile("");
        int port = ServiceProcess.FreePort();
        await using (ServiceProcess closed = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", Path.Combine(_work.FullName, "closed"), $"--Http:Port={port}", "--Kiosk:AllowLoopback=false"))
        {
            await closed.WaitUntilReadyAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using HttpResponseMessage refused = await PostAsync(http, """{"service": "cash"}""");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("unknown_kiosk", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).GetValueOrDefault(Diverted));
        }

        // One a minute per kiosk: the second choice is refused with Retry-After, and so is the next ticket (one bucket).
        // Nobody waits, so the kiosk suggests nothing and the first choice is refused as not suggested: it still spends
        // the token (the gate counts requests, not answers).
        port = ServiceProcess.FreePort();
        await using ServiceProcess limited = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", Path.Combine(_work.FullName, "limited"), $"--Http:Port={port}", "--Kiosk:Burst=1", "--Kiosk:TicketsPerMinute=1");
        await limited.WaitUntilReadyAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.UntilAsync(async () => (await CashAsync(client)).TryGetProperty("selfService", out _), "the state to show the cash service's alternative");
        using (HttpResponseMessage notSuggested = await PostAsync(client, """{"service": "cash"}"""))
        {
            string answer = await notSuggested.Content.ReadAsStringAsync();
            Assert.True(notSuggested.StatusCode == HttpStatusCode.Conflict, answer);
            Assert.Contains("self_service_not_suggested", answer, StringComparison.Ordinal);
        }

        using (HttpResponseMessage again = await PostAsync(client, """{"service": "cash"}"""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
            Assert.NotNull(again.Headers.RetryAfter);
        }

        using (HttpResponseMessage ticket = await client.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, ticket.StatusCode);
        }

        Assert.Equal(0, OperationsTests.Parse(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative))).GetValueOrDefault(Diverted));
    }

    /// <summary>
    /// A choice the kiosk did not offer (the wait under the threshold: a script on the LAN, a stale page) is 409
    /// <c>self_service_not_suggested</c> and counts nothing, in the metric or the log; once the wait reaches the
    /// threshold the same request is taken. The old endpoint counted every choice.
    /// </summary>
    [Fact]
    public async Task SelfServiceChoice_WhileTheKioskDoesNotSuggestIt_IsRefusedAndCountsNothing()
    {
        string profile = Profile("");
        string data = Path.Combine(_work.FullName, "data");
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, ["--branch", profile, "--data", data, $"--Http:Port={port}", .. s_manyTickets]);
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.UntilAsync(async () => (await CashAsync(http)).TryGetProperty("selfService", out _), "the state to show the cash service's alternative");

        for (int i = 0; i < 5; i++)
        {
            await AssertRefusedAsync(http, """{"service": "cash"}""", HttpStatusCode.Conflict, "self_service_not_suggested");
        }

        using (HttpResponseMessage one = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        Assert.False((await CashAsync(http)).GetProperty("selfService").GetProperty("suggested").GetBoolean());
        await AssertRefusedAsync(http, """{"service": "cash"}""", HttpStatusCode.Conflict, "The wait for Personal cash is short now");
        Assert.Equal(0, OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).GetValueOrDefault(Diverted));

        // Tickets until the kiosk suggests it: then the same request is taken and counted once.
        // The state is published after the engine's batch: each ticket is waited for there before the next is taken.
        JsonElement cash;
        for (int printed = 1; !(cash = await CashAsync(http)).GetProperty("selfService").GetProperty("suggested").GetBoolean(); printed++)
        {
            Assert.True(printed < 30, $"the predicted wait never reached 10 minutes: {cash}");
            using HttpResponseMessage issued = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            int expected = printed + 1;
            await Eventually.UntilAsync(async () => (await CashAsync(http)).GetProperty("issued").GetInt32() >= expected, $"{expected} cash tickets in the state");
        }

        using (HttpResponseMessage taken = await PostAsync(http, """{"service": "cash"}"""))
        {
            Assert.True(taken.StatusCode == HttpStatusCode.OK, await taken.Content.ReadAsStringAsync());
        }

        await WaitForMetricAsync(http, Diverted, 1);
        (int code, string events, string inspectErr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "inspect", "--data", data, "--branch", profile);
        Assert.True(code == 0, inspectErr);
        Assert.Single(events.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("lobby.kiosk.self_service_chosen", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }

        _work.Delete(recursive: true);
    }

    /// <summary>The kiosk tests' branch with cash naming the ATM from a 10-minute wait, and loans naming nothing, on the one counter.</summary>
    private string Profile(string hardware)
    {
        string path = KioskBranch.Write(_work.FullName, hardware);
        string text = File.ReadAllText(path)
            .Replace(
                "  - {id: cash, prefix: A, name: \"Personal cash\", nameZh: \"个人现金\"}\n",
                "  - {id: cash, prefix: A, name: \"Personal cash\", nameZh: \"个人现金\", selfService: {name: \"ATM / cash recycler in the lobby\", nameZh: \"大厅自助存取款机\", waitMinutes: 10}}\n"
                + "  - {id: loans, prefix: L, name: \"Loans\", nameZh: \"贷款\"}\n",
                StringComparison.Ordinal)
            .Replace("  - {number: 1, services: [cash]}\n", "  - {number: 1, services: [cash, loans]}\n", StringComparison.Ordinal);
        Assert.Contains("waitMinutes: 10", text, StringComparison.Ordinal);
        Assert.Contains("[cash, loans]", text, StringComparison.Ordinal);
        File.WriteAllText(path, text);
        return path;
    }

    private static Task<JsonElement> CashAsync(HttpClient http) => ServiceAsync(http, "cash");

    private static async Task<JsonElement> ServiceAsync(HttpClient http, string id)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        return state.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id).Clone();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string body) =>
        http.PostAsync(new Uri("/kiosk/self-service", UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    private static async Task AssertRefusedAsync(HttpClient http, string body, HttpStatusCode status, string named)
    {
        using HttpResponseMessage response = await PostAsync(http, body);
        string answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{body} -> {(int)response.StatusCode} {answer}");
        Assert.Contains(named, answer, StringComparison.Ordinal);
    }

    private static async Task WaitForMetricAsync(HttpClient http, string sample, double value)
    {
        double last = double.NaN;
        await Eventually.UntilAsync(
            async () => (last = OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).GetValueOrDefault(sample, double.NaN)) == value,
            $"{sample} to be {value}",
            detail: () => $"last {last}");
    }
}
