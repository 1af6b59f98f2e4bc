using Microsoft.AspNetCore.Routing;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Endpoints a part of the host serves on the operations web server (the lobby's pages, for one): the part that
/// owns a page maps it, the <see cref="HttpServer"/> only hosts it. Registered as services; mapped in registration
/// order after the server's own endpoints.
/// </summary>
public interface IHttpEndpoints
{
    /// <summary>Maps the part's endpoints onto <paramref name="endpoints"/>.</summary>
    public void Map(IEndpointRouteBuilder endpoints);
}
