using Prometheus;

namespace LobbyEdge.Service.Monitoring;

/// <summary>The staffing advice families (issue 14): advice issued and answered today, and the forecast service level.</summary>
public sealed partial class LobbyMetrics
{
    /// <summary>The advice kinds as label values, by <c>AdviceKind</c> value (0 none is never issued).</summary>
    public static readonly string[] AdviceKinds = ["none", "open", "resume", "pause", "close"];

    /// <summary>The answers as label values, by <c>AdviceAnswer</c> value (0 none is never recorded).</summary>
    public static readonly string[] AdviceAnswers = ["none", "accepted", "dismissed"];

    private Counter _advice = null!;
    private Counter _adviceAnswered = null!;

    /// <summary><c>lobby_advice_total</c> by advice kind (index 0, none, unused: null).</summary>
    internal Counter.Child[] Advice { get; } = new Counter.Child[5];

    /// <summary><c>lobby_advice_answered_total</c> at <c>kind * 3 + answer</c> (kind or answer 0 unused: null).</summary>
    internal Counter.Child[] AdviceAnswered { get; } = new Counter.Child[5 * 3];

    /// <summary>
    /// <c>lobby_forecast_service_level</c>: the share of customers (waiting now or arriving within the advice horizon,
    /// 30 min by default) forecast to be called within their service's SLA target under the current staffing, all
    /// services; set at every evaluation of an open day, absent until the first forecast (and with <c>Advice:Enabled=false</c>).
    /// </summary>
    public Gauge ForecastServiceLevel { get; private set; } = null!;

    private void CreateAdviceFamilies(MetricFactory f)
    {
        _advice = f.CreateCounter("lobby_advice_total",
            "Staffing advice given to the lobby manager, by kind (open: a closed counter, resume: a paused or away one, pause, close)." + Today, "kind");
        _adviceAnswered = f.CreateCounter("lobby_advice_answered_total",
            "Staffing advice the lobby manager answered, by the advice's kind and the answer (accepted, dismissed). Acceptance = accepted / lobby_advice_total." + Today, "kind", "answer");
        ForecastServiceLevel = f.CreateGauge("lobby_forecast_service_level",
            "Forecast service level over the advice horizon (Advice:HorizonMinutes, 30 by default) under the current staffing, all services: the share 0..1 of customers waiting now or arriving in the horizon forecast to be called within their service's SLA target.",
            new GaugeConfiguration { SuppressInitialValue = true });
        CreateAdviceChildren();
    }

    /// <summary>A business day opens: the advice families start again from zero.</summary>
    private void StartAdviceDay()
    {
        foreach (ChildBase child in Advice.Concat<ChildBase>(AdviceAnswered).OfType<ChildBase>())
        {
            child?.Remove();   // index 0 (kind "none") has no child
        }

        CreateAdviceChildren();
    }

    private void CreateAdviceChildren()
    {
        for (int k = 1; k < AdviceKinds.Length; k++)
        {
            Advice[k] = _advice.WithLabels(AdviceKinds[k]);
            for (int a = 1; a < AdviceAnswers.Length; a++)
            {
                AdviceAnswered[(k * 3) + a] = _adviceAnswered.WithLabels(AdviceKinds[k], AdviceAnswers[a]);
            }
        }
    }
}
