using System.Text.Json;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.HeadOffice;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Http;

namespace LobbyEdge.Service.Lobby;

/// <summary>A ticket as the kiosk's printer prints it.</summary>
/// <param name="Ticket">The printed number, e.g. A023.</param>
/// <param name="Service">The service's configuration (names in both languages).</param>
/// <param name="PeopleAhead">People who will be called first.</param>
/// <param name="TypicalWaitMs">Predicted typical wait, -1 if unknown.</param>
/// <param name="UpperWaitMs">Predicted upper wait, -1 if unknown.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="TicketIndex">The engine's ticket id (goes into the ticket's QR code), or -1.</param>
/// <param name="Tier">The ticket's tier.</param>
public sealed record KioskTicket(string Ticket, ServiceConfig Service, int PeopleAhead, long TypicalWaitMs, long UpperWaitMs, DateTimeOffset IssuedAt,
    int TicketIndex = -1, Tier Tier = Tier.Normal);

/// <summary>The kiosk's printer could not print a ticket that was already issued.</summary>
public sealed class KioskPrintException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KioskPrintException()
        : this("the ticket was not printed")
    {
    }

    /// <summary>Creates the exception with the printer's reason (e.g. "printer out of paper").</summary>
    public KioskPrintException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the printer's reason and what caused it.</summary>
    public KioskPrintException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The printer a kiosk prints at. The devices layer provides the real one; without a printer configured the kiosk
/// shows the number on screen only.
/// </summary>
public interface IKioskPrinter
{
    /// <summary>Why the printer cannot print now (paper out, cover open, offline), or null when it can.</summary>
    public string? WhyNotReady();

    /// <summary>Prints a ticket whose events are already durable.</summary>
    /// <exception cref="KioskPrintException">The ticket was not printed (the kiosk then takes it back).</exception>
    public ValueTask PrintAsync(KioskTicket ticket, CancellationToken cancellationToken);
}

/// <summary>No printer: the kiosk shows the number only.</summary>
public sealed class NoKioskPrinter : IKioskPrinter
{
    /// <inheritdoc />
    public string? WhyNotReady() => null;

