using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;
using LobbyEdge.Devices;
using LobbyEdge.Devices.Chime;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Lcd;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Segments;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// The devices on the board's own buses, driven through Iot.Device.Bindings: the dispensers' LCDs, the MAX7219 counter
/// number displays and the call-chime buzzers. Each has its owner task (<see cref="BoardDevice"/>); what they show
/// comes from the engine loop's sink (<see cref="DeviceEventSink"/>) and, for the LCDs, from the printers' status.
/// Under <c>--simulate</c> there is no board: they are built (so the profile is exercised) but not driven, and
/// reported up as simulated, like the dispensers' buttons.
/// </summary>
public sealed partial class LobbyDevices
{
    private bool[] _chimesRung = [];

    /// <summary>What the day allows dispensers, as the engine loop last saw it (the LCDs show "Closed" from it).</summary>
    public TicketingHours Hours { get; } = new();

    /// <summary>The dispensers' character LCDs.</summary>
    public List<DispenserLcd> Lcds { get; } = [];

    /// <summary>The MAX7219 counter number displays.</summary>
    public List<CounterNumberDisplay> NumberDisplays { get; } = [];

    /// <summary>The call chimes.</summary>
    public List<CallChime> Chimes { get; } = [];

    /// <summary>Notes a call or recall at <paramref name="counter"/> (engine loop, before the commit); <see cref="RingNotedChimes"/> rings.</summary>
    public void NoteCall(int counter)
    {
        for (int i = 0; i < Chimes.Count; i++)
        {
            _chimesRung[i] |= Chimes[i].RingsFor(counter);
        }
    }

    /// <summary>Rings the chimes noted since the last batch (engine loop, after the commit: durable first).</summary>
    public void RingNotedChimes()
    {
        for (int i = 0; i < Chimes.Count; i++)
        {
            if (_chimesRung[i])
            {
                _chimesRung[i] = false;
                Chimes[i].Ring();
            }
        }
    }

    private void AddBoardDevices(BranchHardware hardware, TimeProvider time)
    {
        foreach (CharacterLcdSetup lcd in hardware.CharacterLcds)
        {
            DispenserSetup dispenser = hardware.Dispensers.First(d => d.Device.Index == lcd.Dispenser.Index);
            EscPosPrinter? printer = dispenser.Printer is { } id ? _printers[id] : null;
            Lcds.Add(new DispenserLcd(
                lcd,
                () => I2cDevice.Create(DispenserLcd.ConnectionSettings(lcd)),
                () => DispenserNotices.For(Hours.IsClosedAt(time.GetUtcNow()), printer?.Status),
                this,
                time));
        }

        foreach (SegmentDisplaySetup display in hardware.SegmentDisplays)
        {
            NumberDisplays.Add(new CounterNumberDisplay(display, () => SpiDevice.Create(CounterNumberDisplay.ConnectionSettings(display)), this, time));
        }

        foreach (BuzzerSetup buzzer in hardware.Buzzers)
        {
            Chimes.Add(new CallChime(buzzer, () => OpenSounder(buzzer), this, time));
        }

        _chimesRung = new bool[Chimes.Count];
    }

    private static IChimeSounder OpenSounder(BuzzerSetup buzzer)
    {
        if (buzzer.IsPwm)
        {
            return new PwmChimeSounder(PwmChannel.Create(buzzer.PwmChip, buzzer.PwmChannel, CallChime.DingDong[0].FrequencyHz, 0.5));
        }

        var controller = new GpioController();
        try
        {
            return new GpioChimeSounder(controller, buzzer.Pin, shouldDispose: true);
        }
        catch
        {
            controller.Dispose();
            throw;
        }
    }

    private IEnumerable<BoardDevice> BoardDevices => [.. Lcds, .. NumberDisplays, .. Chimes];

    private void StartBoardDevices()
    {
        foreach (BoardDevice device in BoardDevices)
        {
            if (OnBoard)
            {
                device.Start();
            }
            else
            {
                StatusChanged(new DeviceStatusChange(device.Device, DeviceStatus.Online, "simulated: board devices are not driven under --simulate"));
            }
        }
    }

    private async Task DisposeBoardDevicesAsync()
    {
        foreach (BoardDevice device in BoardDevices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }
}
