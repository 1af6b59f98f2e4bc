using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.HeadOffice;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The lobby manager's console on the operations server, for staff only:
/// <list type="bullet">
/// <item><c>GET /lobby</c> the page (without a session: 302 to <c>/lobby/signin</c>); <c>GET /lobby/signin</c> the PIN pad.</item>
/// <item><c>POST /lobby/api/signin</c> <c>{"staff":1024,"pin":"1234"}</c>: 200 with the session cookie, 401 wrong staff id or PIN,
/// 429 with <c>Retry-After</c> (seconds) while locked out; <c>POST /lobby/api/signout</c>; <c>GET /lobby/api/me</c>.</item>
/// <item><c>GET /lobby/events</c> Server-Sent Events: <c>staff</c> (who is signed in), then <c>state</c> (<see cref="ConsoleState"/>'s
/// JSON) after every change and at least every second; <c>signedout</c> when the session ends. <c>GET /lobby/api/state</c> the same JSON once.</item>
/// <item>Actions, <c>POST</c> JSON, the signed-in staff id on every command: <c>/lobby/api/care</c> <c>{"ticket":"A017"}</c>,
/// <c>/lobby/api/recover</c> <c>{"number":"A017"}</c>, <c>/lobby/api/divert</c> <c>{"ticket","service","placement"?}</c>,
/// <c>/lobby/api/tier</c> <c>{"ticket","tier":"vip|priority|normal"}</c>, <c>/lobby/api/reprint</c> and <c>/lobby/api/cancel</c>
/// <c>{"ticket"}</c>.</item>
/// <item>Staffing advice (a lobby manager or supervisor): <c>/lobby/api/advice/accept</c> and <c>/lobby/api/advice/dismiss</c>
/// <c>{"advice":3}</c>: 200 <c>{"ok":true,"advice":3,"answer":"accepted","staff":1024}</c>; 400 not an advice id; 404 no such
/// advice today (<c>unknown_advice</c>); 409 already answered (<c>already_answered</c>), lapsed (<c>advice_lapsed</c>: nobody
/// answered it within its horizon; nothing is recorded) or the day is not open.</item>
/// </list>
/// Answers: 200 <c>{"ok":true,"ticket":"A017","staff":1024}</c>; 409 <c>{"ok":false,"reason":"ToleranceCallsExceeded","messageZh","message"}</c>
/// (the engine's refusal, in both languages); 400 a malformed body; 401 no session; 403 a cross-site request or a role that
/// may not; 503 the engine has stopped. Every POST (sign-in too) from another site is refused (403).
/// </summary>
public sealed partial class LobbyConsole : IHttpEndpoints
{
    private readonly ConsoleSignIn _signIn;
    private readonly ConsoleState _state;
    private readonly StaffDirectory _staff;
    private readonly ILobbyCommands _commands;
    private readonly BranchConfig _config;
    private readonly ReprintDesk _reprints;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Channel<string>[] _subscribers = [];

    /// <summary>Creates the console over the sign-in, its state, the command channel and the reprint desk (which prints reprints).</summary>
    public LobbyConsole(ConsoleSignIn signIn, ConsoleState state, StaffDirectory staff, ILobbyCommands commands, BranchConfig config, ReprintDesk reprints, ILogger<LobbyConsole> logger)
    {
        _reprints = reprints ?? throw new ArgumentNullException(nameof(reprints));
        _signIn = signIn ?? throw new ArgumentNullException(nameof(signIn));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _staff = staff ?? throw new ArgumentNullException(nameof(staff));
        _commands = commands ?? throw new ArgumentNullException(nameof(commands));
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _logger = logger;
        state.Changed += json => Broadcast(Encoding.UTF8.GetString(json));
    }