    /// <inheritdoc />
    public ValueTask PrintAsync(KioskTicket ticket, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// The kiosk's one action: a customer taps a service and gets a ticket. Staff functions (call, transfer, recover,
/// counters) are not reachable from here: the kiosk API issues tickets and nothing else.
/// </summary>
public sealed class Kiosk
{
    private readonly ILobbyCommands _commands;
    private readonly BranchConfig _config;
    private readonly IKioskPrinter _printer;
    private readonly QueueEngine? _engine;
    private readonly CurrentConfiguration? _current;

    /// <summary>
    /// The configuration in force: the engine's, as a push or a structural change at the day's opening put it in force
    /// (the host is rebuilt a second later for a structural one; until then the services are this one's, not the
    /// host's start-time list, so a new service is not refused as unknown and a ticket's number is formatted by its
    /// own service).
    /// </summary>
    private BranchConfig InForce => _current?.Config ?? _config;

    /// <summary>Creates the kiosk endpoint; a refusal outside the branch's hours says only "not open yet".</summary>
    /// <param name="commands">The engine's command channel.</param>
    /// <param name="config">The configuration the host was built with.</param>
    /// <param name="printer">The kiosk's printer.</param>
    /// <param name="current">The configuration in force, for names a push changes live (the printed service name); null: <paramref name="config"/>.</param>
    public Kiosk(ILobbyCommands commands, BranchConfig config, IKioskPrinter printer, CurrentConfiguration? current = null)
    {
        _commands = commands;
        _config = config;
        _printer = printer;
        _current = current;
    }

    /// <summary>
    /// Creates the kiosk endpoint over the branch's engine: a ticket asked for while the branch is closed by its
    /// calendar, or outside today's hours, is refused with the day's notice (<see cref="CalendarNotice"/>).
    /// </summary>
    /// <param name="commands">The engine's command channel.</param>
    /// <param name="config">The configuration the host was built with.</param>
    /// <param name="printer">The kiosk's printer.</param>
    /// <param name="engine">The branch's engine, for its calendar.</param>
    /// <param name="current">The configuration in force (see the other constructor).</param>
    public Kiosk(ILobbyCommands commands, BranchConfig config, IKioskPrinter printer, QueueEngine engine, CurrentConfiguration? current = null)
        : this(commands, config, printer, current)
    {
        _engine = engine;
    }

    /// <summary>Bilingual text for a refusal a customer can see.</summary>
    public static (string Zh, string En) Explain(RefusalReason reason) => reason switch
    {
        RefusalReason.DayNotOpen => ("营业厅尚未开始营业，请稍候", "The branch is not open yet. Please wait a moment."),
        RefusalReason.TicketingClosed => ("今日取号已结束", "Ticketing has closed for today."),
        RefusalReason.DailyCapReached => ("该业务今日号码已发完", "No more tickets for this service today."),
        RefusalReason.NumbersExhausted or RefusalReason.CapacityExhausted => ("暂时无法取号，请联系大堂经理", "No ticket can be issued right now. Please ask the lobby manager."),
        RefusalReason.UnknownService => ("没有该业务", "There is no such service."),
        _ => ("暂时无法取号，请联系大堂经理", "No ticket can be issued right now. Please ask the lobby manager."),
    };

    /// <summary>POST /kiosk/tickets with <c>{"service":"cash","priority":false}</c>.</summary>
    /// <remarks>
    /// While the branch is closed (a date its calendar closes, or outside today's hours) the answer is 409 with
    /// <c>{"ok":false,"reason":"closed_today"|"closed_now","messageZh":"今日休息（国庆节）。下次营业 10月8日 周四 08:30",
    /// "message":"Closed today (National Day). Next opening: Thu 8 Oct 08:30","note":"…","nextOpening":"2026-10-08T00:30:00Z"}</c>
    /// (<c>nextOpening</c> null when the calendar does not open within a year): no ticket was issued.
    /// When the engine has stopped (e.g. the branch's storage is full) the answer is 503 with
    /// <c>{"ok":false,"reason":"storage_full","messageZh":…,"message":…,"error":…}</c>: no ticket was issued.
    /// </remarks>
    public async Task<IResult> IssueAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await IssueTicketAsync(context).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            // The engine loop stopped after a fault, or the service is stopping: nothing was issued, and the customer
            // is told so instead of meeting an empty error page.
            return Stopped(e);
        }
    }

    private async Task<IResult> IssueTicketAsync(HttpContext context)
    {
        // A malformed body (not JSON, not an object, a field of the wrong kind) is a 400 that says what is wrong.
        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, "service", "priority").ConfigureAwait(false);
        string serviceId;
        bool priority;
        using (body)
        {
            if (malformed is not null
                || (malformed = JsonRequest.RequiredString(body!.RootElement, "service", out serviceId)) is not null
                || (malformed = JsonRequest.OptionalBoolean(body.RootElement, "priority", out priority)) is not null)
            {
                return malformed;
            }
        }

        if (UnknownService(serviceId, out int service) is { } unknown)
        {
            return unknown;
        }

        // A dispenser whose printer cannot print refuses before a number is taken, and says why.
        if (_printer.WhyNotReady() is { } why)
        {
            return Results.Json(
                new Refused(false, "printer", "打印机无法打印，请联系大堂经理", $"The ticket printer cannot print ({why}). Please ask the lobby manager."),
                LobbyJsonContext.Http.Refused,
                statusCode: StatusCodes.Status409Conflict);
        }

        CommandOutcome outcome = await _commands.SendAsync(Command.Issue(service, priority ? Tier.Priority : Tier.Normal), context.RequestAborted).ConfigureAwait(false);
        CommandResult r = outcome.Result;
        if (RefusalOf(outcome) is { } refused)
        {
            return refused;
        }

