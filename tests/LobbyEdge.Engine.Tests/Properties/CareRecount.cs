namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>
/// The care KPI recounted from the event stream alone, as README "Care KPI" defines it, to hold the engine's
/// incremental <see cref="CareFigures"/> against. The gauge is recounted by a scan of the modelled tickets, not kept
/// incrementally. Also checks each CareGiven event's fields (response since the oldest pending alert, care number,
/// past-threshold flag) against the stream.
/// </summary>
internal sealed class CareRecount(BranchConfig config)
{
    private readonly List<Ticket> _tickets = [];
    private readonly int[] _decided = new int[config.Services.Count];
    private readonly int[] _covered = new int[config.Services.Count];
    private readonly int[] _given = new int[config.Services.Count];
    private readonly int[] _responses = new int[config.Services.Count];
    private readonly long[] _responseMs = new long[config.Services.Count];

    /// <summary>Folds one event; returns a description of a field that disagrees with the stream, or null.</summary>
    public string? Add(in LobbyEvent e)
    {
        long t = e.TimeTicks;
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                _tickets.Clear();
                Array.Clear(_decided);
                Array.Clear(_covered);
                Array.Clear(_given);
                Array.Clear(_responses);
                Array.Clear(_responseMs);
                return null;
            case EventKind.TicketIssued:
                _tickets.Add(new Ticket { Service = e.Service, Issued = t });
                Enter(_tickets[^1], e.Service, t);
                return null;
            case EventKind.TicketRecovered:
            case EventKind.TicketTransferred:
                Enter(_tickets[e.Ticket], e.Service, t);
                return null;
            case EventKind.TicketDiverted:
                {
                    Ticket tk = _tickets[e.Ticket];
                    Note(tk, t);
                    Enter(tk, e.Service, t);
                    return null;
                }

            case EventKind.CareNeeded:
                {
                    Ticket tk = _tickets[e.Ticket];
                    tk.Past = true;
                    if (tk.Alert == 0)
                    {
                        tk.Alert = t;
                    }

                    return null;
                }

            case EventKind.CareGiven:
                {
                    Ticket tk = _tickets[e.Ticket];
                    Note(tk, t);
                    CareGivenView care = e.AsCareGiven();
                    long expected = tk.Alert > 0 ? (t - tk.Alert) / TimeSpan.TicksPerMillisecond : -1;
                    string? wrong =
                        care.ResponseMs != expected ? $"care #{e.Sequence} response {care.ResponseMs} ms, the stream says {expected}"
                        : care.CareNumber != tk.Cares + 1 ? $"care #{e.Sequence} is care number {care.CareNumber}, the stream says {tk.Cares + 1}"
                        : care.PastThreshold != tk.Past ? $"care #{e.Sequence} past threshold {care.PastThreshold}, the stream says {tk.Past}"
                        : null;
                    tk.Cares++;
                    tk.Alert = 0;
                    _given[tk.Service]++;
                    if (care.Answered)
                    {
                        _responses[tk.Service]++;
                        _responseMs[tk.Service] += care.ResponseMs;
                    }

                    return wrong;
                }

            case EventKind.TicketCalled:
                Leave(_tickets[e.Ticket], t);
                return null;
            case EventKind.TicketCancelled:
            case EventKind.TicketAbandoned:
                if (_tickets[e.Ticket].Waiting)
                {
                    Leave(_tickets[e.Ticket], t);
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The recounted figures of a service.</summary>
    public CareFigures Of(int service)
    {
        int uncared = _tickets.Count(tk => tk.Waiting && tk.Service == service && tk.Past && tk.Cares == 0);
        return new CareFigures(_decided[service], _covered[service], uncared, _given[service], _responses[service], _responseMs[service]);
    }

    /// <summary>Entering a queue (issue, recovery, transfer, divert): waiting in the service; past its threshold is noted.</summary>
    private void Enter(Ticket tk, int service, long t)
    {
        tk.Waiting = true;
        tk.Service = service;
        Note(tk, t);
    }

    /// <summary>Leaving the queue: the first time past the threshold decides the ticket; a pending alert is void.</summary>
    private void Leave(Ticket tk, long t)
    {
        Note(tk, t);
        if (tk.Past && !tk.Decided)
        {
            tk.Decided = true;
            _decided[tk.Service]++;
            if (tk.Cares > 0)
            {
                _covered[tk.Service]++;
            }
        }

        tk.Waiting = false;
        tk.Alert = 0;
    }

    private void Note(Ticket tk, long t)
    {
        if (tk.Waiting && t - tk.Issued >= config.Services[tk.Service].CareThreshold.Ticks)
        {
            tk.Past = true;
        }
    }

    private sealed class Ticket
    {
        public int Service;
        public long Issued;
        public bool Waiting;
        public bool Past;
        public bool Decided;
        public int Cares;
        public long Alert;
    }
}
