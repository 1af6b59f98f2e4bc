using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;

namespace LobbyEdge.Devices.Tests;

/// <summary>End to end over real pseudo-terminals (socat): the service's side is System.IO.Ports, the devices' side virtual.</summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class PtyTests
{
    [Fact]
    public async Task KeypadPressAtCounter3_ReachesTheEngine_AndCounter3DisplayShowsTheNumber()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Links.All(l => l.IsOnline) && lobby.Keypads.IsConnected));
        CommandOutcome issued = await lobby.Channel.SendAsync(Command.Issue(0));
        Assert.True(issued.Result.Accepted, issued.Result.Refusal.ToString());

        Assert.True(await lobby.Keypads.PressAsync(3, 0x0C), "the host did not echo the key frame");

        Assert.True(await lobby.Displays.WaitForAsync(d => d.Text(3) == "A001", TimeSpan.FromSeconds(30)), $"counter 3 shows {lobby.Displays.Text(3)}");
        Assert.True(lobby.Displays.Blinking(3));
        Assert.True(await lobby.Keypads.WaitForAsync(k => k.Display(3) == "  0|001", TimeSpan.FromSeconds(30)), $"keypad 3 shows {lobby.Keypads.Display(3)}");
        Assert.Equal([Command.CallNext(3)], lobby.Commands.Sent);
        Assert.True(lobby.Engine.TryGetCounter(3, out CounterView counter));
        Assert.Equal(issued.Result.Ticket, counter.CurrentTicket);
    }

    [Fact]
    public async Task Dispenser_PrintsTicket_WithNumberAndWaitRange()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        TicketDispenser dispenser = lobby.Devices.Dispensers[0];
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));

        DispenseOutcome outcome = await dispenser.PressAsync(0, longPress: false);

        Assert.True(outcome.Issued, outcome.Reason);
        string? ticket = await lobby.Printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30));
        Assert.NotNull(ticket);
        Assert.Contains("A001", ticket);
        Assert.Contains("测试网点", ticket);
        Assert.Matches(@"约 \d+-\d+ 分钟 / about \d+-\d+ min", ticket);
        Assert.Contains("前面还有 0 人", ticket);
        Assert.Contains("[QR lobby-edge:pty-001:", ticket);
    }

    [Fact]
    public async Task PaperOut_MakesTheDispenserRefuse_AndNothingIsIssuedOrPrinted()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));

        lobby.Printer.PaperOut = true;
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.Status == DeviceStatus.PaperOut));
        DispenseOutcome outcome = await lobby.Devices.Dispensers[0].PressAsync(0, longPress: false);

        Assert.False(outcome.Issued);
        Assert.Contains("paper", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, lobby.Engine.TicketCount);
        Assert.Empty(lobby.Printer.Tickets);

        lobby.Printer.PaperOut = false;
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));
        Assert.True((await lobby.Devices.Dispensers[0].PressAsync(0, longPress: false)).Issued);
    }

    [Fact]
    public async Task KillingSocat_MarksTheLineDown_OthersKeepWorking_AndANewPtyBringsItBack()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Links.All(l => l.IsOnline) && lobby.Keypads.IsConnected));

        lobby.Ptys["keypads"].Kill();

        Assert.True(await PtyLobby.EventuallyAsync(() => !lobby.Link("callers").IsOnline), "the keypad line still looks online");
        Assert.True(lobby.Link("printer").IsOnline);
        Assert.True(lobby.Link("displays@" + lobby.Path("displays-host")).IsOnline);
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint), "the printer stopped working with the keypads");
        DispenseOutcome pressed = await lobby.Devices.Dispensers[0].PressAsync(0, longPress: false);
        Assert.True(pressed.Issued, $"the dispenser stopped working with the keypads: {pressed.Reason}");
        Assert.True(await lobby.Displays.WaitForAsync(d => d.Text(1) is not null, TimeSpan.FromSeconds(30)));

        await lobby.ReplugAsync("keypads");

        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Link("callers").IsOnline && lobby.Link("callers").Sessions >= 2 && lobby.Keypads.IsConnected, TimeSpan.FromSeconds(45)));
        Assert.True(await lobby.Keypads.PressAsync(1, 0x0C), "no echo after the replug");
        Assert.True(await lobby.Displays.WaitForAsync(d => d.Text(1) == "A001", TimeSpan.FromSeconds(30)), $"counter 1 shows {lobby.Displays.Text(1)}");
    }

    [Fact]
    public async Task RandomBytesAndCorruptedFrames_NeverProduceACommand_AndTheBusKeepsWorking()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Links.All(l => l.IsOnline) && lobby.Keypads.IsConnected));
        await lobby.Channel.SendAsync(Command.Issue(0));
        var random = new Random(4);
        for (int i = 0; i < 50; i++)
        {
            byte[] noise = new byte[random.Next(1, 120)];
            random.NextBytes(noise);
            await lobby.Keypads.SendRawAsync(noise);
            byte[] frame = new byte[16];
            int n = LobbyEdge.Devices.Keypad.Caller68Codec.Encode((byte)random.Next(1, 4), 0x01, [0x0C], frame);
            frame[random.Next(n)] ^= (byte)(1 << random.Next(8));
            await lobby.Keypads.SendRawAsync(frame.AsMemory(0, n));
        }

        // A refused key (recall with nothing called) beeps: once it has, everything before it has been read.
        await Task.Delay(300);
        Assert.True(await lobby.Keypads.PressAsync(2, 0x0D));
        Assert.True(await lobby.Keypads.WaitForAsync(k => k.Beeps(2) >= 1, TimeSpan.FromSeconds(30)));
        LobbyEdge.Devices.Keypad.KeypadBus bus = lobby.Devices.KeypadBuses[0];
        Assert.True(bus.RejectedTotal > 0);
        Assert.Equal([Command.Recall(2)], lobby.Commands.Sent);
        Assert.True(lobby.Link("callers").IsOnline);
        Assert.Equal(1, lobby.Engine.TicketCount);
    }
}

[CollectionDefinition("ptys", DisableParallelization = true)]
public sealed class PtyCollection
{
}
