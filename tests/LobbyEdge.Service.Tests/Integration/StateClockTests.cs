using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 7: the state's <c>time</c> is the time it is sent, not the time it was last rebuilt, so a screen
/// that connects after a quiet spell shows the right clock. The real process, no simulation, a quiet branch.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StateClockTests(ITestOutputHelper output) : IDisposable
{
    // The quiet spell is longer than the tolerance, so a state stamped at its last rebuild cannot pass.
    private static readonly TimeSpan s_tolerance = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_quiet = TimeSpan.FromSeconds(4);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-clock-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task StateTime_AfterAQuietSpell_IsTheTimeOfSending_OverHttpAndSse()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", Path.Combine(AppContext.BaseDirectory, "profiles", "small.yaml"), "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

        // A quiet spell: nothing happens in the branch (the state's sequence stays put) for longer than the tolerance.
        long sequence = await SequenceAsync(http);
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < s_quiet)
        {
            await Task.Delay(250);
            long now = await SequenceAsync(http);
            if (now != sequence)
            {
                sequence = now;
                quiet.Restart();
            }
        }

        // /api/state: its time is within the tolerance of the request's own time.
        DateTimeOffset before = DateTimeOffset.UtcNow;
        using (JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative))))
        {
            DateTimeOffset after = DateTimeOffset.UtcNow;
            Assert.Equal(sequence, state.RootElement.GetProperty("sequence").GetInt64());
            AssertSentBetween(state.RootElement, before, after, "/api/state");
        }

        // A TV that connects now: the first state on /signage/events carries the time of sending.
        before = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signage/events");
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? data = null;
        while (data is null && await reader.ReadLineAsync() is { } line)
        {
            if (line == "event: state")
            {
                data = (await reader.ReadLineAsync())!["data: ".Length..];
            }
        }

        DateTimeOffset received = DateTimeOffset.UtcNow;
        Assert.NotNull(data);
        using JsonDocument sent = JsonDocument.Parse(data);
        AssertSentBetween(sent.RootElement, before, received, "/signage/events");
        Assert.Equal(480, sent.RootElement.GetProperty("utcOffsetMinutes").GetInt32());
    }

    private void AssertSentBetween(JsonElement state, DateTimeOffset before, DateTimeOffset after, string where)
    {
        var time = new DateTimeOffset(state.GetProperty("time").GetDateTime().ToUniversalTime());
        output.WriteLine($"{where}: time {time:O}, asked {before:O}, answered {after:O}");
        Assert.True(time >= before - s_tolerance && time <= after + s_tolerance,
            $"{where}: the state's time {time:O} is not the time it was sent ({before:O} .. {after:O}); it lags by {(before - time).TotalSeconds:0.0} s");
    }

    private static async Task<long> SequenceAsync(HttpClient http)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        return state.RootElement.GetProperty("sequence").GetInt64();
    }
}
