using System.Text.RegularExpressions;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using LobbyEdge.Service;
using LobbyEdge.Service.Tests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Voice.Tests;

/// <summary>
/// The announcer as the engine loop's sink, with a real engine and a fake player: a shell script (a real process)
/// that notes in a file when it starts and ends each announcement.
/// </summary>
[Collection(VoicePackCollection.Name)]
public sealed partial class AnnouncerTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);
    private readonly VoicePackFixture _fixture;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-voice-");
    private readonly string _played;
    private readonly string _copies;

    public AnnouncerTests(VoicePackFixture fixture)
    {
        _fixture = fixture;
        _played = Path.Combine(_work.FullName, "played.log");
        _copies = Directory.CreateDirectory(Path.Combine(_work.FullName, "copies")).FullName;
    }

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task CallsAndRecalls_ArePlayedOneAtATime_InOrder_ARecallAgain_AWalkInNot()
    {
        await using Lobby lobby = await Lobby.StartAsync(Options(FakePlayer()));
        for (int i = 0; i < 3; i++)
        {
            await lobby.SendAsync(Command.Issue(0));
        }

        // Sent back to back: each announcement is still playing (the player sleeps) when the next call is made.
        await lobby.SendAsync(Command.CallNext(1));
        await lobby.SendAsync(Command.WalkIn(2, 0));
        await lobby.SendAsync(Command.CallNext(2));
        await lobby.SendAsync(Command.Recall(1));
        await lobby.SendAsync(Command.CallNext(3));

        string[] expected = ["A001-counter1", "A002-counter2", "A001-counter1", "A003-counter3"];
        await UntilAsync(() => lobby.Announcer.Announced + lobby.Announcer.Failed >= expected.Length, "four announcements played");

        // start X, end X, start Y, end Y, …: never two at once, in the order the calls were made.
        Assert.Equal(expected.SelectMany(a => new[] { "start " + a, "end " + a }), Played());
        Assert.Equal(4, lobby.Announcer.Announced);
        Assert.Equal(0, lobby.Announcer.Failed);
        Assert.Empty(lobby.Log.At(LogLevel.Error));

        // What the player got is the composed announcement, byte for byte.
        var composer = new AnnouncementComposer(VoicePack.Load(_fixture.Directory, VoiceLanguages.Default), VoiceLanguages.Default);
        using var expectedWav = new MemoryStream();
        composer.Write("A003", 3, expectedWav);
        Assert.Equal(expectedWav.ToArray(), File.ReadAllBytes(Assert.Single(Directory.GetFiles(_copies, "A003-counter3-*.wav"))));
    }

    [Fact]
    public async Task ABurstOfCalls_IsAnnouncedCompletely_InOrder()
    {
        const int Calls = 40;
        await using Lobby lobby = await Lobby.StartAsync(Options(FakePlayer(sleep: "0.02")));
        for (int i = 0; i < Calls; i++)
        {
            await lobby.SendAsync(Command.Issue(0));
        }

        for (int i = 0; i < Calls; i++)
        {
            await lobby.SendAsync(Command.CallNext(1 + (i % 3)));
        }

        await UntilAsync(() => lobby.Announcer.Announced + lobby.Announcer.Failed >= Calls, $"{Calls} announcements");

        string[] ended = [.. Played().Where(l => l.StartsWith("end ", StringComparison.Ordinal)).Select(l => Ticket(l[4..]))];
        Assert.Equal(Enumerable.Range(1, Calls).Select(n => $"A{n:D3}"), ended);
        Assert.Equal(Calls, lobby.Announcer.Announced);
    }

    [Fact]
    public async Task AFailingPlayer_IsLoggedOnce_AndLaterCallsAreStillAnnounced()
    {
        string player = FakePlayer(before: """
            case "$name" in
              A001-*|A002-*) echo "fail $name" >> "$log"; echo "aplay: main:831: audio open error: No such file or directory" >&2; exit 1;;
            esac
            """);
        await using Lobby lobby = await Lobby.StartAsync(Options(player));
        for (int i = 0; i < 3; i++)
        {
            await lobby.SendAsync(Command.Issue(0));
        }

        await lobby.SendAsync(Command.CallNext(1));
        await lobby.SendAsync(Command.CallNext(2));
        await lobby.SendAsync(Command.CallNext(3));

        await UntilAsync(() => lobby.Announcer.Announced >= 1, "the third call announced");

        Assert.Equal(["fail A001-counter1", "fail A002-counter2", "start A003-counter3", "end A003-counter3"], Played());
        Assert.Equal(2, lobby.Announcer.Failed);
        string error = Assert.Single(lobby.Log.At(LogLevel.Error));
        Assert.Contains("A001 -> counter 1", error, StringComparison.Ordinal);
        Assert.Contains("exited with code 1: aplay: main:831: audio open error: No such file or directory", error, StringComparison.Ordinal);
        Assert.Contains("later calls are still announced", error, StringComparison.Ordinal);
        Assert.Contains(lobby.Log.At(LogLevel.Debug), m => m.Contains("A002 -> counter 2", StringComparison.Ordinal));
        Assert.Contains("Voice player works again after 2 failed announcement(s)", lobby.Log.At(LogLevel.Information));
    }

    [Fact]
    public async Task APlayerThatCannotBeStarted_IsLoggedOnce_AndTheQueueKeepsRunning()
    {
        string missing = Path.Combine(_work.FullName, "no-such-player");
        await using Lobby lobby = await Lobby.StartAsync(Options($"{missing} -q"));
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.CallNext(1));
        await lobby.SendAsync(Command.CallNext(2));

        await UntilAsync(() => lobby.Announcer.Failed >= 2, "both announcements tried");

        string error = Assert.Single(lobby.Log.At(LogLevel.Error));
        Assert.Contains($"cannot start {missing}", error, StringComparison.Ordinal);
        Assert.True((await lobby.SendAsync(Command.Finish(1))).Result.Accepted);
        Assert.False(lobby.Announcer.ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task AHangingPlayer_IsKilledAfterTheTimeout_AndTheNextCallIsAnnounced()
    {
        string pidFile = Path.Combine(_work.FullName, "hung.pid");
        string player = FakePlayer(before: $$"""
            case "$name" in
              A001-*) echo "hang $name" >> "$log"; echo $$ > '{{pidFile}}'; exec sleep 600;;
            esac
            """);
        VoiceOptions options = Options(player);
        options.PlayTimeoutSeconds = 5;
        await using Lobby lobby = await Lobby.StartAsync(options);
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.CallNext(1));
        await lobby.SendAsync(Command.CallNext(2));

        await UntilAsync(() => lobby.Announcer.Announced >= 1, "the second call announced");

        Assert.Equal(["hang A001-counter1", "start A002-counter2", "end A002-counter2"], Played());
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await UntilAsync(() => !Directory.Exists($"/proc/{pid}"), $"the hung player (pid {pid}) gone");
        Assert.Contains("did not finish within 5 s and was killed", Assert.Single(lobby.Log.At(LogLevel.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingPack_LogsAClearErrorOnce_AndTheQueueKeepsRunning()
    {
        string pack = Path.Combine(_work.FullName, "no-such-pack");
        await using Lobby lobby = await Lobby.StartAsync(Options(FakePlayer(), pack));

        await UntilAsync(() => lobby.Log.At(LogLevel.Error).Any(), "the error");
        string error = Assert.Single(lobby.Log.At(LogLevel.Error));
        Assert.Contains($"Voice pack {pack} cannot be used", error, StringComparison.Ordinal);
        Assert.Contains("the directory does not exist", error, StringComparison.Ordinal);
        Assert.Contains("The queue keeps running; calls and recalls are not announced (they are dropped)", error, StringComparison.Ordinal);

        // The announcer ended quietly rather than failing the host, and the queue is not held up.
        await lobby.Announcer.ExecuteTask!.WaitAsync(s_patience);
        Assert.True(lobby.Announcer.ExecuteTask.IsCompletedSuccessfully);
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.CallNext(1));
        await lobby.SendAsync(Command.CallNext(2));
        await lobby.SendAsync(Command.Recall(1));
        Assert.Equal(3, lobby.Announcer.Dropped);
        Assert.Empty(Played());
        Assert.Single(lobby.Log.At(LogLevel.Error));
    }

    [Fact]
    public async Task ABrokenPack_NamesTheFile()
    {
        string pack = _fixture.CopyTo(Path.Combine(_work.FullName, "broken"));
        File.Delete(Path.Combine(pack, "en", "please-go-to-counter.wav"));
        await using Lobby lobby = await Lobby.StartAsync(Options(FakePlayer(), pack));

        await lobby.Announcer.ExecuteTask!.WaitAsync(s_patience);

        Assert.Contains("en/please-go-to-counter.wav: missing (should say \"please go to counter\")", Assert.Single(lobby.Log.At(LogLevel.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownLanguage_IsAClearError_AndTheQueueKeepsRunning()
    {
        VoiceOptions options = Options(FakePlayer());
        options.Languages.Add("zh-CN");
        options.Languages.Add("yue");
        await using Lobby lobby = await Lobby.StartAsync(options);

        await lobby.Announcer.ExecuteTask!.WaitAsync(s_patience);
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.CallNext(1));

        Assert.Equal(
            "Voice announcements are off: Voice:Languages: \"yue\" is not a voice language (use zh-CN or en)\n"
            + "The queue keeps running; calls and recalls are not announced (they are dropped) until this is fixed and the service restarted",
            Assert.Single(lobby.Log.At(LogLevel.Error)));
        Assert.Equal(1, lobby.Announcer.Dropped);
    }

    [Fact]
    public async Task Disabled_AnnouncesNothing_AndSaysSo()
    {
        VoiceOptions options = Options(FakePlayer());
        options.Enabled = false;
        await using Lobby lobby = await Lobby.StartAsync(options);
        await lobby.SendAsync(Command.Issue(0));
        await lobby.SendAsync(Command.CallNext(1));

        await lobby.Announcer.ExecuteTask!.WaitAsync(s_patience);

        Assert.Contains("Voice announcements are disabled (Voice:Enabled is false)", lobby.Log.At(LogLevel.Information));
        Assert.Equal(0, lobby.Announcer.Dropped);
        Assert.Empty(Played());
    }

    [Fact]
    public void PlayerCommand_SplitsWords_HonoursQuotes_AddsTheFileWhenNotPlaced()
    {
        var aplay = PlayerCommand.Parse(VoiceOptions.DefaultPlayer);
        Assert.Equal("aplay", aplay.Program);
        Assert.Equal(["-q", "/tmp/a.wav"], aplay.ArgumentsFor("/tmp/a.wav"));

        var quoted = PlayerCommand.Parse("'/opt/my player/play' --device \"plughw:1,0\"  --gain 3");
        Assert.Equal("/opt/my player/play", quoted.Program);
        Assert.Equal(["--device", "plughw:1,0", "--gain", "3", "/tmp/a.wav"], quoted.ArgumentsFor("/tmp/a.wav"));

        Assert.Equal(["--in={file}"], PlayerCommand.Parse("play --in={file}").ArgumentsFor("{file}"));
        Assert.Throws<FormatException>(() => PlayerCommand.Parse("   "));
        Assert.Throws<FormatException>(() => PlayerCommand.Parse("aplay \"-q"));
    }

    private VoiceOptions Options(string player, string? pack = null) => new()
    {
        Enabled = true,
        Pack = pack ?? _fixture.Directory,
        Player = player,
    };

    /// <summary>
    /// A player script: runs <paramref name="before"/> (which may fail or hang), then notes "start", keeps a copy of
    /// the file, sleeps, and notes "end". <c>$name</c> is the file's name without <c>.wav</c>.
    /// </summary>
    private string FakePlayer(string before = "", string sleep = "0.2")
    {
        string script = Path.Combine(_work.FullName, "player.sh");
        File.WriteAllText(script, $$"""
            #!/bin/bash
            set -u
            log='{{_played}}'
            name=$(basename "$1" .wav)
            {{before}}
            echo "start $name" >> "$log"
            cp "$1" '{{_copies}}/'
            sleep {{sleep}}
            echo "end $name" >> "$log"

            """.ReplaceLineEndings("\n"));
        return $"/bin/bash {script} {{file}}";
    }

    /// <summary>What the fake player noted, one line per step, without the event sequence in the file names.</summary>
    private string[] Played() =>
        File.Exists(_played) ? [.. File.ReadAllLines(_played).Select(l => SequenceSuffix().Replace(l, ""))] : [];

    private static string Ticket(string announcement) => announcement[..announcement.IndexOf('-', StringComparison.Ordinal)];

    private static Task UntilAsync(Func<bool> condition, string what) => Eventually.UntilAsync(condition, what, s_patience);

    [GeneratedRegex(@"-\d+$")]
    private static partial Regex SequenceSuffix();

    /// <summary>A three-counter branch whose engine loop has the announcer as its only sink.</summary>
    private sealed class Lobby : IAsyncDisposable
    {
        private Lobby(Announcer announcer, EngineLoop loop, LobbyCommandChannel commands, RecordingLogger<Announcer> log)
        {
            Announcer = announcer;
            Loop = loop;
            Commands = commands;
            Log = log;
        }

        public Announcer Announcer { get; }

        public EngineLoop Loop { get; }

        public LobbyCommandChannel Commands { get; }

        public RecordingLogger<Announcer> Log { get; }

        public static async Task<Lobby> StartAsync(VoiceOptions options)
        {
            var config = new BranchConfig
            {
                BranchId = "voice-001",
                TimeZone = TestBranch.Shanghai,
                Services = [new ServiceConfig { Prefix = 'A', Id = "cash" }],
                Counters =
                [
                    new CounterConfig { Number = 1, Services = [new ServiceWeight(0)] },
                    new CounterConfig { Number = 2, Services = [new ServiceWeight(0)] },
                    new CounterConfig { Number = 3, Services = [new ServiceWeight(0)] },
                ],
            };
            var log = new RecordingLogger<Announcer>();
            var announcer = new Announcer(config, Microsoft.Extensions.Options.Options.Create(options), log);
            var commands = new LobbyCommandChannel();
            var loop = new EngineLoop(new QueueEngine(config), commands, [announcer], new FakeTimeProvider(TestBranch.At(9, 1)), NullLogger<EngineLoop>.Instance);
            await announcer.StartAsync(CancellationToken.None);
            await loop.StartAsync(CancellationToken.None);
            return new Lobby(announcer, loop, commands, log);
        }

        public async Task<CommandOutcome> SendAsync(Command command)
        {
            CommandOutcome outcome = await Commands.SendAsync(command).AsTask().WaitAsync(s_patience);
            Assert.True(outcome.Result.Accepted, $"{command.Kind}: {outcome.Result.Refusal}");
            return outcome;
        }

        public async ValueTask DisposeAsync()
        {
            // The loop first, as the host does: no call reaches a stopped announcer.
            await Loop.StopAsync(CancellationToken.None);
            await Announcer.StopAsync(CancellationToken.None);
            Loop.Dispose();
            Announcer.Dispose();
        }
    }
}
