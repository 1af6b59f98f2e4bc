using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LobbyEdge.Devices.Serial;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// Where a device's line is (hardware-profiles/README.md, "Transports"): exactly one of <c>port:</c> (a serial port),
/// <c>usbPrinter:</c> (a printer of the USB printer class), <c>tcp: {host, port}</c> or <c>udp: {host, port}</c> on a
/// <c>devices</c> or <c>displays</c> entry. Every line has one key, <see cref="SerialLineSettings.Path"/>: the device
/// path, or <c>tcp://host:port</c> / <c>udp://host:port</c>; one line serves one device, except displays, which
/// share a line (an RS-485 bus, an Ethernet LED controller) with other displays only.
/// </summary>
internal sealed partial class HardwareSections
{
    private static readonly string[] s_lineKeys = ["port", "usbPrinter", "tcp", "udp"];
    private static readonly string[] s_tcpKeys = ["host", "port", "connectTimeoutMs", "keepAliveSeconds"];
    private static readonly string[] s_udpKeys = ["host", "port"];

    private const string SerialExample = "port: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0";

    /// <summary>Who holds each line (by its path): the field of the device, or <c>displays</c> for a shared display line.</summary>
    private readonly Dictionary<string, string> _portOwner = new(StringComparer.Ordinal);

    /// <summary>A device's line as read from its entry, to lay over its model's serial settings.</summary>
    /// <param name="Transport">How the line reaches the device.</param>
    /// <param name="Path">The line's key: the device path, or <c>tcp://host:port</c> / <c>udp://host:port</c>.</param>
    /// <param name="Key">The entry's key that named it (<c>port</c>, <c>usbPrinter</c>, <c>tcp</c>, <c>udp</c>).</param>
    /// <param name="At">Where that key is.</param>
    /// <param name="Host">The peer's host (network lines).</param>
    /// <param name="Port">The peer's port (network lines), 1..65535.</param>
    /// <param name="ConnectTimeout">TCP connect timeout, or null for the default.</param>
    /// <param name="KeepAlive">TCP keep-alive time, or null for the default.</param>
    private sealed record LineEndpoint(LineTransport Transport, string Path, string Key, Mark At, string? Host = null, int Port = 0,
        TimeSpan? ConnectTimeout = null, TimeSpan? KeepAlive = null)
    {
        /// <summary>The line's settings: the model's, with this line's place (and <paramref name="baud"/> over the model's).</summary>
        public SerialLineSettings Apply(SerialLineSettings model, int? baud) => model with
        {
            Path = Path,
            Transport = Transport,
            Host = Host,
            Port = Port,
            BaudRate = baud ?? model.BaudRate,
            OpenTimeout = ConnectTimeout ?? model.OpenTimeout,
            KeepAlive = KeepAlive ?? model.KeepAlive,
        };
    }

    /// <summary>
    /// The line of a <c>devices</c> or <c>displays</c> entry; null when it is missing or wrong (reported).
    /// </summary>
    /// <param name="keys">The entry's keys.</param>
    /// <param name="item">The entry.</param>
    /// <param name="field">The entry's field path, e.g. <c>devices[1]</c>.</param>
    /// <param name="kind">What the entry is (<c>printer</c>, <c>keypad</c>, <c>display</c>), or null when its model is unknown.</param>
    /// <param name="shareable">Whether other entries of the same section may share the line (displays).</param>
    private LineEndpoint? Line(Dictionary<string, Slot> keys, YamlMappingNode item, string field, string? kind, bool shareable = false)
    {
        string[] given = [.. s_lineKeys.Where(keys.ContainsKey)];
        string[] allowed = kind switch
        {
            "printer" => ["port", "usbPrinter", "tcp"],
            "keypad" => ["port", "tcp"],
            "display" => ["port", "tcp", "udp"],
            _ => s_lineKeys,
        };
        string choices = $"exactly one of {string.Join(", ", allowed)}";
        if (given.Length == 0)
        {
            r.Fail(item.Start, $"{field}.port", $"required key \"port\" is missing (e.g. `{SerialExample}`); a device's line is {choices}");
            return null;
        }

        if (given.Length > 1)
        {
            r.Fail(keys[given[1]].At, $"{field}.{given[1]}", $"give {choices}, not both {given[0]}: and {given[1]}:");
            return null;
        }

        string key = given[0];
        Slot slot = keys[key];
        string what = kind switch { "printer" => "a printer", "keypad" => "a keypad line", _ => "a display" };
        if (Array.IndexOf(allowed, key) < 0)
        {
            r.Fail(slot.At, $"{field}.{key}", key == "usbPrinter"
                ? $"usbPrinter is for printers only (the USB printer class, /dev/usb/lp0); {what} is on {OneOf(allowed)}"
                : $"udp is for displays only (nothing comes back over UDP, so {what} could not answer); use {OneOf(allowed)}");
            return null;
        }

        LineEndpoint? line = key switch
        {
            "port" => DevicePath(keys, item, field, key, LineTransport.Serial, SerialExample, "/dev/serial/by-id/… or /dev/ttyUSB0"),
            "usbPrinter" => DevicePath(keys, item, field, key, LineTransport.UsbPrinter, "usbPrinter: /dev/usb/lp0", "/dev/usb/lp0 or a udev name such as /dev/ticket-printer"),
            _ => Network(slot, key == "tcp" ? LineTransport.Tcp : LineTransport.Udp),
        };
        if (line is null)
        {
            return null;
        }

        string owner = shareable ? "displays" : field;
        if (_portOwner.TryGetValue(line.Path, out string? existing) && !(shareable && existing == "displays"))
        {
            r.Report(slot.At, $"{field}.{key}", $"{(key == "port" ? "port " : "")}{line.Path} is already used by {existing}");
            return null;
        }

        _portOwner[line.Path] = owner;
        return line;
    }

