namespace LobbyEdge.HeadOffice;

/// <summary>
/// A device as head office knows it: its id in the hardware profile (e.g. <c>printer-1</c>) and its kind (the
/// <c>kind</c> label of <c>lobby_device_up</c>: <c>printer</c>, <c>keypad</c>, <c>rating_pad</c>, <c>display</c>,
/// <c>dispenser</c>, <c>character_lcd</c>, <c>segment_display</c>, <c>buzzer</c>, <c>serial_line</c>). The engine's
/// <c>lobby.device.status_changed</c> events carry the device's index in the profile; the list of these, in that
/// order, names them.
/// </summary>
/// <param name="Id">The device's id in the hardware profile.</param>
/// <param name="Kind">Its kind, in snake_case.</param>
public readonly record struct EventDevice(string Id, string Kind)
{
    /// <summary>A device index the profile does not have (a log written with another hardware profile): <c>#4</c>, kind <c>unknown</c>.</summary>
    public static EventDevice Unknown(int index) => new("#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), "unknown");
}
