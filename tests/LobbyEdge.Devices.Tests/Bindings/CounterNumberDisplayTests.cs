using System.Device.Spi;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Segments;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The MAX7219 counter number display (Iot.Device.Bindings' Max7219) against the datasheet (Maxim MAX7219, 19-4452):
/// each SPI transfer is one 16-bit word, register then data (Table 1); the registers of Table 2; the segment bits of
/// Table 6 in no-decode mode (D7 DP, D6 A, D5 B, D4 C, D3 D, D2 E, D1 F, D0 G).
/// </summary>
public sealed class CounterNumberDisplayTests
{
    private static readonly DeviceInfo s_device = new(7, "counter-3-number", DeviceKind.SegmentDisplay);

    [Fact]
    public async Task Open_InitialisesThroughTheRegisterMap_ThenShowsTheCalledNumberRightAligned()
    {
        var setup = new SegmentDisplaySetup(s_device, 0, 1, 4, 3, 9);
        var spi = new FakeSpiDevice(CounterNumberDisplay.ConnectionSettings(setup));
        var observer = new RecordingObserver();
        var display = new CounterNumberDisplay(setup, () => spi, observer);

        display.Show("A023");
        Assert.Empty(spi.Transfers);                    // Show records; only the owner task writes
        Assert.True(await display.UpdateOnceAsync());

        byte[][] expected =
        [
            [0x0B, 0x07], [0x09, 0x00], [0x0F, 0x00], [0x0C, 0x01], [0x0A, 0x04],                  // scan 8 digits, no-decode, test off, run, intensity 4
            [0x01, 0x00], [0x02, 0x00], [0x03, 0x00], [0x04, 0x00], [0x05, 0x00], [0x06, 0x00], [0x07, 0x00], [0x08, 0x00], // cleared
            [0x0A, 0x09],                                                                        // the profile's brightness
            [0x01, 0x79], [0x02, 0x6D], [0x03, 0x7E], [0x04, 0x77],                              // '3' ABCDG, '2' ABDEG, '0' ABCDEF, 'A' ABCEFG
            [0x05, 0x00], [0x06, 0x00], [0x07, 0x00], [0x08, 0x00],
        ];
        Assert.Equal(expected, spi.Transfers);
        Assert.Equal((DeviceStatus.Online, "MAX7219 on SPI bus 0 chip select 1"), (observer.Changes[0].Status, observer.Changes[0].Reason));
    }

    [Fact]
    public async Task Digits_ShowTheLastCharacters_PausedShowsDashes_IdleAndClosedAreBlank()
    {
        var setup = new SegmentDisplaySetup(s_device, 0, 0, 3, 3, 4);
        var spi = new FakeSpiDevice(CounterNumberDisplay.ConnectionSettings(setup));
        var display = new CounterNumberDisplay(setup, () => spi);
        await display.UpdateOnceAsync();

        async Task<byte[]> Shown(string text)
        {
            spi.Transfers.Clear();
            display.Show(text);
            await display.UpdateOnceAsync();
            return [.. spi.Transfers.Take(4).Select(t => t[1])];
        }

        Assert.Equal([0x79, 0x6D, 0x7E, 0x00], await Shown("A023"));     // 3 digits: "023"
        Assert.Equal([0x01, 0x01, 0x01, 0x00], await Shown(CounterNumberDisplay.TextFor(DisplayMessageKind.Paused, "A023")));   // G only
        Assert.Equal([0x00, 0x00, 0x00, 0x00], await Shown(CounterNumberDisplay.TextFor(DisplayMessageKind.Idle, "")));
        Assert.Equal("B105", CounterNumberDisplay.TextFor(DisplayMessageKind.Recall, "B105"));
        Assert.Equal("", CounterNumberDisplay.TextFor(DisplayMessageKind.Closed, "B105"));
        Assert.Equal(CounterNumberDisplay.PausedText, CounterNumberDisplay.TextFor(DisplayMessageKind.Away, ""));
    }

    [Fact]
    public void ConnectionSettings_AreMode0At10MHz_OnTheProfilesBusAndChipSelect()
    {
        SpiConnectionSettings settings = CounterNumberDisplay.ConnectionSettings(new SegmentDisplaySetup(s_device, 1, 2, 8, 3, 4));
        Assert.Equal((1, 2, SpiMode.Mode0, 10_000_000), (settings.BusId, settings.ChipSelectLine, settings.Mode, settings.ClockFrequency));
        Assert.Equal(DataFlow.MsbFirst, settings.DataFlow);
    }

    [Fact]
    public async Task NoSpiBus_IsReportedDown()
    {
        var observer = new RecordingObserver();
        var display = new CounterNumberDisplay(new SegmentDisplaySetup(s_device, 0, 0, 4, 3, 4),
            () => throw new IOException("Error 2 initializing the SPI device /dev/spidev0.0"), observer);

        Assert.False(await display.UpdateOnceAsync());

        DeviceStatusChange down = Assert.Single(observer.Changes);
        Assert.Equal((s_device, DeviceStatus.Offline), (down.Device, down.Status));
        Assert.Contains("/dev/spidev0.0", down.Reason, StringComparison.Ordinal);
    }
}