    /// <summary>Bilingual text for a refusal a staff member sees on the console.</summary>
    public static (string Zh, string En) Explain(RefusalReason reason) => reason switch
    {
        RefusalReason.DayNotOpen => ("今日尚未开始营业", "The business day is not open."),
        RefusalReason.UnknownTicket => ("今日没有这个号码", "There is no such ticket today."),
        RefusalReason.UnknownService => ("没有该业务", "There is no such service."),
        RefusalReason.TicketNotWaiting => ("该号已不在等候（可能已被叫号）", "The ticket is no longer waiting (it may have been called)."),
        RefusalReason.TicketNotNoShow => ("该号不是过号，无需回收", "The ticket is not a missed call, so there is nothing to recover."),
        RefusalReason.MaxRecoveriesReached => ("该号回收次数已用完，请重新取号", "This ticket was already recovered as often as allowed; please take a new ticket."),
        RefusalReason.ToleranceCallsExceeded => ("过号后已叫号太多，超出回收范围，请重新取号", "Too many calls since the missed call: outside the recovery tolerance; please take a new ticket."),
        RefusalReason.ToleranceMinutesExceeded => ("过号时间太久，超出回收范围，请重新取号", "Too long since the missed call: outside the recovery tolerance; please take a new ticket."),
        RefusalReason.SameService => ("该号已在此业务", "The ticket is already in that service."),
        RefusalReason.SameTier => ("该号已是此类别", "The ticket already has that tier."),
        RefusalReason.TicketEnded => ("该号已办结或作废", "The ticket has ended (served, cancelled or left)."),
        RefusalReason.InvalidCommand => ("系统暂不支持此操作", "The branch system does not take this action (yet)."),
        RefusalReason.UnknownAdvice => ("今日没有这条建议", "There is no such advice today."),
        RefusalReason.AlreadyAnswered => ("这条建议已有答复", "This advice was already answered."),
        RefusalReason.AdviceLapsed => ("这条建议已过期（在预测时段内无人答复），无需再答复", "This advice has lapsed (nobody answered it within its horizon); it can no longer be answered."),
        _ => ("操作未完成", $"The action was refused ({reason})."),
    };

    /// <inheritdoc />
    public IJsonTypeInfoResolver JsonTypes => LobbyJsonContext.Default;

    /// <inheritdoc />
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/lobby", (HttpContext c) => _signIn.Authenticate(c) is null ? Results.Redirect("/lobby/signin") : Page(c, "lobby.html"));
        endpoints.MapGet("/lobby/signin", (HttpContext c) => Page(c, "signin.html"));
        endpoints.MapPost("/lobby/api/signin", (Func<HttpContext, Task<IResult>>)SignInAsync);
        endpoints.MapPost("/lobby/api/signout", (Func<HttpContext, IResult>)SignOut);
        endpoints.MapGet("/lobby/api/me", (HttpContext c) => _signIn.Authenticate(c) is { } s ? Results.Json(Who(s), LobbyJsonContext.Http.SignedInStaff) : Unauthorized());
        endpoints.MapGet("/lobby/api/state", (HttpContext c) => _signIn.Authenticate(c) is null ? Unauthorized() : Results.Bytes(_state.Json, "application/json"));
        endpoints.MapGet("/lobby/events", (HttpContext c) => _signIn.Authenticate(c) is { } s ? Results.ServerSentEvents(Feed(c, s, c.RequestAborted)) : Unauthorized());
        Act(endpoints, "/lobby/api/care", ["ticket"], Care);
        Act(endpoints, "/lobby/api/reprint", ["ticket"], (body, staff) => WithTicket(body, id => Command.Reprint(id, staff.Id)));
        Act(endpoints, "/lobby/api/cancel", ["ticket"], (body, staff) => staff.MayCancel
            ? WithTicket(body, id => Command.Cancel(id) with { Staff = staff.Id })
            : (null, "", Results.Json(new Refused(false, "role", "只有大堂经理或主管可以作废号码", "Only a lobby manager or supervisor may cancel a ticket."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status403Forbidden)));
        Act(endpoints, "/lobby/api/tier", ["ticket", "tier"], (body, staff) =>
            JsonRequest.RequiredString(body, "tier", out string tier) is { } bad ? (null, "", bad)
            : Array.IndexOf(Monitoring.LobbyMetrics.Tiers, tier) is var t and >= 0 ? WithTicket(body, id => Command.ChangeTier(id, (Tier)t, staff.Id))
            : (null, "", JsonRequest.BadRequest($"field 'tier' must be normal, priority or vip (got '{tier}')")));
        Act(endpoints, "/lobby/api/divert", ["ticket", "service", "placement"], Divert);
        Act(endpoints, "/lobby/api/recover", ["number"], Recover);
        endpoints.MapPost("/lobby/api/advice/accept", (Func<HttpContext, Task<IResult>>)(c => AnswerAdviceAsync(c, AdviceAnswer.Accepted)));
        endpoints.MapPost("/lobby/api/advice/dismiss", (Func<HttpContext, Task<IResult>>)(c => AnswerAdviceAsync(c, AdviceAnswer.Dismissed)));

        // Anything else under /lobby (a path that is not there, or a method a path does not take) is answered in JSON
        // too, as every other answer of the console is. Literal routes win over this catch-all.
        endpoints.Map("/lobby/{**rest}", (HttpContext c) => NotHere(c, endpoints));
        Log.Ready(_logger, _staff.Count, _staff.Path);
        if (_staff.HasDemo)
        {
            Log.Demo(_logger, StaffDirectory.DemoId, StaffDirectory.DemoPin);
        }
    }

