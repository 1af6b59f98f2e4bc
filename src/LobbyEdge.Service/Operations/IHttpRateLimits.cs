using Microsoft.AspNetCore.RateLimiting;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Rate limits a part of the host puts on its endpoints (ASP.NET Core rate limiting): registered as services, each
/// configures the operations server's <see cref="RateLimiterOptions"/> in registration order before the server starts.
/// A part that sets <see cref="RateLimiterOptions.GlobalLimiter"/> or <see cref="RateLimiterOptions.OnRejected"/>
/// chains what an earlier part set, never replaces it, and limits only its own requests.
/// </summary>
public interface IHttpRateLimits
{
    /// <summary>Adds the part's limiters to <paramref name="options"/>.</summary>
    public void Configure(RateLimiterOptions options);
}
