using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Tests.Bindings;
using LobbyEdge.Devices.Tests.Contracts;
using LobbyEdge.Engine;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Rating pads on the <c>caller68</c> bus against the virtual pads (the simulator's twin): the score's FUNC 01 answer,
/// duplicates, the prompt frames (FUNC 12 ask, FUNC 13 prompt over), a pad that stops echoing, a pad without prompts.
/// Staff keypad 3 at counter 3, prompt-capable pad 101 at counter 1, plain pad 102 at counter 2.
/// </summary>
public sealed class RatingPadBusTests
{
    private static readonly DeviceInfo s_line = new(0, "callers", DeviceKind.SerialLine);
    private static readonly DeviceInfo s_keypad = new(1, "callers/keypad-3", DeviceKind.Keypad);
    private static readonly DeviceInfo s_pad = new(2, "callers/rating-1", DeviceKind.RatingPad);
    private static readonly DeviceInfo s_plainPad = new(3, "callers/rating-2", DeviceKind.RatingPad);

    private readonly RecordingObserver _observer = new();

    private async Task<TwinBench<KeypadBus, VirtualKeypadBus>> StartAsync()
    {
        var bus = new KeypadBus(s_line,
        [
            new KeypadAssignment(s_keypad, Address: 3, Counter: 3),
            new KeypadAssignment(s_pad, Address: 101, Counter: 1, IsRatingPad: true, Prompt: true),
            new KeypadAssignment(s_plainPad, Address: 102, Counter: 2, IsRatingPad: true),
        ],
        // A silent pad is found within a second, not ten.
        new KeypadBusSettings { FailedRetryDelay = TimeSpan.FromMilliseconds(300) },
        _observer);

        // The pad waits 2 s for its answer before it sends again: a retry on a loaded machine arriving after the
        // duplicate window would be a second press.
        var twin = new VirtualKeypadBus { EchoTimeout = TimeSpan.FromSeconds(2) };
        TwinBench<KeypadBus, VirtualKeypadBus> bench = await TwinBench<KeypadBus, VirtualKeypadBus>.StartAsync(new VirtualHubRig(), s_line, bus, twin);
        await Eventually.UntilAsync(() => bench.Link.IsOnline && bench.Twin.IsConnected, "the keypad line to open");
        return bench;
    }

    private DeviceStatus? StatusOf(DeviceInfo device) => _observer.Changes.Where(c => c.Device == device).Select(c => (DeviceStatus?)c.Status).LastOrDefault();

    private static async Task<KeypadRequest> NextRequestAsync(KeypadBus bus)
    {
        using var timeout = new CancellationTokenSource(Eventually.DefaultPatience);
        return await bus.Requests.ReadAsync(timeout.Token);
    }

    [Fact]
    public async Task Score_IsAnsweredWithFunc01_AndARetriedFrameIsOneRating()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();

        Assert.True(await bench.Twin.RateAsync(101, 4), "the score was not answered with FUNC 01");
        Assert.True(await bench.Twin.RateAsync(101, 4), "the retried score was not answered");
        Assert.True(await bench.Twin.RateAsync(102, 2), "the plain pad's score was not answered");

        KeypadRequest first = await NextRequestAsync(bench.Protocol);
        Assert.Equal((1, 4), (first.Counter, first.Rating));
        Assert.Equal(s_pad, first.Device);
        KeypadRequest second = await NextRequestAsync(bench.Protocol);
        Assert.Equal((2, 2), (second.Counter, second.Rating));
        Assert.Equal(1, bench.Protocol.Duplicates);
        Assert.False(bench.Protocol.Requests.TryRead(out _));

        // After the duplicate window the same key is a second press: the engine decides (AlreadyRated).
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.True(await bench.Twin.RateAsync(101, 4));
        KeypadRequest again = await NextRequestAsync(bench.Protocol);
        Assert.Equal((1, 4), (again.Counter, again.Rating));
    }

    [Fact]
    public async Task Prompt_IsEchoed_AndTimesOutToNotRated()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        await Eventually.UntilAsync(() => StatusOf(s_pad) == DeviceStatus.Online, "the pad to answer its first keep-alive (13 00)");

        Assert.True(bench.Protocol.PromptRating(1, TimeSpan.FromSeconds(2)));
        await Eventually.UntilAsync(() => bench.Twin.Prompts(101) == 1, "the pad to be asked");
        Assert.Equal(2, bench.Twin.PromptSeconds(101));
        Assert.True(bench.Protocol.IsPrompting(1));

        await Eventually.UntilAsync(() => bench.Twin.PromptEnd(101) == RatingPromptEnd.NotRated, "the prompt to time out to not rated",
            detail: () => $"pad shows {bench.Twin.PromptEnd(101)}");
        Assert.Equal(1, bench.Protocol.PromptsTimedOut);
        Assert.False(bench.Protocol.IsPrompting(1));
        Assert.Equal(DeviceStatus.Online, StatusOf(s_pad));
    }

    [Fact]
    public async Task PromptEnd_ThanksThePad_AndEndsThePrompt()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        bench.Protocol.PromptRating(1, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => bench.Twin.IsPrompting(101), "the pad to be asked");

        Assert.True(bench.Protocol.EndRatingPrompt(1, RatingPromptEnd.Thanks));
        await Eventually.UntilAsync(() => bench.Twin.PromptEnd(101) == RatingPromptEnd.Thanks, "the pad to be thanked");
        Assert.False(bench.Protocol.IsPrompting(1));
        Assert.Equal(0, bench.Protocol.PromptsTimedOut);
    }

    [Fact]
    public async Task SilentPad_IsOffline_TheRestOfTheBusGoesOn_AndItsScoreCountsWhenBack()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        await Eventually.UntilAsync(() => StatusOf(s_pad) == DeviceStatus.Online, "the pad to answer its first keep-alive");

        bench.Twin.Silence(101, silent: true);
        bench.Protocol.PromptRating(1, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => StatusOf(s_pad) == DeviceStatus.Offline, "a pad that does not echo its prompt to be offline");

        // The staff keypad on the same line is still served.
        bench.Protocol.ShowDisplay(3, waiting: 4, ticketNumber: 12);
        await Eventually.UntilAsync(() => bench.Protocol.Shown(3) == (4, 12), "the keypad's display while the pad is offline");
        Assert.Equal(DeviceStatus.Offline, StatusOf(s_pad));

        // Back on the bus: its score is answered and counts, and it is online again.
        bench.Twin.Silence(101, silent: false);
        Assert.True(await bench.Twin.RateAsync(101, 5), "the returning pad's score was not answered");
        KeypadRequest request = await NextRequestAsync(bench.Protocol);
        Assert.Equal((1, 5), (request.Counter, request.Rating));
        await Eventually.UntilAsync(() => StatusOf(s_pad) == DeviceStatus.Online, "the pad to be online once it talks");
    }

    [Fact]
    public async Task PadWithoutPrompts_IsNeverAsked_AndStaysOnline()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        await Eventually.UntilAsync(() => StatusOf(s_plainPad) == DeviceStatus.Online, "the plain pad to be online with its line");
        bench.Twin.Silence(102, silent: true);

        Assert.False(bench.Protocol.CanPrompt(2));
        Assert.False(bench.Protocol.PromptRating(2, TimeSpan.FromSeconds(1)));
        Assert.False(bench.Protocol.EndRatingPrompt(2, RatingPromptEnd.Thanks));

        // The prompt-capable pad's frames go out meanwhile; the plain pad hears nothing addressed to it.
        bench.Protocol.PromptRating(1, TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => bench.Twin.PromptEnd(101) == RatingPromptEnd.NotRated && bench.Protocol.PromptsTimedOut == 1, "pad 101's prompt to time out");
        Assert.Empty(bench.Twin.Received(102, Caller68Codec.FunctionRatingPrompt));
        Assert.Empty(bench.Twin.Received(102, Caller68Codec.FunctionRatingPromptEnd));
        Assert.Equal(DeviceStatus.Online, StatusOf(s_plainPad));
    }

    [Fact]
    public async Task FinishAndRateKey_IsAFinish_MarkedToAskForARating()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        Assert.True(await bench.Twin.PressAsync(3, KeypadKeys.FinishAndRate));
        KeypadRequest request = await NextRequestAsync(bench.Protocol);
        Assert.Equal(Command.Finish(3), request.Command);
        Assert.True(request.ThenRequestRating);

        Assert.True(await bench.Twin.PressAsync(3, KeypadKeys.Finish));
        Assert.False((await NextRequestAsync(bench.Protocol)).ThenRequestRating);
    }

    [Fact]
    public async Task ScoreOutOfRange_IsDropped_AndNotAnswered()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        Assert.False(await bench.Twin.RateAsync(101, 6), "a score of 6 was answered");
        Assert.False(bench.Protocol.Requests.TryRead(out _));
    }
}