        ServiceConfig sc = InForce.Services[r.NumberService];
        Tier tier = priority ? Tier.Priority : Tier.Normal;
        var ticket = new KioskTicket(sc.FormatNumber(r.Number), InForce.Services[service], r.PeopleAhead, r.TypicalWaitMs, r.UpperWaitMs, outcome.At, r.Ticket, tier);
        try
        {
            // Not cut short when the browser goes away: the ticket exists, so it is either confirmed or taken back.
            await _printer.PrintAsync(ticket, CancellationToken.None).ConfigureAwait(false);
        }
        catch (KioskPrintException e)
        {
            // Nobody holds a ticket that did not come out: take it back, so no counter calls an empty number.
            CommandOutcome cancel = await _commands.SendAsync(Command.Cancel(r.Ticket, CancelReason.PrintFailed), CancellationToken.None).ConfigureAwait(false);
            bool cancelled = cancel.Result.Accepted;
            return Results.Json(
                new PrintFailed(
                    false,
                    "print_failed",
                    cancelled,
                    cancelled ? "打印失败，本号已作废，请联系大堂经理" : "打印失败，请联系大堂经理",
                    $"The ticket could not be printed ({e.Message}){(cancelled ? " and has been cancelled" : "")}. Please ask the lobby manager."),
                LobbyJsonContext.Http.PrintFailed,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        int[]? waitMinutes = r.TypicalWaitMs < 0 ? null : [(int)Math.Round(r.TypicalWaitMs / 60000.0), (int)Math.Ceiling(r.UpperWaitMs / 60000.0)];
        return Results.Json(new TicketIssued(true, ticket.Ticket, sc.Id, r.PeopleAhead, waitMinutes, outcome.At), LobbyJsonContext.Http.TicketIssued);
    }

    /// <summary>
    /// POST /kiosk/self-service with <c>{"service":"cash"}</c>: the customer took the service's self-service
    /// alternative (智能分流) the kiosk suggested instead of a ticket. No ticket is issued; the choice is recorded
    /// (<see cref="EventKind.SelfServiceChosen"/>, counted in <c>lobby_diverted_total{service}</c>). Gated and rate limited
    /// exactly as <c>POST /kiosk/tickets</c> (<see cref="KioskGate"/>), so the count cannot be inflated from the LAN.
    /// </summary>
    /// <remarks>
    /// 200 <c>{"ok":true,"service":"cash","name":"ATM / cash recycler in the lobby","nameZh":"大厅自助存取款机","messageZh","message"}</c>
    /// (the alternative in force, and where to go, in both languages). 400 for a malformed body (naming the field) or
    /// an unknown service (<c>unknown_service</c>); 409 <c>no_self_service</c> when the service names no alternative,
    /// 409 <c>self_service_not_suggested</c> when the kiosk does not suggest it now (the predicted typical wait is under
    /// the alternative's threshold, or unknown: the branch state's <c>selfService.suggested</c> is false), nothing counted,
    /// and the same 409 answers as a ticket while the branch is closed or not open; 503 when the engine has stopped.
    /// </remarks>
    public async Task<IResult> ChooseSelfServiceAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await ChooseAsync(context).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            return Stopped(e);
        }
    }

    private async Task<IResult> ChooseAsync(HttpContext context)
    {
        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, "service").ConfigureAwait(false);
        string serviceId;
        using (body)
        {
            if (malformed is not null || (malformed = JsonRequest.RequiredString(body!.RootElement, "service", out serviceId)) is not null)
            {
                return malformed;
            }
        }

        if (UnknownService(serviceId, out int service) is { } unknown)
        {
            return unknown;
        }

        // Judged on the configuration in force (a push may have added or removed the alternative); the engine judges again.
        ServiceConfig sc = InForce.Services[service];
        if (sc.SelfService is null)
        {
            return NoSelfService(sc);
        }

        CommandOutcome outcome = await _commands.SendAsync(Command.ChooseSelfService(service), context.RequestAborted).ConfigureAwait(false);
        if (outcome.Result.Refusal == RefusalReason.NoSelfService)
        {
            return NoSelfService(sc);
        }

        if (outcome.Result.Refusal == RefusalReason.SelfServiceNotSuggested)
        {
            // The kiosk does not offer the alternative at this wait: nothing is counted, the customer takes a ticket.
            return Results.Json(
                new Refused(false, RefusalNames.Of(RefusalReason.SelfServiceNotSuggested), "当前等候时间较短，请直接取号", $"The wait for {sc.Name} is short now. Please take a ticket."),
                LobbyJsonContext.Http.Refused,
                statusCode: StatusCodes.Status409Conflict);
        }

        if (RefusalOf(outcome) is { } refused)
        {
            return refused;
        }

        SelfServiceAlternative alternative = sc.SelfService;
        string zh = alternative.NameZh.Length > 0 ? alternative.NameZh : alternative.Name;
        return Results.Json(
            new SelfServiceTaken(true, sc.Id, alternative.Name, alternative.NameZh, $"请使用{zh}办理，无需取号排队。谢谢！", $"Please use: {alternative.Name}. No ticket, no queue. Thank you!"),
            LobbyJsonContext.Http.SelfServiceTaken);
    }

    private static IResult NoSelfService(ServiceConfig sc) => Results.Json(
        new Refused(false, RefusalNames.Of(RefusalReason.NoSelfService), "该业务没有自助渠道，请取号", $"{sc.Name} has no self-service alternative here. Please take a ticket."),
        LobbyJsonContext.Http.Refused,
        statusCode: StatusCodes.Status409Conflict);

    /// <summary>The 503 answer when the engine loop stopped after a fault, or the service is stopping: nothing was done.</summary>
    private static IResult Stopped(ChannelClosedException e)
    {
        string reason = e is EngineStoppedException stopped ? stopped.Reason : "stopping";
        return Results.Json(
            new RefusedWithError(false, reason, "取号系统暂停服务，请联系大堂经理", "The ticket system has stopped. Please ask the lobby manager.", e.Message),
            LobbyJsonContext.Http.RefusedWithError,
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The service with id <paramref name="serviceId"/> (its index in <paramref name="service"/>), or the 400 answer when there is none.</summary>
    private IResult? UnknownService(string serviceId, out int service)
    {
        service = -1;
        BranchConfig config = InForce;
        for (int i = 0; i < config.Services.Count; i++)
        {
            if (config.Services[i].Id == serviceId)
            {
                service = i;
            }
        }

        if (service >= 0)
        {
            return null;
        }

        // A 400 names the field in "error" like every other 400 (a malformed body), beside the customer's messages.
        (string zh, string en) = Explain(RefusalReason.UnknownService);
        string error = $"service: not a service of this branch (known: {string.Join(", ", config.Services.Select(s => s.Id))})";
        return Results.Json(new RefusedWithError(false, "unknown_service", zh, en, error), LobbyJsonContext.Http.RefusedWithError, statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// The 409 answer when the engine refused: the day's notice while the branch is closed by its calendar or outside
    /// today's hours, else the refusal in both languages; null when it accepted.
    /// </summary>
    private IResult? RefusalOf(CommandOutcome outcome)
    {
        CommandResult r = outcome.Result;
        if (r.Accepted)
        {
            return null;
        }

        if (_engine is not null && CalendarNotice.At(_engine, outcome.At) is { } closed)
        {
            return Results.Json(
                new BranchClosed(false, closed.Reason, closed.Zh, closed.En, closed.Note, closed.NextOpeningUtc),
                LobbyJsonContext.Http.BranchClosed,
                statusCode: StatusCodes.Status409Conflict);
        }

        (string zh, string en) = Explain(r.Refusal);
        return Results.Json(new Refused(false, RefusalNames.Of(r.Refusal), zh, en), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status409Conflict);
    }
}