    /// <summary><c>a, b or c</c>.</summary>
    private static string OneOf(string[] words) => words.Length == 1 ? words[0] : $"{string.Join(", ", words[..^1])} or {words[^1]}";

    /// <summary>A device path (<c>port:</c>, <c>usbPrinter:</c>): absolute; null when missing or not (reported).</summary>
    private LineEndpoint? DevicePath(Dictionary<string, Slot> keys, YamlMappingNode item, string field, string key, LineTransport transport, string example, string examples)
    {
        string? path = RequiredText(keys, item, field, key, example);
        if (path is null)
        {
            return null;
        }

        if (!path.StartsWith('/'))
        {
            r.Report(keys[key].At, $"{field}.{key}", $"must be an absolute device path such as {examples} (got \"{path}\")");
            return null;
        }

        return new LineEndpoint(transport, path, key, keys[key].At);
    }

    /// <summary><c>tcp: {host, port, connectTimeoutMs?, keepAliveSeconds?}</c> or <c>udp: {host, port}</c>; null when wrong (reported).</summary>
    private LineEndpoint? Network(Slot slot, LineTransport transport)
    {
        string key = transport == LineTransport.Tcp ? "tcp" : "udp";
        string example = transport == LineTransport.Tcp ? "tcp: {host: 192.168.10.21, port: 9100}" : "udp: {host: 192.168.10.40, port: 5005}";
        if (slot.Node is not YamlMappingNode map)
        {
            r.Fail(slot.At, slot.Field, $"must be the device's network address, e.g. `{example}` (not {ProfileReader.Describe(slot.Node)})");
            return null;
        }

        int before = r.Problems.Count;
        Dictionary<string, Slot> k = r.Keys(map, slot.Field, transport == LineTransport.Tcp ? s_tcpKeys : s_udpKeys);
        string? written = RequiredText(k, map, slot.Field, "host", "host: 192.168.10.21");
        string? host = null;
        if (written is not null && !TryHost(written, out host))
        {
            r.Fail(k["host"].At, $"{slot.Field}.host", $"must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"{written}\")");
        }

        int? port = RequiredInt(k, map, slot.Field, "port", transport == LineTransport.Tcp ? "port: 9100" : "port: 5005", 1, 65535);
        int? connect = Int(k, "connectTimeoutMs", 100, 60_000);
        int? keepAlive = Int(k, "keepAliveSeconds", 1, 7200);
        if (host is null || port is not { } p || r.Problems.Count > before)
        {
            return null;
        }

        return new LineEndpoint(transport, SerialLineSettings.NetworkPath(transport, host, p), key, slot.At, host, p,
            connect is { } c ? TimeSpan.FromMilliseconds(c) : null, keepAlive is { } s ? TimeSpan.FromSeconds(s) : null);
    }

    /// <summary>
    /// <c>baud:</c> of an entry (1..4 000 000), which only a serial port has; null when absent or wrong (reported).
    /// </summary>
    private int? Baud(Dictionary<string, Slot> keys, string field, LineEndpoint? line)
    {
        int? baud = Int(keys, "baud", 1, 4_000_000);
        if (line is { Transport: not LineTransport.Serial } && keys.TryGetValue("baud", out Slot slot))
        {
            r.Fail(slot.At, $"{field}.baud", $"baud is for serial ports (this line is {line.Key}: {line.Path}); remove baud:");
            return null;
        }

        return baud;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a host name (letters, digits and '-' in dot-separated labels of 1..63, at
    /// most 253 in all) or an IP literal (a dotted IPv4 address of four numbers 0..255, or an IPv6 address); the
    /// normalised form (host names in lower case, IP addresses as written by <see cref="IPAddress.ToString()"/>).
    /// </summary>
    internal static bool TryHost(string text, out string host)
    {
        host = text;
        if (text.Length is 0 or > 253)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            bool v6 = IPAddress.TryParse(text, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;
            host = v6 ? address!.ToString() : text;
            return v6;
        }

        if (text.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            // All digits: an IPv4 address, in full (IPAddress would take "10.1" or "167772161" too).
            string[] parts = text.Split('.');
            bool v4 = parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
            host = v4 ? IPAddress.Parse(text).ToString() : text;
            return v4;
        }

        string[] labels = text.TrimEnd('.').Split('.');
        bool name = labels.All(l => l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
        host = name ? text.TrimEnd('.').ToLowerInvariant() : text;
        return name;
    }
}
