using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Forecasting;
using LobbyEdge.Service.Advice;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The console's advice and forecast panels: <c>"advice":{"enabled","open":[…],"answered":[…]}</c> and
/// <c>"forecast":{…}</c> (absent until the first forecast of an open day, and with <c>Advice:Enabled=false</c>).
/// </summary>
/// <remarks>
/// An advice: <c>{"id","kind":"open|resume|pause|close","counter","service"?(id),"serviceLevelNow","serviceLevelWith"
/// (0..1),"pastCareAvoided","horizonMinutes","issuedSecondsAgo","applies","message","messageZh"}</c>; an answered one
/// adds <c>"answer":"accepted|dismissed","staff","answeredSecondsAgo"</c>; one nobody answered within its horizon
/// (<c>horizonMinutes</c> after it was issued) has lapsed: it leaves the open list and is listed with the answered ones
/// as <c>"answer":"lapsed","answeredSecondsAgo"</c> (seconds since it lapsed, no staff). <c>applies</c> is false once the counter's
/// state no longer fits the advice (the counter was opened already). Open advice newest first; the last
/// <see cref="AnsweredShown"/> answered or lapsed ones, newest first. The forecast:
/// <c>{"serviceLevel","horizonMinutes","secondsAgo","services":[{"id","name","nameZh","waiting","in30","in60",
/// "serviceLevel30","meanWaitMinutes","pastCare30"}]}</c>.
/// </remarks>
public sealed partial class ConsoleState
{
    /// <summary>How many answered advice the console lists.</summary>
    public const int AnsweredShown = 5;

    private readonly AdviceHost? _advice;
    private AdviceView[] _adviceViews = new AdviceView[64];

    private void WriteAdvice(Utf8JsonWriter w, long now)
    {
        QueueEngine e = _engine;
        int n = e.AdviceCount;
        if (_adviceViews.Length < n)
        {
            _adviceViews = new AdviceView[Math.Max(n, _adviceViews.Length * 2)];
        }

        n = e.CopyAdvice(_adviceViews);
        w.WriteStartObject("advice");
        w.WriteBoolean("enabled", _advice is not null);
        w.WriteStartArray("open");
        for (int i = n - 1; i >= 0; i--)
        {
            if (_adviceViews[i].Answer == AdviceAnswer.None && !Lapsed(_adviceViews[i], now))
            {
                WriteOneAdvice(w, _adviceViews[i], now);
            }
        }

        w.WriteEndArray();
        w.WriteStartArray("answered");
        AdviceView[] answered = [.. _adviceViews.AsSpan(0, n).ToArray()
            .Where(a => a.Answer != AdviceAnswer.None || Lapsed(a, now))
            .OrderByDescending(ClosedAt)
            .Take(AnsweredShown)];
        foreach (AdviceView a in answered)
        {
            WriteOneAdvice(w, a, now);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        WriteForecast(w, now);
    }

    private void WriteOneAdvice(Utf8JsonWriter w, in AdviceView a, long now)
    {
        BranchConfig config = _engine.Config;
        w.WriteStartObject();
        w.WriteNumber("id", a.Id);
        w.WriteString("kind", AdviceText.KindName(a.Kind));
        w.WriteNumber("counter", a.CounterNumber);
        if ((uint)a.Service < (uint)config.Services.Count)
        {
            w.WriteString("service", config.Services[a.Service].Id);
        }

        w.WriteNumber("serviceLevelNow", a.Figures.ServiceLevelNowBp / 10_000.0);
        w.WriteNumber("serviceLevelWith", a.Figures.ServiceLevelWithBp / 10_000.0);
        w.WriteNumber("pastCareAvoided", a.Figures.PastCareAvoided);
        w.WriteNumber("horizonMinutes", a.Figures.HorizonMinutes);
        w.WriteNumber("issuedSecondsAgo", Seconds(now - a.IssuedUtc.Ticks));
        w.WriteBoolean("applies", Applies(a));
        (string en, string zh) = AdviceText.Describe(config, a.Kind, a.CounterNumber, a.Service, a.Figures);
        w.WriteString("message", en);
        w.WriteString("messageZh", zh);
        if (a.Answer != AdviceAnswer.None)
        {
            w.WriteString("answer", AdviceText.AnswerName(a.Answer));
            w.WriteNumber("staff", a.Staff);
            w.WriteNumber("answeredSecondsAgo", Seconds(now - a.AnsweredUtc.Ticks));
        }
        else if (Lapsed(a, now))
        {
            // Nobody answered within the advice's horizon: its forecast is stale, so it leaves the open list.
            w.WriteString("answer", "lapsed");
            w.WriteNumber("answeredSecondsAgo", Seconds(now - ClosedAt(a).Ticks));
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Whether an unanswered advice has outlived its horizon: the forecast it was based on is over, so the console
    /// stops offering it (it is listed with the answered ones as <c>"lapsed"</c>; the engine refuses a late answer as
    /// <see cref="RefusalReason.AdviceLapsed"/> from the same moment).
    /// </summary>
    private static bool Lapsed(in AdviceView a, long now) =>
        a.Answer == AdviceAnswer.None && now - a.IssuedUtc.Ticks >= a.Figures.HorizonMinutes * TimeSpan.TicksPerMinute;

    /// <summary>When an advice left the open list: its answer, or the end of its horizon when it lapsed.</summary>
    private static DateTime ClosedAt(AdviceView a) =>
        a.Answer != AdviceAnswer.None ? a.AnsweredUtc : a.IssuedUtc.AddMinutes(a.Figures.HorizonMinutes);

    /// <summary>Whether the counter's state still fits the advice (open needs closed, resume paused or away, pause and close an open counter).</summary>
    private bool Applies(in AdviceView a)
    {
        if (!_engine.TryGetCounter(a.CounterNumber, out CounterView c))
        {
            return false;
        }

        return a.Kind switch
        {
            AdviceKind.Open => c.State == CounterState.Closed,
            AdviceKind.Resume => c.State is CounterState.Paused or CounterState.Away,
            AdviceKind.Pause or AdviceKind.Close => c.State is CounterState.Standby or CounterState.Serving,
            _ => false,
        };
    }

    private void WriteForecast(Utf8JsonWriter w, long now)
    {
        if (_advice?.Forecast is not { } f || !_engine.IsDayOpen)
        {
            return;
        }

        BranchConfig config = _engine.Config;
        w.WriteStartObject("forecast");
        w.WriteNumber("serviceLevel", Math.Round(f.ServiceLevel, 4));
        w.WriteNumber("horizonMinutes", f.HorizonMinutes);
        w.WriteNumber("secondsAgo", Seconds(now - f.At.UtcTicks));
        w.WriteStartArray("services");
        foreach (ServiceForecast s in f.Services)
        {
            if ((uint)s.Service >= (uint)config.Services.Count)
            {
                continue;
            }

            ServiceConfig sc = config.Services[s.Service];
            w.WriteStartObject();
            w.WriteString("id", sc.Id);
            w.WriteString("name", sc.Name);
            w.WriteString("nameZh", sc.NameZh);
            w.WriteNumber("waiting", _engine.WaitingCount(s.Service));
            w.WriteNumber("in30", Math.Round(s.ExpectedWaitingIn30, 1));
            w.WriteNumber("in60", Math.Round(s.ExpectedWaitingIn60, 1));
            w.WriteNumber("serviceLevel30", Math.Round(s.ServiceLevel30, 4));
            w.WriteNumber("meanWaitMinutes", Math.Round(s.MeanWaitMinutes, 1));
            w.WriteNumber("pastCare30", s.PastCareThreshold30);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
