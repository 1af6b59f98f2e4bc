using System.Collections.Concurrent;
using System.Text.Json.Serialization.Metadata;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The lobby's endpoints on the operations server: the signage page (<c>/signage</c>) with its live feed
/// (<c>/signage/events</c>), and the kiosk page (<c>/kiosk</c>) with its ticket request (<c>POST /kiosk/tickets</c>,
/// known kiosks only: <see cref="KioskGate"/>), its self-service choice (<c>POST /kiosk/self-service</c>, the same gate) and its enrolment (<c>GET /kiosk/enrol?token=…</c>), and the pages'
/// shared closed-day wording (<c>/pages/calendar.js</c>).
/// The pages are embedded in the program: a lobby TV or kiosk needs nothing but this box, no CDN, no fonts.
/// </summary>
public sealed class LobbyPages(SignageFeed feed, Kiosk kiosk, KioskGate gate) : IHttpEndpoints
{
    private static readonly ConcurrentDictionary<string, byte[]> s_pages = new(StringComparer.Ordinal);

    private readonly SignageFeed _feed = feed ?? throw new ArgumentNullException(nameof(feed));
    private readonly Kiosk _kiosk = kiosk ?? throw new ArgumentNullException(nameof(kiosk));
    private readonly KioskGate _gate = gate ?? throw new ArgumentNullException(nameof(gate));

    /// <inheritdoc />
    public IJsonTypeInfoResolver JsonTypes => LobbyJsonContext.Default;

    /// <inheritdoc />
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/signage", () => Page("signage.html"));
        endpoints.MapGet("/pages/calendar.js", () => Results.Bytes(s_pages.GetOrAdd("calendar.js", Load), "text/javascript; charset=utf-8"));
        endpoints.MapGet("/signage/events", _feed.ServeAsync);
        endpoints.MapGet("/kiosk", (HttpContext context) =>
        {
            _gate.Renew(context);
            return Page("kiosk.html");
        });
        endpoints.MapGet("/kiosk/enrol", (Func<HttpContext, IResult>)_gate.Enrol);
        endpoints.MapPost("/kiosk/tickets", (Func<HttpContext, Task<IResult>>)(context => _gate.Refuse(context) is { } refused ? Task.FromResult(refused) : _kiosk.IssueAsync(context)))
            .WithMetadata(KioskTicketsEndpoint.Instance);

        // Taking the self-service alternative instead of a ticket: behind the same gate and the same rate limits.
        endpoints.MapPost("/kiosk/self-service", (Func<HttpContext, Task<IResult>>)(context => _gate.Refuse(context) is { } refused ? Task.FromResult(refused) : _kiosk.ChooseSelfServiceAsync(context)))
            .WithMetadata(KioskTicketsEndpoint.Instance);
    }

    /// <summary>An embedded page (<c>Pages/{name}</c>) as an HTML answer.</summary>
    internal static IResult Page(string name) => Results.Bytes(s_pages.GetOrAdd(name, Load), "text/html; charset=utf-8");

    private static byte[] Load(string name)
    {
        using Stream stream = typeof(LobbyPages).Assembly.GetManifestResourceStream($"LobbyEdge.Service.Lobby.Pages.{name}")
            ?? throw new InvalidOperationException($"page {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
