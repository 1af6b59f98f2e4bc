using System.Device.I2c;
using LobbyEdge.Devices.Lcd;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The owner task every board device runs (<see cref="BoardDevice"/>), through the LCD: it follows the dispenser's
/// state by itself, and a backpack that stops answering is reported down and reopened once it answers again.
/// </summary>
public sealed class BoardDeviceOwnerTaskTests
{
    private static readonly CharacterLcdSetup s_setup = new(new DeviceInfo(1, "door/lcd", DeviceKind.CharacterLcd), new DeviceInfo(0, "door", DeviceKind.Dispenser), 1, 0x27, 16, 2);

    [Fact]
    public async Task OwnerTask_FollowsTheNotice_AndReopensABackpackThatCameBack()
    {
        var observer = new RecordingObserver();
        var opened = new List<FakeI2cDevice>();
        var notice = DispenserNotice.TakeTicket;
        bool answers = true;
        var lcd = new DispenserLcd(s_setup, () =>
        {
            lock (opened)
            {
                var device = new FakeI2cDevice(new I2cConnectionSettings(1, 0x27)) { Answers = answers };
                opened.Add(device);
                return device;
            }
        }, () => notice, observer)
        { RetryInterval = TimeSpan.FromMilliseconds(20) };

        lcd.Start();
        Assert.True(await PtyLobby.EventuallyAsync(() => lcd.Shown == DispenserNotice.TakeTicket), "the LCD did not show its first notice");

        // The printer runs out of paper: no wake-up needed, the task looks every 250 ms.
        notice = DispenserNotice.OutOfPaper;
        Assert.True(await PtyLobby.EventuallyAsync(() => lcd.Shown == DispenserNotice.OutOfPaper), "the LCD did not follow the printer");

        // Unplugged: down; plugged back: up again with a fresh initialisation, showing the notice of now.
        lock (opened)
        {
            answers = false;
            opened[^1].Answers = false;
        }

        notice = DispenserNotice.Closed;
        Assert.True(await PtyLobby.EventuallyAsync(() => observer.Changes.Any(c => c.Status == DeviceStatus.Offline)), "the unplugged LCD was not reported down");
        lock (opened)
        {
            answers = true;
        }

        Assert.True(await PtyLobby.EventuallyAsync(() => lcd.Shown == DispenserNotice.Closed), "the LCD did not come back");
        await lcd.DisposeAsync();

        Assert.Equal([DeviceStatus.Online, DeviceStatus.Offline, DeviceStatus.Online], observer.Changes.Select(c => c.Status));
        var glass = new FakeLcdBackpack();
        glass.Feed(opened[^1].Written);
        Assert.Equal("     Closed     ", glass.Row(0, 16));
        Assert.True(opened[^1].Disposed);               // stopping closes the device
    }
}
