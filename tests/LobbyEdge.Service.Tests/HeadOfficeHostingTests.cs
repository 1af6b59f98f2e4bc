using LobbyEdge.Engine;
using LobbyEdge.HeadOffice;
using LobbyEdge.Runtime;
using LobbyEdge.Service.HeadOffice;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>AddHeadOffice: options bound and checked, the link hosted, woken after the log's commits, commands routed.</summary>
public sealed class HeadOfficeHostingTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("lobby-hosting-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task AddHeadOffice_RegistersTheLinkAfterTheLogSink_AndStartsItWithTheHost()
    {
        var commands = new FakeCommands();
        await using ServiceProvider services = Build(new() { ["HeadOffice:Brokers:0"] = "127.0.0.1:1", ["HeadOffice:ReconnectMinSeconds"] = "0.05", ["HeadOffice:ReconnectMaxSeconds"] = "0.2" }, commands);

        HeadOfficeLink link = services.GetRequiredService<HeadOfficeLink>();
        Assert.True(link.IsActive);
        Assert.Equal("lobby/v1/test-001/events", link.Topics.Events);
        Assert.Equal(["127.0.0.1:1"], services.GetRequiredService<HeadOfficeOptions>().Brokers);

        // The log's sink first (the host inserts it at index 0), the link's after it: woken only when durable.
        IEngineEventSink[] sinks = [.. services.GetServices<IEngineEventSink>()];
        Assert.Equal(2, sinks.Length);
        Assert.IsType<FirstSink>(sinks[0]);
        sinks[1].OnBatchEnd();

        IHostedService hosted = Assert.Single(services.GetServices<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        Assert.True(await Eventually.HoldsAsync(() => link.ConnectFailures > 0, TimeSpan.FromSeconds(60)), "the hosted link never tried to connect");
        await hosted.StopAsync(CancellationToken.None);
        Assert.False(link.IsConnected);
    }

    [Fact]
    public async Task TheLinksSink_TellsItTheConfigurationInForce_FromTheEnginesEvents()
    {
        await using ServiceProvider services = Build([], new FakeCommands());
        HeadOfficeLink link = services.GetRequiredService<HeadOfficeLink>();
        IEngineEventSink sink = services.GetServices<IEngineEventSink>().Last();
        LobbyEvent Changed(long version, ConfigurationChange change) => new()
        {
            Kind = EventKind.ConfigurationChanged,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            A = version,
            B = version * 1000,
            Detail = (byte)change,
            Reason = (byte)ConfigurationSource.HeadOffice,
        };

        // Waiting for the next opening is not in force yet; live and took-effect are (issue 15: status says the version).
        sink.OnEvents([Changed(5, ConfigurationChange.AtNextOpening)]);
        Assert.Equal(0, link.Configuration.Version);
        sink.OnEvents([Changed(4, ConfigurationChange.Live)]);
        Assert.Equal(new ConfigurationInForce(4, 4000), link.Configuration);
        sink.OnEvents([new LobbyEvent { Kind = EventKind.DayClosed }, Changed(5, ConfigurationChange.TookEffect)]);
        Assert.Equal(new ConfigurationInForce(5, 5000), link.Configuration);
    }

    [Fact]
    public async Task CommandHandler_GoesThroughTheEngineLoop_PostsNotices_AndRefusesConfigurationUpdates()
    {
        var commands = new FakeCommands();
        await using ServiceProvider services = Build([], commands);
        IHeadOfficeCommandHandler handler = services.GetRequiredService<IHeadOfficeCommandHandler>();

        CommandResult result = await handler.ExecuteAsync(Command.OpenDay(), CancellationToken.None);
        Assert.Equal(RefusalReason.DayAlreadyOpen, result.Refusal);
        Assert.Equal([CommandKind.OpenDay], commands.Sent);

        Assert.Null((await handler.BroadcastNoticeAsync("请注意 · Notice", null, CancellationToken.None)).Error);
        Assert.Equal("请注意 · Notice", services.GetRequiredService<NoticeBoard>().Current?.Text);
        var update = new ConfigurationRequest(ConfigurationCommand.Update, "update-configuration", new RequestKey(1, 2)) { ProfileText = "branch: {}" };
        Assert.Equal(LobbyHeadOfficeCommands.NoConfigurationStore, (await handler.ConfigureAsync(update, CancellationToken.None)).Error);
        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString(services.GetRequiredService<IBranchStateSource>().GetStateJson().Span));
    }

    [Fact]
    public async Task NoHeadOfficeSection_LinkIsOff()
    {
        await using ServiceProvider services = Build([], new FakeCommands());
        HeadOfficeLink link = services.GetRequiredService<HeadOfficeLink>();
        Assert.False(link.IsActive);
        await link.StartAsync();
        Assert.False(link.IsConnected);
    }

    [Theory]
    [InlineData("HeadOffice:Brokers:0", "broker:0", "HeadOffice:Brokers:0: port must be a number from 1 to 65535")]
    [InlineData("HeadOffice:MaxInFlight", "0", "HeadOffice:MaxInFlight: must be between 1 and 1000")]
    [InlineData("HeadOffice:PasswordFile", "/nonexistent/mqtt-password", "HeadOffice:PasswordFile: file '/nonexistent/mqtt-password' does not exist")]
    [InlineData("HeadOffice:Broker:0", "broker:1883", "'HeadOffice'")]
    [InlineData("HeadOffice:KeepAliveSeconds", "soon", "'HeadOffice'")]
    public void InvalidSection_StopsTheStart_NamingTheKey(string key, string value, string message)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => new ServiceCollection().AddHeadOffice(configuration));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Build(Dictionary<string, string?> settings, FakeCommands commands)
    {
        BranchConfig config = TestBranch.Create();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(config);
        services.AddSingleton(_ => RestoredBranch.Open(_data, config, NullLogger.Instance));
        services.AddSingleton<ILobbyCommands>(commands);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NoticeBoard>();
        services.AddHeadOffice(configuration);

        // As the host does with the event log's sink, after the fact.
        services.Insert(0, ServiceDescriptor.Singleton<IEngineEventSink>(new FirstSink()));
        return services.BuildServiceProvider();
    }

    private sealed class FirstSink : IEngineEventSink
    {
        public void OnEvents(ReadOnlySpan<LobbyEvent> events)
        {
        }
    }

    private sealed class FakeCommands : ILobbyCommands
    {
        public List<CommandKind> Sent { get; } = [];

        public ValueTask<CommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default)
        {
            Sent.Add(command.Kind);
            return ValueTask.FromResult(new CommandOutcome(new CommandResult { Refusal = RefusalReason.DayAlreadyOpen, Ticket = -1 }, DateTimeOffset.UnixEpoch, 0));
        }
    }
}
