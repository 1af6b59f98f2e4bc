namespace LobbyEdge.Service.Operations;

/// <summary>The <c>Http</c> configuration section: where the operations endpoints listen.</summary>
public sealed class HttpOptions
{
    /// <summary>Whether to serve HTTP at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to bind. Loopback by default: a lobby box is reached through a proxy or a tunnel, not the branch LAN.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The port (CONTRACTS.md: 9180).</summary>
    public int Port { get; set; } = 9180;
}
