using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Tests;

public sealed class LobbyEdgeHostTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_BackgroundServiceThrows_ExitCodeIsFatal()
    {
        IHost host = BuildHost<ThrowingLoop>();

        int exitCode = await LobbyEdgeHost.RunAsync(host).WaitAsync(s_patience);

        Assert.Equal(ExitCodes.Fatal, exitCode);
    }

    [Fact]
    public async Task RunAsync_StopRequested_ExitCodeIsStopped()
    {
        IHost host = BuildHost<StoppingLoop>();

        int exitCode = await LobbyEdgeHost.RunAsync(host).WaitAsync(s_patience);

        Assert.Equal(ExitCodes.Stopped, exitCode);
    }

    private static IHost BuildHost<TLoop>()
        where TLoop : BackgroundService
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
        builder.Services.AddHostedService<TLoop>();
        return builder.Build();
    }

    private sealed class ThrowingLoop : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop broke");
        }
    }

    private sealed class StoppingLoop(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            lifetime.StopApplication();
        }
    }
}
