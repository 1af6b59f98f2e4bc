using System.Globalization;
using System.Text;

namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    /// <summary>
    /// The whole state as canonical text: day, sequence, the configuration in force and waiting (version, hash), every ticket, every queue in call order, no-show lists,
    /// counters (with time per state, calling credits and the ticket finished last), rolling service times, the care
    /// KPI and customer ratings per service and counter, recent calls, and the day's advice and self-service choices. Two engines
    /// with equal text are in the same state; crash-recovery and replay checks compare it. Allocates; diagnostics only.
    /// </summary>
    public string DescribeState()
    {
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"seq={_lastSequence} at={_lastEventTicks} open={_dayOpen} day={_businessDay} close={_closeTicks} cutoff={_cutoffTicks} tickets={_ticketCount}\n");
        sb.Append(ci, $"config={_config.Version}/{_config.Hash:x16} fp={ConfigFingerprint:x16} pending={_pending?.Version}/{_pending?.Hash:x16}/{(_pending is null ? "" : _pendingSource)}\n");
        for (int i = 0; i < _ticketCount; i++)
        {
            ref TicketRecord t = ref _tickets[i];
            sb.Append(ci, $"t{i} {t.State} {t.Tier} lane={t.Lane} svc={t.Service} num={t.NumberService}/{t.Number} ctr={t.Counter} ");
            sb.Append(ci, $"rc={t.Recalls} rv={t.Recoveries} mark={t.NoShowCallMark} care={t.CareCount}/{t.NextCareTicks} sla={t.SlaBreached} ");
            sb.Append(ci, $"iss={t.IssuedTicks} q={t.QueuedTicks} call={t.CalledTicks} start={t.StartedTicks} ns={t.NoShowTicks} pred={t.PredictedMs}/{t.PredictionPending} ahead={t.AheadAtIssue} exp={t.ExpiredBy} ");
            sb.Append(ci, $"cared={t.CareGiven}/{t.LastCareTicks}/{t.CareAlertTicks} carePast={t.CarePast}/{t.CareDecided} reprints={t.Reprints} ");
            sb.Append(ci, $"rating={t.RatingScore}/{t.RatingScale}/{t.RatingPrompts} fin={t.FinishedTicks}\n");
        }

        for (int s = 0; s < _services.Length; s++)
        {
            sb.Append(ci, $"s{s} waiting={_waiting[s]} issued={_issued[s]} calls={_calls[s]} last={_lastNumber[s]} mean={_meanServiceMs[s]:R} var={_varServiceMs[s]:R} {_rates[s]} tiers=");
            for (int k = 0; k < LaneCount; k++)
            {
                sb.Append(ci, $"{_waitingByTier[(s * LaneCount) + k]},");
            }

            for (int lane = LaneCount - 1; lane >= 0; lane--)
            {
                AppendList(sb, $" lane{lane}:", _lanes[(s * LaneCount) + lane]);
            }

            AppendList(sb, " noshow:", _noShows[s]);
            CareFigures care = _care[s].Figures;
            sb.Append(ci, $" care={care.Decided}/{care.Covered}/{care.UncaredWaiting}/{care.CareGiven}/{care.Responses}/{care.ResponseMsTotal}");
            AppendRatings(sb, _ratingsByService[s]);
            sb.Append('\n');
        }

        for (int c = 0; c < _counterState.Length; c++)
        {
            ref CounterRecord cr = ref _counterState[c];
            sb.Append(ci, $"c{_counters[c].Number} {cr.State} since={cr.StateSinceTicks} cur={cr.Current} lastNoShow={cr.LastNoShow} ms=");
            for (int k = 0; k < 5; k++)
            {
                sb.Append(ci, $"{_counterStateMs[(c * 5) + k]},");
            }

            sb.Append(" credit=");
            foreach (int w in _weightCredit[c])
            {
                sb.Append(ci, $"{w},");
            }

            AppendList(sb, " parked:", cr.Parked);
            sb.Append(ci, $" lastFinished={cr.LastFinished}@{cr.LastFinishedTicks}");
            AppendRatings(sb, _ratingsByCounter[c]);
            sb.Append('\n');
        }

        Span<RecentCall> recent = stackalloc RecentCall[_recent.Length];
        int n = CopyRecentCalls(recent);
        sb.Append("recent:");
        for (int i = 0; i < n; i++)
        {
            sb.Append(ci, $" {recent[i].Ticket}@{recent[i].Counter}/{recent[i].Recalls}");
        }

        sb.Append('\n');
        AppendAdvice(sb);
        return sb.ToString();
    }

    /// <summary>A rating tally: requested/answered/linked/unlinked, then the count of every score slot.</summary>
    private static void AppendRatings(StringBuilder sb, in RatingTally tally)
    {
        sb.Append(CultureInfo.InvariantCulture, $" ratings={tally.Requested}/{tally.Answered}/{tally.Linked}/{tally.Unlinked}:");
        for (int i = 0; i < RatingTally.SlotCount; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{tally.Scores[i]},");
        }
    }

    private void AppendList(StringBuilder sb, string label, Lane lane)
    {
        sb.Append(label);
        for (int t = lane.Head; t >= 0; t = _tickets[t].Next)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{t},");
        }
    }
}
