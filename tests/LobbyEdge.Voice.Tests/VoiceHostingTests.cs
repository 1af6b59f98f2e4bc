using LobbyEdge.Runtime;
using LobbyEdge.Service.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Voice.Tests;

public sealed class VoiceHostingTests
{
    [Fact]
    public void AddVoice_BindsTheVoiceSection_AndRegistersOneAnnouncerAsSinkAndHostedService()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Voice:Enabled"] = "true",
                ["Voice:Pack"] = "/srv/voice",
                ["Voice:Languages:0"] = "en",
                ["Voice:Player"] = "aplay -q -D plughw:1,0 {file}",
                ["Voice:PlayTimeoutSeconds"] = "12.5",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TestBranch.Create());

        services.AddVoice(configuration);
        using ServiceProvider provider = services.BuildServiceProvider();

        VoiceOptions options = provider.GetRequiredService<IOptions<VoiceOptions>>().Value;
        Assert.True(options.Enabled);
        Assert.Equal("/srv/voice", options.Pack);
        Assert.Equal(["en"], options.Languages);
        Assert.Equal("aplay -q -D plughw:1,0 {file}", options.Player);
        Assert.Equal(12.5, options.PlayTimeoutSeconds);
        Announcer announcer = provider.GetRequiredService<Announcer>();
        Assert.Same(announcer, Assert.Single(provider.GetServices<IEngineEventSink>()));
        Assert.Same(announcer, Assert.Single(provider.GetServices<IHostedService>()));
    }

    [Fact]
    public void Defaults_AreOff_PackBesideTheProgram_BothLanguages_Aplay()
    {
        var options = new VoiceOptions();

        Assert.False(options.Enabled);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "voice"), Announcer.ResolvePack(options.Pack));
        Assert.Equal("/srv/voice", Announcer.ResolvePack("/srv/voice"));
        Assert.Equal([VoiceLanguage.Mandarin, VoiceLanguage.English], VoiceLanguages.Parse(options.Languages));
        Assert.Equal("aplay -q {file}", options.Player);
        Assert.Equal(30, options.PlayTimeoutSeconds);
    }
}
