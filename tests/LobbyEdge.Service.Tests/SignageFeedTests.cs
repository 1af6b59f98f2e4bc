using System.IO.Pipelines;
using System.Text;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>The signage event stream: the state on connect, and a notice (as head office sets it) pushed at once.</summary>
public sealed class SignageFeedTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("lobby-feed-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task Page_GetsTheStateOnConnect_AndANoticeAsSoonAsItIsSet()
    {
        using RestoredBranch branch = RestoredBranch.Open(_data.FullName, TestBranch.Create(), NullLogger.Instance);
        var state = new BranchState(branch, TimeProvider.System);
        var notices = new NoticeBoard(TimeProvider.System);
        var feed = new SignageFeed(state, notices);
        var pipe = new Pipe();
        using var aborted = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        context.Response.Body = pipe.Writer.AsStream();

        Task serving = feed.ServeAsync(context);
        string first = await ReadUntilAsync(pipe.Reader, "event: notice");
        Assert.Equal("text/event-stream; charset=utf-8", context.Response.ContentType);
        Assert.Contains("retry: 2000", first, StringComparison.Ordinal);
        // The state is stamped when it is sent: its time comes first, then the state as built.
        Assert.Contains("event: state\ndata: {\"time\":", first, StringComparison.Ordinal);
        Assert.Contains("\"branchId\":\"test-001\"", first, StringComparison.Ordinal);
        Assert.Equal(1, feed.Subscribers);

        notices.Set("今天 16:00 提前结束营业 · Closing at 16:00 today");
        string pushed = await ReadUntilAsync(pipe.Reader, "Closing at 16:00 today");
        Assert.Contains("event: notice\ndata: {\"text\":", pushed, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", pushed, StringComparison.Ordinal);

        await aborted.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, feed.Subscribers);
    }

    [Fact]
    public void Notice_WithAnExpiry_DisappearsAfterIt()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var notices = new NoticeBoard(time);
        notices.Set("soon gone", time.GetUtcNow().AddMinutes(5));
        Assert.Equal("soon gone", notices.Current?.Text);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(notices.Current);
        notices.Set("");
        Assert.Null(notices.Current);
    }

    private static async Task<string> ReadUntilAsync(PipeReader reader, string marker)
    {
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.ToString().Contains(marker, StringComparison.Ordinal) || !text.ToString().EndsWith("\n\n", StringComparison.Ordinal))
        {
            ReadResult read = await reader.ReadAsync(timeout.Token);
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                text.Append(Encoding.UTF8.GetString(segment.Span));
            }

            reader.AdvanceTo(read.Buffer.End);
        }

        return text.ToString();
    }
}
