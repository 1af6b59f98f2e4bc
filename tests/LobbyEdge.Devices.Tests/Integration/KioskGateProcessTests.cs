using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Issue 12, item 4 (the kiosk's half), on the real process: who may take tickets at <c>POST /kiosk/tickets</c> and how
/// fast. A LAN caller is reached through the machine's own non-loopback address (the service listens on 0.0.0.0), so
/// the service sees a peer that is not loopback, as a kiosk on the branch LAN is.
/// </summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class KioskGateProcessTests : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-kiosk-gate");
    private PtyPrinter? _pty;

    [Fact]
    public async Task UnknownKioskOrBadToken_Gets403AndNoTicket_AndAnEnrolledKioskPrints()
    {
        IPAddress lan = LanAddress();
        string token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string tokens = Path.Combine(_dir.FullName, "kiosks");
        await File.WriteAllTextAsync(tokens, $"# kiosk  sha256(token)\nlobby-1 {KioskTokens.Hash(token)}\n");
        _pty = await PtyPrinter.StartAsync(_dir.FullName);
        string branch = _pty.WriteKioskBranch(_dir.FullName);
        VirtualPrinter printer = _pty.Printer;
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _dir.FullName, "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}", "--Http:Address=0.0.0.0", $"--Kiosk:TokenFile={tokens}");
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Uri lanBase = new($"http://{lan}:{port}");
        using var stranger = new HttpClient { BaseAddress = lanBase };

        // A LAN caller with no token: 403 with a JSON reason, and no number taken.
        (HttpStatusCode status, JsonElement body) = await KioskTaps.TapAsync(stranger);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("unknown_kiosk", body.GetProperty("reason").GetString());
        Assert.False(body.TryGetProperty("ticket", out _));

        // A wrong token, as a bearer or a cookie, and an enrolment with a wrong token: 403 too.
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/kiosk/tickets", UriKind.Relative)) { Content = JsonContent.Create(new { service = "cash" }) })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token[..^1] + (token[^1] == '0' ? '1' : '0'));
            using HttpResponseMessage response = await stranger.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("bad_token", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString());
        }

        using (HttpResponseMessage response = await stranger.GetAsync(new Uri("/kiosk/enrol?token=not-a-token", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }

        await AssertIssuedAsync(local, 0);
        Assert.Empty(printer.Tickets);

        // The technician opens the enrolment URL on the kiosk once: an HttpOnly, SameSite=Strict cookie, then /kiosk.
        var cookies = new CookieContainer();
        using var kiosk = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = lanBase };
        using (HttpResponseMessage response = await kiosk.GetAsync(new Uri($"/kiosk/enrol?token={token}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/kiosk", response.Headers.Location?.OriginalString);
            string setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/kiosk", setCookie, StringComparison.OrdinalIgnoreCase);
        }

        // The enrolled kiosk's tap issues a ticket and the printer on the pty prints it.
        (status, body) = await KioskTaps.TapWhenPrinterReadyAsync(kiosk, service, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(9));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("A001", body.GetProperty("ticket").GetString());
        string? printed = await printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30));
        Assert.NotNull(printed);
        Assert.Contains("A001", printed, StringComparison.Ordinal);
        await AssertIssuedAsync(local, 1);

        // The box itself (loopback) is a kiosk on a fresh install: the demo and a kiosk browser on the box.
        (status, body) = await KioskTaps.TapAsync(local);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("A002", body.GetProperty("ticket").GetString());

        // The refusals are counted by reason; the token is nowhere in the metrics or the log.
        string metrics = await local.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, Metric(metrics, "lobby_kiosk_requests_refused_total{reason=\"unknown_kiosk\"}"));
        Assert.Equal(2, Metric(metrics, "lobby_kiosk_requests_refused_total{reason=\"bad_token\"}"));
        Assert.DoesNotContain(token, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(service.Lines, l => l.GetRawText().Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FloodOfTicketRequests_StopsAtTheLimitsWith429AndRetryAfter_AndTheDaysNumbersAreNotUsedUp()
    {
        // Per kiosk 8 at once, the branch 12 at once; both refill one a minute, so what a flood gets is exact.
        IPAddress lan = LanAddress();
        string branch = KioskBranch.Write(_dir.FullName, "");
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _dir.FullName, "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}", "--Http:Address=0.0.0.0",
            $"--Kiosk:AllowedAddresses:0={lan}", "--Kiosk:Burst=8", "--Kiosk:TicketsPerMinute=1", "--Kiosk:BranchBurst=12", "--Kiosk:BranchTicketsPerMinute=1");
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var lanKiosk = new HttpClient { BaseAddress = new Uri($"http://{lan}:{port}") };

        // The box's own kiosk floods: its own limit stops it after 8.
        List<(HttpStatusCode Status, JsonElement Body, RetryConditionHeaderValue? RetryAfter)> flood = await FloodAsync(local, 400);
        int issuedLocal = flood.Count(r => r.Status == HttpStatusCode.OK);
        Assert.InRange(issuedLocal, 8, 9);
        Assert.Equal(400 - issuedLocal, flood.Count(r => r.Status == HttpStatusCode.TooManyRequests));
        Assert.All(flood.Where(r => r.Status == HttpStatusCode.TooManyRequests), r =>
        {
            Assert.Equal("kiosk_rate_limit", r.Body.GetProperty("reason").GetString());
            Assert.NotNull(r.RetryAfter?.Delta);
            Assert.InRange(r.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
            Assert.Equal((int)r.RetryAfter.Delta.Value.TotalSeconds, r.Body.GetProperty("retryAfterSeconds").GetInt32());
        });

        // A LAN kiosk allowed by address floods next: it has its own 8, but the branch has only 12 - 8 left.
        flood = await FloodAsync(lanKiosk, 400);
        int issuedLan = flood.Count(r => r.Status == HttpStatusCode.OK);
        Assert.InRange(issuedLocal + issuedLan, 12, 13);
        Assert.All(flood.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.NotNull(r.RetryAfter?.Delta);
        });
        int branchRefused = flood.Count(r => r.Status == HttpStatusCode.TooManyRequests && r.Body.GetProperty("reason").GetString() == "branch_rate_limit");
        Assert.True(branchRefused > 0, "the branch's cap never refused the second kiosk");

        // 800 requests took only the tickets the limits allow; the numbers of the day are still there.
        await AssertIssuedAsync(local, issuedLocal + issuedLan);
        string metrics = await local.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(800 - issuedLocal - issuedLan, Metric(metrics, "lobby_kiosk_requests_refused_total{reason=\"kiosk_rate_limit\"}") + Metric(metrics, "lobby_kiosk_requests_refused_total{reason=\"branch_rate_limit\"}"));
        Assert.Equal(branchRefused, Metric(metrics, "lobby_kiosk_requests_refused_total{reason=\"branch_rate_limit\"}"));
    }

    [Fact]
    public async Task MalformedTokenFile_StopsTheStartWithExit2_NamingTheLine()
    {
        string tokens = Path.Combine(_dir.FullName, "kiosks");
        await File.WriteAllTextAsync(tokens, $"lobby-1 {KioskTokens.Hash("a")}\nlobby-2 the-token-itself\n");
        string branch = KioskBranch.Write(_dir.FullName, "");
        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(
            _dir.FullName, TimeSpan.FromMinutes(1), "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), $"--Kiosk:TokenFile={tokens}");
        Assert.Equal(2, exitCode);
        Assert.Contains($"{tokens}:2: kiosk 'lobby-2'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("the-token-itself", stderr, StringComparison.Ordinal);

        (exitCode, _, stderr) = await ServiceProcess.RunToEndAsync(
            _dir.FullName, TimeSpan.FromMinutes(1), "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), "--Kiosk:AllowedAddresses:0=192.168.1.300", "--Kiosk:Burst=0");
        Assert.Equal(2, exitCode);
        Assert.Contains("Kiosk:AllowedAddresses:0 = '192.168.1.300'", stderr, StringComparison.Ordinal);
        Assert.Contains("Kiosk:Burst = '0'", stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pty is not null)
        {
            await _pty.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    /// <summary>The machine's own non-loopback IPv4 address: a caller from it is, to the service, a LAN caller.</summary>
    internal static IPAddress LanAddress() => Lan.Address();

    internal static double Metric(string exposition, string series)
    {
        string? line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no {series} in /metrics");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<List<(HttpStatusCode Status, JsonElement Body, RetryConditionHeaderValue? RetryAfter)>> FloodAsync(HttpClient http, int count)
    {
        // As a script would: many at once.
        Task<(HttpStatusCode, JsonElement, RetryConditionHeaderValue?)>[] taps = [.. Enumerable.Range(0, count).Select(async _ =>
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(), response.Headers.RetryAfter);
        })];
        return [.. await Task.WhenAll(taps)];
    }

    /// <summary>The state (rebuilt after each batch, a moment after the kiosk's answer) comes to say <paramref name="expected"/> tickets were issued.</summary>
    private static async Task AssertIssuedAsync(HttpClient http, int expected)
    {
        int issued = -1;
        await Eventually.UntilAsync(async () => (issued = await IssuedAsync(http)) == expected, $"{expected} tickets issued", TimeSpan.FromSeconds(10), () => $"{issued} issued");
    }

    private static async Task<int> IssuedAsync(HttpClient http)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        return state.RootElement.GetProperty("services").EnumerateArray().Sum(s => s.GetProperty("issued").GetInt32());
    }
}
