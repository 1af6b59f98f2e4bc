using System.Globalization;

namespace LobbyEdge.Service;

/// <summary>
/// How the simulated people behave under <c>--simulate</c> (the <c>Simulation</c> section:
/// <c>--Simulation:FollowAdvice=true</c>, <c>LOBBYEDGE__Simulation__SelfServiceTakeUp=0.3</c>); read only with
/// <c>--simulate</c>. Checked before anything starts; a bad value stops the start with exit code 2 naming the key.
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Simulation";

    /// <summary>
    /// The simulated staff follow the staffing advice (default false): the lobby manager accepts each advice on the
    /// console and the counter's clerk carries it out a few minutes later; a counter that does not open at day start
    /// stays closed until advised to open. Without it advice is shown (to whoever signs in to the console) and nobody acts on it.
    /// </summary>
    public bool FollowAdvice { get; set; }

    /// <summary>
    /// Share (0..1, default 0) of customers who take their service's self-service alternative instead of a ticket when
    /// the kiosk shows a predicted wait at or above the alternative's threshold.
    /// </summary>
    public double SelfServiceTakeUp { get; set; }

    /// <summary>What is wrong with the options, one line each naming the key (empty when they are valid).</summary>
    public static IEnumerable<string> Problems(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.SelfServiceTakeUp is >= 0 and <= 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(SelfServiceTakeUp)} = '{options.SelfServiceTakeUp}': must be a share from 0 to 1 (0.3 = three customers in ten)");
        }
    }
}
