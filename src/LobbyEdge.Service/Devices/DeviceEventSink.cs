using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Segments;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// Drives counter displays, the main display and the keypad displays from the engine's events. Runs on the engine
/// loop: <see cref="OnEvents"/> (before the log's commit) only notes which counters changed; <see cref="OnBatchEnd"/>
/// (after the commit: registered after the event log) reads what they show now from the engine and hands it to the
/// device owner tasks, which never block the loop. Rating pads that understand prompts are asked on a durable
/// <see cref="EventKind.RatingRequested"/> at their counter and thanked on a <see cref="EventKind.TicketRated"/> there
/// (from the pad or the counter's rating page alike).
/// </summary>
public sealed class DeviceEventSink : IEngineEventSink
{
    private readonly QueueEngine _engine;
    private readonly LobbyDevices _devices;
    private readonly BranchConfig _config;
    private readonly int[][] _countersByService;
    private readonly HashSet<int> _dirtyCounters = [];
    private readonly DisplayValues _values = new();
    private readonly RecentCall[] _recent;
    private readonly TimeSpan _ratingPrompt;
    private readonly List<(int Counter, bool Rated)> _ratings = [];
    private readonly Dictionary<int, long> _cues = [];
    private long _cue;
    private bool _recalled;
    private bool _allDirty = true;
    private bool _mainDirty = true;
    private bool _called;

