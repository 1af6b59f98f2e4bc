using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace LobbyEdge.TestSupport;

/// <summary>The machine as the branch LAN sees it: a caller from here that is not loopback, as a kiosk or tablet on the LAN is.</summary>
public static class Lan
{
    /// <summary>
    /// A non-loopback IPv4 address of this machine. A service listening on 0.0.0.0 sees a request to it as from that
    /// address, not from loopback.
    /// </summary>
    public static IPAddress Address() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to play a LAN kiosk from");
}
