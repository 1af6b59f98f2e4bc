using System.Globalization;
using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// Totals of a business day built from its events alone: what a lobby manager reads at close (tickets, waits,
/// no-shows, recoveries, care alerts, prediction error). Not a hot path; it keeps every wait to give percentiles.
/// </summary>
public sealed class DaySummary
{
    private readonly List<long> _waitsMs = [];
    private readonly List<long> _predictionErrorsMs = [];
    private readonly int[] _byKind = new int[32];

    /// <summary>Counts events by kind.</summary>
    public int Count(EventKind kind) => _byKind[(int)kind];

    /// <summary>Tickets issued (walk-ins included).</summary>
    public int Issued => Count(EventKind.TicketIssued);

    /// <summary>Tickets served to the end.</summary>
    public int Completed => Count(EventKind.TicketCompleted);

    /// <summary>Calls that ended as no-shows.</summary>
    public int NoShows => Count(EventKind.TicketNoShow);

    /// <summary>No-shows recovered.</summary>
    public int Recovered => Count(EventKind.TicketRecovered);

    /// <summary>Recoveries refused (outside tolerance).</summary>
    public int RecoveriesRefused => Count(EventKind.RecoveryRefused);

    /// <summary>Tickets abandoned, for any reason.</summary>
    public int Abandoned => Count(EventKind.TicketAbandoned);

    /// <summary>Tickets cancelled.</summary>
    public int Cancelled => Count(EventKind.TicketCancelled);

    /// <summary>Care alerts raised.</summary>
    public int CareAlerts => Count(EventKind.CareNeeded);

    /// <summary>SLA breaches.</summary>
    public int SlaBreaches => Count(EventKind.SlaBreached);

    /// <summary>Queue waits measured at call.</summary>
    public int Calls => _waitsMs.Count;

    /// <summary>Takes in a batch of events.</summary>
    public void Observe(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            _byKind[(int)e.Kind]++;
            if (e.Kind == EventKind.TicketCalled)
            {
                TicketCalledView called = e.AsTicketCalled();
                if (called.HasWait)
                {
                    _waitsMs.Add(called.WaitMs);
                }

                if (called.HasPredictionError)
                {
                    _predictionErrorsMs.Add(called.PredictionErrorMs);
                }
            }
        }
    }

    /// <summary>Mean queue wait.</summary>
    public TimeSpan MeanWait => _waitsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_waitsMs.Average());

    /// <summary>A percentile (0..100) of queue waits.</summary>
    public TimeSpan WaitPercentile(double p)
    {
        if (_waitsMs.Count == 0)
        {
            return TimeSpan.Zero;
        }

        long[] sorted = [.. _waitsMs];
        Array.Sort(sorted);
        int index = (int)Math.Clamp(Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return TimeSpan.FromMilliseconds(sorted[index]);
    }

    /// <summary>Mean absolute prediction error (actual wait minus predicted typical).</summary>
    public TimeSpan MeanAbsolutePredictionError =>
        _predictionErrorsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_predictionErrorsMs.Average(e => Math.Abs(e)));

    /// <summary>Mean signed prediction error: positive when customers waited longer than printed.</summary>
    public TimeSpan MeanPredictionBias =>
        _predictionErrorsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_predictionErrorsMs.Average());

    /// <summary>The summary as a few lines for a log.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"tickets {Issued}, completed {Completed}, no-shows {NoShows} ({Rate(NoShows, Calls)}), recovered {Recovered}, ");
        sb.Append(ci, $"recoveries refused {RecoveriesRefused}, cancelled {Cancelled}, abandoned {Abandoned}; ");
        sb.Append(ci, $"wait mean {Min(MeanWait)}, p50 {Min(WaitPercentile(50))}, p90 {Min(WaitPercentile(90))}, max {Min(WaitPercentile(100))}; ");
        sb.Append(ci, $"care alerts {CareAlerts}, SLA breaches {SlaBreaches}; ");
        sb.Append(ci, $"prediction error mean |e| {Min(MeanAbsolutePredictionError)}, bias {(MeanPredictionBias < TimeSpan.Zero ? "-" : "+")}{Min(MeanPredictionBias.Duration())}");
        return sb.ToString();
    }

    private static string Min(TimeSpan t) => t.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " min";

    private static string Rate(int part, int whole) =>
        whole == 0 ? "0%" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