    private void Act(IEndpointRouteBuilder endpoints, string path, string[] fields, Func<JsonElement, StaffMember, (Command? Command, string Ticket, IResult? Error)> build) =>
        endpoints.MapPost(path, (Func<HttpContext, Task<IResult>>)(c => ActAsync(c, fields, build)));

    private static SignedInStaff Who(StaffMember s) => new(true, s.Id, s.Name, s.RoleName, s.MayCancel);

    private static IResult Unauthorized() =>
        Results.Json(new Refused(false, "signin", "请先登录", "Please sign in."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status401Unauthorized);

    private static IResult CrossSite() =>
        Results.Json(new RefusedInEnglish(false, "cross_site", "Requests from another site are refused."), LobbyJsonContext.Http.RefusedInEnglish, statusCode: StatusCodes.Status403Forbidden);

    /// <summary>404 <c>{"ok":false,"reason":"not_found",…}</c>, or 405 <c>"method_not_allowed"</c> with <c>Allow</c> for a console path.</summary>
    private static IResult NotHere(HttpContext context, IEndpointRouteBuilder endpoints)
    {
        string path = context.Request.Path.Value?.TrimEnd('/') ?? "";
        string[] allowed = [.. endpoints.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => string.Equals(e.RoutePattern.RawText, path, StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            .Distinct(StringComparer.Ordinal)];
        return allowed.Length == 0 ? HttpServer.NotFound(context) : HttpServer.MethodNotAllowed(context, allowed);
    }

    internal static IResult Page(HttpContext context, string name)
    {
        PageHeaders(context);
        return LobbyPages.Page(name);
    }

    /// <summary>The headers of a lobby page: its content security policy, not to be framed, nor kept in a cache.</summary>
    internal static void PageHeaders(HttpContext context)
    {
        // Not to be framed (a one-tap action must not be clicked through another site's page), nor kept in a cache.
        IHeaderDictionary headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
    }

    private async Task<IResult> SignInAsync(HttpContext context)
    {
        if (ConsoleSignIn.IsCrossSite(context.Request))
        {
            return CrossSite();
        }

        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, "staff", "pin").ConfigureAwait(false);
        int staffId;
        string pin;
        using (body)
        {
            if (malformed is not null)
            {
                return malformed;
            }

            JsonElement root = body!.RootElement;
            if (!root.TryGetProperty("staff", out JsonElement id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out staffId) || staffId is < 1 or > StaffFile.MaxId)
            {
                return JsonRequest.BadRequest($"field 'staff' must be a staff id, a number 1..{StaffFile.MaxId}");
            }

            if ((malformed = JsonRequest.RequiredString(root, "pin", out pin)) is not null)
            {
                return malformed;
            }
        }

        string address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        SignInResult result = await _signIn.SignInAsync(staffId, pin, address, context.RequestAborted).ConfigureAwait(false);
        if (result.Staff is { } staff)
        {
            _signIn.SetCookie(context, result.Token);
            return Results.Json(Who(staff), LobbyJsonContext.Http.SignedInStaff);
        }

        if (result.RetryAfter is { } wait)
        {
            int seconds = (int)Math.Ceiling(wait.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Results.Json(
                new RetryLater(false, "locked", seconds, $"错误次数过多，请 {WaitZh(seconds)}后再试", $"Too many wrong PINs. Try again in {WaitEn(seconds)}."),
                LobbyJsonContext.Http.RetryLater,
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        return Results.Json(new Refused(false, "wrong_pin", "工号或密码错误", "Wrong staff id or PIN."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>A lockout's wait as a person reads it: "45 s" under a minute, else whole minutes rounded up ("2 min").</summary>
    internal static string WaitEn(int seconds) => seconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(seconds, 1)} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(seconds + 59) / 60} min");

    /// <summary>The same wait in Chinese: "45 秒" or "2 分钟".</summary>
    internal static string WaitZh(int seconds) => seconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(seconds, 1)} 秒")
        : string.Create(CultureInfo.InvariantCulture, $"{(seconds + 59) / 60} 分钟");

    private IResult SignOut(HttpContext context)
    {
        if (ConsoleSignIn.IsCrossSite(context.Request))
        {
            return CrossSite();
        }

        _signIn.SignOut(context);
        _signIn.SetCookie(context, null);
        return Results.Json(new Done(true), LobbyJsonContext.Http.Done);
    }

    /// <summary>The checks every action shares, then the command <paramref name="build"/> makes, sent with the staff id on it.</summary>
    private async Task<IResult> ActAsync(HttpContext context, string[] fields, Func<JsonElement, StaffMember, (Command? Command, string Ticket, IResult? Error)> build)
    {
        if (ConsoleSignIn.IsCrossSite(context.Request))
        {
            return CrossSite();
        }

        if (_signIn.Authenticate(context) is not { } staff)
        {
            return Unauthorized();
        }

        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, fields).ConfigureAwait(false);
        Command command;
        string ticket;
        using (body)
        {
            if (malformed is not null)
            {
                return malformed;
            }

            (Command? built, ticket, IResult? error) = build(body!.RootElement, staff);
            if (error is not null)
            {
                return error;
            }

            command = built!.Value;
        }

        CommandResult r;
        ReprintOutcome? printed = null;
        try
        {
            CommandOutcome outcome = await _commands.SendAsync(command, context.RequestAborted).ConfigureAwait(false);
            r = outcome.Result;
            if (command.Kind == CommandKind.GiveCare && !r.Accepted)
            {
                _state.ReleaseCare(command.Ticket, staff.Id);
            }
            if (command.Kind == CommandKind.Reprint && r.Accepted)
            {
                // The slip prints once the event is durable; the staff member waits for the printer's answer (its own
                // timeouts bound it), so "out of paper" is said on the console and not found out by the customer.
                printed = await _reprints.OutcomeAsync(command.Ticket, outcome.LastSequence, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            return Results.Json(new Refused(false, "stopped", "系统暂停服务", "The branch system has stopped."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        Log.Acted(_logger, staff.Id, command.Kind.ToString(), ticket, r.Refusal.ToString());
        if (!r.Accepted)
        {
            return Refused(r.Refusal, ticket);
        }

        if (printed is { Printed: false } failed)
        {
            string why = failed.Printer is null ? "no printer" : $"{failed.Printer}: {failed.Reason}";
            string whyZh = failed.Printer is null ? "未配置打印机" : $"{failed.Printer}：{PrinterReasonZh(failed.Reason)}";
            return Results.Json(
                new NotPrinted(false, "not_printed", ticket, failed.Printer, $"已记录补打，但未出票（{whyZh}）", $"Reprint recorded but not printed ({why})."),
                LobbyJsonContext.Http.NotPrinted,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(
            new ActionDone(true, r.Number > 0 ? _config.Services[r.NumberService].FormatNumber(r.Number) : ticket, staff.Id),
            LobbyJsonContext.Http.ActionDone);
    }

    /// <summary>
    /// Accepts or dismisses an advice (<c>{"advice":3}</c>) for the signed-in lobby manager or supervisor: the engine records
    /// the answer with the staff id (<see cref="Command.AnswerAdvice"/>); nothing else changes (the counter opens when
    /// someone signs on at it).
    /// </summary>
    private async Task<IResult> AnswerAdviceAsync(HttpContext context, AdviceAnswer answer)
    {
        if (ConsoleSignIn.IsCrossSite(context.Request))
        {
            return CrossSite();
        }

        if (_signIn.Authenticate(context) is not { } staff)
        {
            return Unauthorized();
        }

        if (!staff.MayCancel)
        {
            return Results.Json(new Refused(false, "role", "只有大堂经理或主管可以答复建议", "Only a lobby manager or supervisor may answer advice."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status403Forbidden);
        }

        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, "advice").ConfigureAwait(false);
        int adviceId;
        using (body)
        {
            if (malformed is not null)
            {
                return malformed;
            }

            if (!body!.RootElement.TryGetProperty("advice", out JsonElement id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out adviceId) || adviceId < 1)
            {
                return JsonRequest.BadRequest("field 'advice' must be an advice id, a whole number from 1 (as the console lists it)");
            }
        }

        CommandResult r;
        try
        {
            r = (await _commands.SendAsync(Command.AnswerAdvice(adviceId, answer, staff.Id), context.RequestAborted).ConfigureAwait(false)).Result;
        }
        catch (ChannelClosedException)
        {
            return Results.Json(new Refused(false, "stopped", "系统暂停服务", "The branch system has stopped."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        string answerName = answer == AdviceAnswer.Accepted ? "accepted" : "dismissed";
        Log.Acted(_logger, staff.Id, $"AnswerAdvice {answerName}", adviceId.ToString(CultureInfo.InvariantCulture), r.Refusal.ToString());
        if (r.Accepted)
        {
            return Results.Json(new AdviceAnswerDone(true, adviceId, answerName, staff.Id), LobbyJsonContext.Http.AdviceAnswerDone);
        }

        (string zh, string en) = Explain(r.Refusal);
        return Results.Json(
            new AdviceRefused(false, RefusalNames.Of(r.Refusal), adviceId, zh, en),
            LobbyJsonContext.Http.AdviceRefused,
            statusCode: r.Refusal == RefusalReason.UnknownAdvice ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);
    }

    /// <summary>A printer's reason (the devices layer's words, e.g. "printer out of paper") in Chinese; one not known is kept as it is.</summary>
    public static string PrinterReasonZh(string reason) => reason switch
    {
        "printer out of paper" => "打印机缺纸",
        "paper low" => "打印纸将尽",
        "printer cover open" => "打印机盖未合上",
        "printer cutter error" => "打印机切纸刀故障",
        "printer error" => "打印机故障",
        "printer off line" => "打印机离线",
        "printer not answering" => "打印机无响应",
        "printer not connected" => "打印机未连接",
        "printer busy" => "打印机忙",
        "the branch has no ticket printer" => "未配置打印机",
        _ when reason.StartsWith("printer did not confirm the ticket", StringComparison.Ordinal) => "打印机未确认出票",
        _ when reason.StartsWith("printer line down:", StringComparison.Ordinal) => "打印机连接中断",
        _ => reason,
    };

    private static IResult Refused(RefusalReason reason, string ticket)
    {
        (string zh, string en) = Explain(reason);
        return Results.Json(new TicketRefused(false, RefusalNames.Of(reason), ticket, zh, en), LobbyJsonContext.Http.TicketRefused, statusCode: StatusCodes.Status409Conflict);
    }

    /// <summary>
    /// The ticket the page names (a printed number of today, listed or not) as the engine's id, then the command for it;
    /// the engine then decides, so its own refusal (not waiting, ended, ...) is what the staff member reads. Only a
    /// number no ticket of today carries is refused here (UnknownTicket).
    /// </summary>
    private (Command? Command, string Ticket, IResult? Error) WithTicket(JsonElement body, Func<int, Command> command)
    {
        if (JsonRequest.RequiredString(body, "ticket", out string ticket) is { } bad)
        {
            return (null, "", bad);
        }

        return _state.Tickets.TryGetValue(ticket, out int id)
            ? (command(id), ticket, null)
            : (null, ticket, Refused(RefusalReason.UnknownTicket, ticket));
    }

    /// <summary>
    /// Care for a ticket, once: cared for less than <see cref="ConsoleState.CareGuard"/> ago (by anyone), nothing is sent
    /// and the answer is 200 <c>{"ok":true,"already":true,"ticket","staff","caredAt","caredSecondsAgo","caredBy"}</c>
    /// (<c>caredBy</c> the staff id, null when not known), so a double tap is one act and the page says it is recorded.
    /// </summary>
    private (Command? Command, string Ticket, IResult? Error) Care(JsonElement body, StaffMember staff)
    {
        (Command? command, string ticket, IResult? error) = WithTicket(body, id => Command.GiveCare(id, staff.Id));
        if (command is not { } care)
        {
            return (null, ticket, error);
        }

        CareClaim claim = _state.ClaimCare(care.Ticket, staff.Id);
        if (claim.Granted)
        {
            return (care, ticket, null);
        }

        var at = new DateTime(claim.Ticks, DateTimeKind.Utc);
        long ago = Math.Max(0, (long)(_state.Now - at).TotalSeconds);
        return (null, ticket, Results.Json(
            new CareAlreadyGiven(true, true, ticket, staff.Id, at, ago, claim.Staff > 0 ? claim.Staff : null),
            LobbyJsonContext.Http.CareAlreadyGiven));
    }

    private (Command? Command, string Ticket, IResult? Error) Divert(JsonElement body, StaffMember staff)
    {
        if (JsonRequest.RequiredString(body, "service", out string serviceId) is { } bad)
        {
            return (null, "", bad);
        }

        int service = -1;
        for (int i = 0; i < _config.Services.Count; i++)
        {
            service = _config.Services[i].Id == serviceId ? i : service;
        }

        if (service < 0)
        {
            return (null, "", JsonRequest.BadRequest($"field 'service': no service '{serviceId}'"));
        }

        Placement placement = Placement.Default;
        if (body.TryGetProperty("placement", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
        {
            string? text = p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            placement = text switch
            {
                "default" => Placement.Default,
                "front" => Placement.Front,
                "end" => Placement.End,
                "by-age" => Placement.ByAge,
                _ => (Placement)255,
            };
            if (placement == (Placement)255)
            {
                return (null, "", JsonRequest.BadRequest("field 'placement' must be default, front, end or by-age"));
            }
        }

        return WithTicket(body, id => Command.Divert(id, service, placement, staff.Id));
    }

    private (Command? Command, string Ticket, IResult? Error) Recover(JsonElement body, StaffMember staff)
    {
        if (JsonRequest.RequiredString(body, "number", out string text) is { } bad)
        {
            return (null, "", bad);
        }

        string number = text.Trim().ToUpperInvariant();
        if (number.Length < 2 || !char.IsAsciiLetterUpper(number[0])
            || !int.TryParse(number.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            return (null, number, JsonRequest.BadRequest($"field 'number' must be a ticket number such as A017 (got '{text}')"));
        }

        for (int s = 0; s < _config.Services.Count; s++)
        {
            if (_config.Services[s].Prefix == number[0])
            {
                return (Command.RecoverNumber(s, n) with { Staff = staff.Id }, _config.Services[s].FormatNumber(n), null);
            }
        }

        return (null, number, Refused(RefusalReason.UnknownTicket, number));
    }

    private async IAsyncEnumerable<SseItem<string>> Feed(HttpContext context, StaffMember staff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<string>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers = [.. _subscribers, queue];
        }

        _state.Watch(true);
        try
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(Who(staff), LobbyJsonContext.Default.SignedInStaff), "staff") { ReconnectionInterval = TimeSpan.FromSeconds(2) };
            yield return new SseItem<string>(Encoding.UTF8.GetString(_state.Json), "state");
            while (!cancellationToken.IsCancellationRequested)
            {
                string json;
                try
                {
                    json = await queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                if (!_signIn.IsOpen(context))
                {
                    yield return new SseItem<string>("{}", "signedout");
                    yield break;
                }

                yield return new SseItem<string>(json, "state");
            }
        }
        finally
        {
            _state.Watch(false);
            lock (_gate)
            {
                _subscribers = [.. _subscribers.Where(s => s != queue)];
            }
        }
    }

    private void Broadcast(string json)
    {
        foreach (Channel<string> subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(json);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1110, LogLevel.Information, "Console: /lobby for {Count} staff (staff file {Path})")]
        public static partial void Ready(ILogger logger, int count, string path);

        [LoggerMessage(1111, LogLevel.Warning, "Simulation: sign in to the console at /lobby as staff {Staff} with PIN {Pin} (demo staff, simulation only)")]
        public static partial void Demo(ILogger logger, int staff, string pin);

        [LoggerMessage(1112, LogLevel.Information, "Console: staff {Staff} {Action} {Ticket}: {Refusal}")]
        public static partial void Acted(ILogger logger, int staff, string action, string ticket, string refusal);
    }
}
