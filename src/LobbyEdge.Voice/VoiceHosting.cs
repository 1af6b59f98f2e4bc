using LobbyEdge.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LobbyEdge.Voice;

/// <summary>Registers voice announcements with the host.</summary>
public static class VoiceHosting
{
    /// <summary>
    /// Registers the <see cref="Announcer"/> as an <see cref="IEngineEventSink"/> and a hosted service, with
    /// <see cref="VoiceOptions"/> bound from the <c>Voice</c> section of <paramref name="configuration"/>.
    /// </summary>
    /// <remarks>
    /// Call it after the event log's sink is registered (it is inserted first, so any later call is fine) and
    /// before the engine loop's hosted service: hosted services stop in reverse order, so the loop stops (and
    /// sends no more calls) before the announcer does.
    /// </remarks>
    public static IServiceCollection AddVoice(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<VoiceOptions>(configuration.GetSection(VoiceOptions.Section));
        services.AddSingleton<Announcer>();
        services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<Announcer>());
        services.AddHostedService(sp => sp.GetRequiredService<Announcer>());
        return services;
    }
}
