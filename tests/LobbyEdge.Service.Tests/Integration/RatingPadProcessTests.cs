using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Simulator.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Rating pads on the real process: the caller keypad line is a socat pty, the keypads and pads at its far end are
/// the simulator's virtual twins speaking <c>caller68</c>. Tickets come from the kiosk; what the engine made of the
/// pads' scores is read back with <c>lobby-edge inspect</c> (the durable log), what the pads were told from the wire.
/// Keypads 1 and 2 at counters 1 and 2; prompt-capable rating pads 101 and 102 at the same counters.
/// </summary>
[Collection("rating pads")]
[Trait("Category", "Integration")]
public sealed class RatingPadProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-ratingpad-");
    private readonly CancellationTokenSource _stop = new();
    private readonly VirtualKeypadBus _keypads = new() { EchoTimeout = TimeSpan.FromSeconds(2) };
    private SocatPty? _pty;
    private Task? _deviceEnd;
    private ServiceProcess? _service;
    private HttpClient? _http;

    private string Data => Path.Combine(_work.FullName, "data");

    private string Profile => Path.Combine(_work.FullName, "branches", "pads.yaml");

    public async Task InitializeAsync()
    {
        _pty = await SocatPty.StartAsync(Path.Combine(_work.FullName, "keypads-host"), Path.Combine(_work.FullName, "keypads-dev"), TimeSpan.FromSeconds(10));
        _deviceEnd = DeviceEnd.KeepServingAsync(_keypads, _pty.DeviceEnd, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _http?.Dispose();
        await _stop.CancelAsync();
        _pty?.Dispose();
        if (_deviceEnd is not null)
        {
            await _deviceEnd.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _work.Delete(recursive: true);
    }

    /// <summary>Starts the service on a two-counter branch whose keypad line is the pty.</summary>
    private async Task StartAsync(string branchExtra = "", params string[] options)
    {
        string profile = KioskBranchWithPads(branchExtra);
        int port = ServiceProcess.FreePort();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        _service = ServiceProcess.Start(_work.FullName,
        [
            "--branch", profile, "--data", Data, $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000",
            .. options,
        ]);
        await _service.WaitUntilReadyAsync();
        await Eventually.UntilAsync(async () => await ServesAsync("/readyz"), "the HTTP server to answer");
        await Eventually.UntilAsync(() => _keypads.IsConnected, "the keypad line to open");

        // The pads are asked "nothing" (13 00) at start: that echo is their first sign of life.
        await Eventually.UntilAsync(() => _keypads.PromptEnd(101) == RatingPromptEnd.NotRated && _keypads.PromptEnd(102) == RatingPromptEnd.NotRated,
            "both pads to be greeted with the idle frame");
    }

    private string KioskBranchWithPads(string branchExtra)
    {
        Directory.CreateDirectory(Path.Combine(_work.FullName, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, Path.Combine(_work.FullName, "devices", Path.GetFileName(model)), overwrite: true);
        }

        Directory.CreateDirectory(Path.Combine(_work.FullName, "branches"));
        string path = Profile;
        File.WriteAllText(path, $$"""
            branch:
              id: pads-001
              name: "Pad Branch"
              nameZh: "评价网点"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
            {{branchExtra}}
            services:
              - {id: cash, prefix: A, name: "Personal cash", nameZh: "个人现金"}
            counters:
              - {number: 1, services: [cash]}
              - {number: 2, services: [cash]}
            devices:
              - id: callers
                model: caller68
                port: {{_pty!.HostEnd}}
                keypads:
                  - {counter: 1, address: 1}
                  - {counter: 2, address: 2}
                  - {counter: 1, address: 101, rating: true, prompt: true}
                  - {counter: 2, address: 102, rating: true, prompt: true}
            """);
        return path;
    }

    private async Task<bool> ServesAsync(string path)
    {
        try
        {
            using HttpResponseMessage response = await _http!.GetAsync(new Uri(path, UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task IssueAsync(int tickets)
    {
        for (int i = 0; i < tickets; i++)
        {
            using HttpResponseMessage response = await _http!.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Presses a staff key; fails when the host does not echo it.</summary>
    private async Task PressAsync(int keypad, params byte[] keys) =>
        Assert.True(await _keypads.PressAsync(keypad, keys), $"keypad {keypad}: key {Convert.ToHexString(keys)} not echoed");

    /// <summary>The durable log's events of <paramref name="type"/>, as <c>lobby-edge inspect</c> prints them.</summary>
    private async Task<List<JsonElement>> EventsAsync(string type)
    {
        (int code, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "inspect", "--data", Data, "--branch", Profile);
        Assert.True(code == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == type)];
    }

    private async Task<List<JsonElement>> EventuallyEventsAsync(string type, int count)
    {
        List<JsonElement> events = [];
        await Eventually.UntilAsync(async () => (events = await EventsAsync(type)).Count >= count, $"{count} {type} event(s) in the log",
            detail: () => string.Join("; ", events.Select(e => e.ToString())));
        return events;
    }

    private static byte[] ScoreFrame(int pad, int score)
    {
        byte[] frame = new byte[Caller68Codec.MaxFrameLength];
        return frame[..Caller68Codec.Encode((byte)pad, Caller68Codec.FunctionRating, [(byte)score], frame)];
    }

    [Fact]
    public async Task PadScore_IsLinkedToTheTicketJustFinished_RetriedFramesAreOne_ASecondPressIsAlreadyRated()
    {
        await StartAsync();
        await IssueAsync(2);

        // Counter 1 serves A001 and finishes it: the prompter asks, the pad is prompted on the wire.
        await PressAsync(1, KeypadKeys.CallNext);
        await PressAsync(1, KeypadKeys.Finish);
        await Eventually.UntilAsync(() => _keypads.IsPrompting(101), "pad 101 to be asked after the finish");
        Assert.Equal(30, _keypads.PromptSeconds(101));
        JsonElement requested = Assert.Single(await EventuallyEventsAsync("lobby.ticket.rating_requested", 1));
        Assert.Equal("A001", requested.GetProperty("ticket").GetString());
        Assert.Equal(1, requested.GetProperty("counter").GetInt32());
        Assert.Equal(0, _keypads.Prompts(102));

        // The customer presses 4; the pad's frame arrives twice within the duplicate window (its answer was lost).
        byte[] four = ScoreFrame(101, 4);
        await _keypads.SendRawAsync(four);
        await _keypads.SendRawAsync(four);
        await Eventually.UntilAsync(() => _keypads.PromptEnd(101) == RatingPromptEnd.Thanks, "pad 101 to be thanked");
        Assert.Equal(2, _keypads.Received(101, Caller68Codec.FunctionKey).Count(d => d.SequenceEqual(new byte[] { 4 })));

        JsonElement rated = Assert.Single(await EventuallyEventsAsync("lobby.ticket.rated", 1));
        output.WriteLine(rated.ToString());
        Assert.Equal("A001", rated.GetProperty("ticket").GetString());
        Assert.Equal(1, rated.GetProperty("counter").GetInt32());
        Assert.Equal(4, rated.GetProperty("score").GetInt32());
        Assert.Equal("pad5", rated.GetProperty("scale").GetString());
        Assert.True(rated.GetProperty("linked").GetBoolean());
        Assert.Equal("cash", rated.GetProperty("service").GetString());

        // A second press (another key) for the same ticket: answered, refused AlreadyRated, the pad told so.
        Assert.True(await _keypads.RateAsync(101, 2), "the second press was not answered");
        await Eventually.UntilAsync(() => _keypads.PromptEnd(101) == RatingPromptEnd.AlreadyRated, "pad 101 to be told the ticket is already rated");
        await _service!.WaitForLineAsync(m => m.Contains("score 2 not counted (AlreadyRated)", StringComparison.Ordinal), s_patience);
        Assert.Single(await EventsAsync("lobby.ticket.rated"));

        // Counter 2 finished nothing today: its pad's score is an unlinked rating of the counter, and counts.
        Assert.True(await _keypads.RateAsync(102, 5));
        await Eventually.UntilAsync(() => _keypads.PromptEnd(102) == RatingPromptEnd.Thanks, "pad 102 to be thanked");
        List<JsonElement> all = await EventsAsync("lobby.ticket.rated");
        Assert.Equal(2, all.Count);
        JsonElement unlinked = all[1];
        Assert.Equal(2, unlinked.GetProperty("counter").GetInt32());
        Assert.Equal(5, unlinked.GetProperty("score").GetInt32());
        Assert.False(unlinked.GetProperty("linked").GetBoolean());
        Assert.False(unlinked.TryGetProperty("ticket", out _));

        string metrics = await _http!.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, OperationsTests.Parse(metrics)["lobby_device_frames_rejected_total{device=\"callers/rating-1\",reason=\"already_rated\"}"]);
    }

    [Fact]
    public async Task FinishAndRateKey_PromptsThePad_WhichTimesOutToNotRated_AndALateScoreIsUnlinked()
    {
        await StartAsync("  ratingWindowSeconds: 4", "--Rating:PromptOnFinish=false", "--Rating:PromptSeconds=2");
        await IssueAsync(2);

        // A plain finish asks nobody when the option is off.
        await PressAsync(1, KeypadKeys.CallNext);
        await PressAsync(1, KeypadKeys.Finish);
        await PressAsync(1, KeypadKeys.CallNext);
        Assert.Equal(0, _keypads.Prompts(101));

        // 评价: finish, then the rating is asked for: the prompt frame (12, 2 s) on the wire, once.
        await PressAsync(1, KeypadKeys.FinishAndRate);
        var sinceFinish = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.UntilAsync(() => _keypads.Prompts(101) == 1, "pad 101 to be asked after finish-and-rate");
        Assert.Equal([[2]], _keypads.Received(101, Caller68Codec.FunctionRatingPrompt));

        // Nobody presses: after 2 s the pad is told "not rated" (13 00).
        await Eventually.UntilAsync(() => _keypads.PromptEnd(101) == RatingPromptEnd.NotRated, "pad 101's prompt to time out");
        await _service!.WaitForLineAsync(m => m.Contains("not rated within 2 s", StringComparison.Ordinal), s_patience);
        JsonElement requested = Assert.Single(await EventsAsync("lobby.ticket.rating_requested"));
        Assert.Equal("A002", requested.GetProperty("ticket").GetString());
        Assert.Empty(await EventsAsync("lobby.ticket.rated"));
        Assert.Equal(1, _keypads.Prompts(101));

        // The customer presses after the 4 s rating window: an unlinked rating of the counter, counted and thanked.
        TimeSpan late = TimeSpan.FromSeconds(5) - sinceFinish.Elapsed;
        if (late > TimeSpan.Zero)
        {
            await Task.Delay(late);
        }

        Assert.True(await _keypads.RateAsync(101, 1), "the late score was not answered");
        await Eventually.UntilAsync(() => _keypads.PromptEnd(101) == RatingPromptEnd.Thanks, "pad 101 to be thanked for the late score");
        JsonElement rated = Assert.Single(await EventuallyEventsAsync("lobby.ticket.rated", 1));
        Assert.Equal(1, rated.GetProperty("counter").GetInt32());
        Assert.Equal(1, rated.GetProperty("score").GetInt32());
        Assert.False(rated.GetProperty("linked").GetBoolean());
        Assert.False(rated.TryGetProperty("ticket", out _));
    }

    [Fact]
    public async Task PadThatStopsEchoing_IsOffline_TheBusGoesOn_AndItsScoreCountsWhenBack()
    {
        await StartAsync();
        await IssueAsync(2);
        string up = "lobby_device_up{device=\"callers/rating-2\",kind=\"rating_pad\"}";
        await OperationsTests.WaitForAsync(async () => Samples(await MetricsAsync()).GetValueOrDefault(up) == 1);

        // Pad 102 falls off the bus; counter 2 finishes a ticket and the prompt goes unanswered.
        _keypads.Silence(102, silent: true);
        await PressAsync(2, KeypadKeys.CallNext);
        await PressAsync(2, KeypadKeys.Finish);
        await OperationsTests.WaitForAsync(async () => Samples(await MetricsAsync()).GetValueOrDefault(up) == 0, s_patience);

        // The rest of the bus goes on: counter 1's keypad still calls.
        await PressAsync(1, KeypadKeys.CallNext);
        await Eventually.UntilAsync(() => _keypads.Display(1)?.EndsWith("002", StringComparison.Ordinal) == true, "keypad 1 to show A002",
            detail: () => $"keypad 1 shows {_keypads.Display(1)}");

        // Back on the bus: its score counts (linked to A001, finished within the window) and it is up again.
        _keypads.Silence(102, silent: false);
        Assert.True(await _keypads.RateAsync(102, 3), "the returning pad's score was not answered");
        JsonElement rated = Assert.Single(await EventuallyEventsAsync("lobby.ticket.rated", 1));
        Assert.Equal("A001", rated.GetProperty("ticket").GetString());
        Assert.Equal(2, rated.GetProperty("counter").GetInt32());
        Assert.True(rated.GetProperty("linked").GetBoolean());
        await OperationsTests.WaitForAsync(async () => Samples(await MetricsAsync()).GetValueOrDefault(up) == 1, s_patience);
        await Eventually.UntilAsync(() => _keypads.PromptEnd(102) == RatingPromptEnd.Thanks, "pad 102 to be thanked once back");
    }

    [Fact]
    public async Task PadFlood_CountsOnlyThePadsBurst_TheRestAreAnsweredNotCountedAndRejected()
    {
        // One a minute after the burst of 3, so no token comes back while the test presses (the machine may be slow).
        await StartAsync("", "--Rating:PadRatingsPerMinute=1");

        // A stuck key or a child at counter 2's pad: 20 presses of different keys, 50 ms apart, no finish before them.
        for (int i = 0; i < 20; i++)
        {
            Assert.True(await _keypads.RateAsync(102, (i % 5) + 1), $"press {i + 1} was not answered");
            await Task.Delay(50);
        }

        await Eventually.UntilAsync(() => _keypads.PromptEnd(102) == RatingPromptEnd.NotCounted, "pad 102 to be told its last press was not counted");
        await _service!.WaitForLineAsync(m => m.Contains("not counted (over the pad's rate: 3 at once, then 1 a minute)", StringComparison.Ordinal), s_patience);
        string rejected = "lobby_device_frames_rejected_total{device=\"callers/rating-2\",reason=\"rating_rate_limit\"}";
        await OperationsTests.WaitForAsync(async () => Samples(await MetricsAsync()).GetValueOrDefault(rejected) == 17, s_patience);
        List<JsonElement> rated = await EventuallyEventsAsync("lobby.ticket.rated", 3);
        Assert.Equal(3, rated.Count);
        Assert.All(rated, r => Assert.Equal(2, r.GetProperty("counter").GetInt32()));
        Assert.Equal([1, 2, 3], rated.Select(r => r.GetProperty("score").GetInt32()));
    }

    [Fact]
    public async Task RatingFromAStaffKeypad_AndAKeyFromARatingPad_AreCountedAsUnexpectedFunction_NeverActedOn()
    {
        await StartAsync();
        await IssueAsync(1);

        // A rating frame (FUNC 11) from staff keypad 2's address, a key frame (FUNC 01, call next) from pad 101's.
        await _keypads.SendRawAsync(ScoreFrame(2, 4));
        byte[] key = new byte[Caller68Codec.MaxFrameLength];
        await _keypads.SendRawAsync(key[..Caller68Codec.Encode(101, Caller68Codec.FunctionKey, [KeypadKeys.CallNext], key)]);

        string fromKeypad = "lobby_device_frames_rejected_total{device=\"callers/keypad-2\",reason=\"unexpected_function\"}";
        string fromPad = "lobby_device_frames_rejected_total{device=\"callers/rating-1\",reason=\"unexpected_function\"}";
        await OperationsTests.WaitForAsync(async () =>
        {
            Dictionary<string, double> samples = Samples(await MetricsAsync());
            return samples.GetValueOrDefault(fromKeypad) == 1 && samples.GetValueOrDefault(fromPad) == 1;
        }, s_patience);

        // Neither became a command: no rating, nobody called (keypad 1 still calls A001 afterwards).
        await PressAsync(1, KeypadKeys.CallNext);
        await Eventually.UntilAsync(() => _keypads.Display(1)?.EndsWith("001", StringComparison.Ordinal) == true, "keypad 1 to show A001",
            detail: () => $"keypad 1 shows {_keypads.Display(1)}");
        Assert.Empty(await EventsAsync("lobby.ticket.rated"));
    }

    [Fact]
    public async Task OpenFeeds_DoNotHoldTheShutdown_SigtermExitsWithCode0()
    {
        await StartAsync();

        // A signage TV and counter 1's rating tablet are connected (their Server-Sent Events feeds stay open).
        using HttpResponseMessage signage = await _http!.GetAsync(new Uri("/signage/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using HttpResponseMessage rating = await _http.GetAsync(new Uri("/rate/1/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(signage.IsSuccessStatusCode, $"signage feed: {(int)signage.StatusCode}");
        Assert.True(rating.IsSuccessStatusCode, $"rating feed: {(int)rating.StatusCode}");
        Assert.Equal("text/event-stream", rating.Content.Headers.ContentType?.MediaType);

        // SIGTERM: the feeds end with the application, the process exits cleanly. 15 s is a hang detector (the web
        // host would wait 30 s for the open feeds), not a speed requirement.
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", _service!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
            Assert.Equal(0, term.ExitCode);
        }

        Assert.Equal(0, await _service.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task BadPadRate_StopsTheStartWithExitCode2_NamingTheKey()
    {
        (int code, _, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience,
            "--branch", KioskBranchWithPads(""), "--data", Data, "--Rating:PadBurst=0", "--Rating:PadRatingsPerMinute=6001");
        Assert.Equal(2, code);
        Assert.Contains("Rating:PadBurst = '0'", stderr, StringComparison.Ordinal);
        Assert.Contains("Rating:PadRatingsPerMinute = '6001'", stderr, StringComparison.Ordinal);
    }

    private async Task<string> MetricsAsync() => await _http!.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    private static Dictionary<string, double> Samples(string metrics) => OperationsTests.Parse(metrics);
}

[CollectionDefinition("rating pads", DisableParallelization = true)]
public sealed class RatingPadCollection
{
}
