using System.Text.Json.Serialization.Metadata;
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

    /// <summary>
    /// The part's source-generated JSON types (its <c>JsonSerializerContext</c>), added to the server's HTTP JSON options
    /// so a body the framework binds or an answer it writes for the part needs no reflection; null when it has none.
    /// </summary>
    public IJsonTypeInfoResolver? JsonTypes => null;
}
