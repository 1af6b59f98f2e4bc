namespace LobbyEdge.HeadOffice;

/// <summary>The MQTT topics of one branch (CONTRACTS.md, "Head office"): all under <c>lobby/v1/{branchId}</c>.</summary>
public sealed class HeadOfficeTopics
{
    /// <summary>Creates the topic names of <paramref name="branchId"/>.</summary>
    /// <exception cref="ArgumentException">The id is empty or holds a character MQTT gives a meaning to.</exception>
    public HeadOfficeTopics(string branchId)
    {
        ArgumentException.ThrowIfNullOrEmpty(branchId);
        if (branchId.AsSpan().IndexOfAny("/+#\0") >= 0)
        {
            throw new ArgumentException($"Branch id '{branchId}' cannot be an MQTT topic level: it holds '/', '+', '#' or NUL.", nameof(branchId));
        }

        BranchId = branchId;
        Root = $"lobby/v1/{branchId}";
        Events = Root + "/events";
        Resent = Events + "/resent";
        Status = Root + "/status";
        State = Root + "/state";
        CommandPrefix = Root + "/commands/";
        Commands = CommandPrefix + "+";
        ClientId = $"lobby-edge-{branchId}";
        Source = $"urn:lobby-edge:{branchId}";
    }

    /// <summary>The branch id.</summary>
    public string BranchId { get; }

    /// <summary><c>lobby/v1/{branchId}</c>.</summary>
    public string Root { get; }

    /// <summary>Events, one CloudEvent per message, QoS 1, not retained.</summary>
    public string Events { get; }

    /// <summary>
    /// <c>lobby/v1/{branchId}/events/resent</c>: events sent again on head office's <c>resend-events</c>, each the same
    /// CloudEvent (same id, same bytes) as first shipped on <see cref="Events"/>, which keeps its order. QoS 1, not retained.
    /// </summary>
    public string Resent { get; }

    /// <summary>Online/offline, retained; offline is the Last Will.</summary>
    public string Status { get; }

    /// <summary>The state snapshot, retained.</summary>
    public string State { get; }

    /// <summary>The filter the branch subscribes to for commands.</summary>
    public string Commands { get; }

    /// <summary>The prefix of a command topic; the command's name follows it.</summary>
    public string CommandPrefix { get; }

    /// <summary>The MQTT client id, <c>lobby-edge-{branchId}</c>.</summary>
    public string ClientId { get; }

    /// <summary>The CloudEvents source, <c>urn:lobby-edge:{branchId}</c>.</summary>
    public string Source { get; }
}
