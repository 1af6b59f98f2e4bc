using LobbyEdge.Runtime;
using LobbyEdge.Service.Advice;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LobbyEdge.Service;

/// <summary>Staffing advice (issue 14): the <c>Advice</c> section and the advisor's host.</summary>
public static partial class LobbyEdgeHost
{
    /// <summary>
    /// The <c>Advice</c> options (checked already by <see cref="ConfigurationCheck"/>) and, unless
    /// <c>Advice:Enabled=false</c>, the <see cref="AdviceHost"/>: a sink after the event log (it sees durable events
    /// only) and before the console's state (whose forecast panel it feeds in the same batch), and a hosted service that
    /// reads the log's past days once the service is ready.
    /// </summary>
    private static void AddAdvice(HostApplicationBuilder builder)
    {
        AdviceSettings advice = builder.Configuration.GetSection(AdviceSettings.Section).Get<AdviceSettings>() ?? new AdviceSettings();
        builder.Services.AddSingleton(advice);
        if (!advice.Enabled)
        {
            return;
        }

        builder.Services.AddSingleton<AdviceHost>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<AdviceHost>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AdviceHost>());
    }
}