    /// <summary>Creates the sink.</summary>
    /// <param name="engine">The engine (read on the loop only).</param>
    /// <param name="devices">The devices it drives.</param>
    /// <param name="ratingPrompt">How long a rating pad asks before "not rated" (<c>Rating:PromptSeconds</c>; default 30 s).</param>
    public DeviceEventSink(QueueEngine engine, LobbyDevices devices, TimeSpan? ratingPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(devices);
        _engine = engine;
        _devices = devices;
        _config = engine.Config;
        _ratingPrompt = ratingPrompt ?? TimeSpan.FromSeconds(30);
        _recent = new RecentCall[Math.Max(1, _config.RecentCallCount)];
        _countersByService = new int[_config.Services.Count][];
        for (int s = 0; s < _countersByService.Length; s++)
        {
            _countersByService[s] = [.. _config.Counters.Where(c => c.Services.Any(w => w.Service == s)).Select(c => c.Number)];
        }
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            switch (e.Kind)
            {
                case EventKind.DayOpened:
                case EventKind.DayClosed:
                    _allDirty = true;
                    break;
                case EventKind.TicketCalled:
                case EventKind.TicketRecalled:
                    // Every call and recall gets a new cue: its frame is sent even when the text is unchanged.
                    _called = true;
                    _recalled = e.Kind == EventKind.TicketRecalled;
                    _cues[e.Counter] = ++_cue;
                    _devices.NoteCall(e.Counter);
                    Touch(e.Service);
                    _dirtyCounters.Add(e.Counter);
                    break;
                case EventKind.TicketTransferred:
                    Touch(e.AsTicketTransferred().FromService);
                    Touch(e.Service);
                    _dirtyCounters.Add(e.Counter);
                    break;
                case EventKind.RatingRequested:
                case EventKind.TicketRated:
                    // Neither changes what a display shows; the counter's rating pad is asked, or thanked.
                    _ratings.Add((e.Counter, e.Kind == EventKind.TicketRated));
                    break;
                case EventKind.CareNeeded:
                case EventKind.SlaBreached:
                case EventKind.DeviceStatusChanged:
                case EventKind.RecoveryRefused:
                    break;
                default:
                    Touch(e.Service);
                    if (e.Counter > 0)
                    {
                        _dirtyCounters.Add(e.Counter);
                    }

                    break;
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        _devices.Hours.Set(_engine.IsDayOpen, _engine.TicketingCutoffUtc);
        _devices.RingNotedChimes();
        PromptRatingPads();
        if (_allDirty)
        {
            foreach (CounterConfig c in _config.Counters)
            {
                _dirtyCounters.Add(c.Number);
            }

            _mainDirty = true;
        }

        if (_dirtyCounters.Count == 0 && !_mainDirty)
        {
            return;
        }

        foreach (int counter in _dirtyCounters)
        {
            UpdateCounter(counter);
        }

        if (_mainDirty)
        {
            UpdateMain(_called);
        }

        _dirtyCounters.Clear();
        _allDirty = false;
        _mainDirty = false;
        _called = false;
        _recalled = false;
    }

    /// <summary>Asks or thanks the rating pads of this batch's rating events, in order (after the commit: durable first).</summary>
    private void PromptRatingPads()
    {
        foreach ((int counter, bool rated) in _ratings)
        {
            foreach (KeypadBus bus in _devices.KeypadBuses)
            {
                _ = rated ? bus.EndRatingPrompt(counter, RatingPromptEnd.Thanks) : bus.PromptRating(counter, _ratingPrompt);
            }
        }

        _ratings.Clear();
    }

    private void Touch(int service)
    {
        if ((uint)service < (uint)_countersByService.Length)
        {
            foreach (int c in _countersByService[service])
            {
                _dirtyCounters.Add(c);
            }

            _mainDirty = true;
        }
    }

    private void UpdateCounter(int counter)
    {
        if (!_engine.TryGetCounter(counter, out CounterView view))
        {
            return;
        }

        int number = 0;
        TicketView ticket = default;
        bool hasTicket = view.CurrentTicket >= 0 && _engine.TryGetTicket(view.CurrentTicket, out ticket);
        if (hasTicket)
        {
            number = ticket.Number;
        }

        int waiting = _engine.WaitingForCounter(counter);
        foreach (KeypadBus bus in _devices.KeypadBuses)
        {
            bus.ShowDisplay(counter, waiting, number);
        }

        ShowNumberDisplays(counter, KindOf(view, hasTicket ? ticket : null), hasTicket ? ticket : null);

        foreach ((LedDisplayBus bus, DisplaySetup setup) in _devices.Displays.Values)
        {
            if (setup.Counter != counter)
            {
                continue;
            }

            DisplayMessageKind kind = KindOf(view, hasTicket ? ticket : null);
            Fill(counter, waiting, hasTicket ? ticket : null);
            bool calling = kind is DisplayMessageKind.Call or DisplayMessageKind.Recall;
            DisplayText text = setup.Model.Render(kind, _values, calling ? _cues.GetValueOrDefault(counter) : 0);

            // Blinks while called; steady once the customer is at the counter.
            if (hasTicket && ticket.State == TicketState.Serving)
            {
                text = text with { Blink = false };
            }

            bus.Show(setup.Device.Index, text);
        }
    }

    private static DisplayMessageKind KindOf(CounterView view, TicketView? ticket) => view.State switch
    {
        CounterState.Paused => DisplayMessageKind.Paused,
        CounterState.Away => DisplayMessageKind.Away,
        CounterState.Closed => DisplayMessageKind.Closed,
        _ when ticket is { } t => t.Recalls > 0 ? DisplayMessageKind.Recall : DisplayMessageKind.Call,
        _ => DisplayMessageKind.Idle,
    };

    // The MAX7219 number displays over the counter (they only record it: the owner task writes).
    private void ShowNumberDisplays(int counter, DisplayMessageKind kind, TicketView? ticket)
    {
        foreach (CounterNumberDisplay display in _devices.NumberDisplays)
        {
            if (display.Counter == counter)
            {
                display.Show(CounterNumberDisplay.TextFor(kind, ticket is { } t ? _engine.FormatNumber(t.NumberService, t.Number) : ""));
            }
        }
    }

    private void UpdateMain(bool called)
    {
        int total = 0;
        for (int s = 0; s < _config.Services.Count; s++)
        {
            total += _engine.WaitingCount(s);
        }

        foreach ((LedDisplayBus bus, DisplaySetup setup) in _devices.Displays.Values)
        {
            if (setup.Counter != 0)
            {
                continue;
            }

            Fill(0, total, null);
            DisplayMessageKind kind = _values.Calls.Count == 0 ? DisplayMessageKind.Idle : called && _recalled ? DisplayMessageKind.Recall : DisplayMessageKind.Call;
            DisplayText text = setup.Model.Render(kind, _values, kind == DisplayMessageKind.Idle ? 0 : _cue);
            bus.Show(setup.Device.Index, called ? text : text with { Blink = false });
        }
    }

    private void Fill(int counter, int waiting, TicketView? ticket)
    {
        _values.Counter = counter;
        _values.Waiting = waiting;
        _values.Branch = _config.Name;
        _values.BranchZh = _config.NameZh;
        _values.Number = ticket is { } t ? _engine.FormatNumber(t.NumberService, t.Number) : "";
        ServiceConfig? service = ticket is { } t2 ? _config.Services[t2.Service] : null;
        _values.Service = service?.Name ?? "";
        _values.ServiceZh = service?.NameZh ?? "";
        _values.Calls.Clear();
        int n = _engine.CopyRecentCalls(_recent);
        for (int i = 0; i < n; i++)
        {
            _values.Calls.Add((_engine.FormatNumber(_recent[i].NumberService, _recent[i].Number), _recent[i].Counter));
        }

        _values.WaitingByService.Clear();
        for (int s = 0; s < _config.Services.Count; s++)
        {
            _values.WaitingByService[_config.Services[s].Id] = _engine.WaitingCount(s);
        }
    }
}
