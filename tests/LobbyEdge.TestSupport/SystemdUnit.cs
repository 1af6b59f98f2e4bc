namespace LobbyEdge.TestSupport;

/// <summary>What a test or benchmark takes from the box's systemd unit (deploy/systemd/lobby-edge.service).</summary>
public static class SystemdUnit
{
    /// <summary>
    /// The <c>Environment=</c> assignments of <paramref name="unit"/> (space-separated <c>KEY=value</c>, no quoting, as
    /// the service's unit writes them), so a process started here runs with the garbage-collector settings the box has.
    /// </summary>
    /// <exception cref="FormatException">An assignment without <c>=</c>.</exception>
    public static Dictionary<string, string> Environment(string unit)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(unit))
        {
            if (!line.StartsWith("Environment=", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (string assignment in line["Environment=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new FormatException($"{unit}: '{assignment}' is not KEY=value");
                }

                environment[assignment[..equals]] = assignment[(equals + 1)..];
            }
        }

        return environment;
    }

    /// <summary>The service's unit as the test projects copy it beside themselves (<c>deploy/systemd/lobby-edge.service</c>).</summary>
    public static string BesideTheTests => Path.Combine(AppContext.BaseDirectory, "deploy", "systemd", "lobby-edge.service");
}
