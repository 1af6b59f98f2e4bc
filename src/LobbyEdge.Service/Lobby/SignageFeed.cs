using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Http;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// Server-Sent Events for the lobby pages (<c>/signage/events</c>): the branch state after every change and the
/// notice line. Each page has a small queue of its own that keeps only the newest messages, so a slow TV never
/// holds up the engine loop (where state changes are announced) or the other screens.
/// </summary>
public sealed class SignageFeed
{
    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);
    private readonly BranchState _state;
    private readonly NoticeBoard _notices;
    private readonly object _gate = new();
    private Channel<byte[]>[] _subscribers = [];

    /// <summary>Creates the feed and subscribes to state and notice changes.</summary>
    public SignageFeed(BranchState state, NoticeBoard notices)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(notices);
        _state = state;
        _notices = notices;
        state.Changed += json => Broadcast(Message("state", json));
        notices.Changed += () => Broadcast(NoticeMessage());
    }

    /// <summary>Pages connected now.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>Serves one page until it disconnects.</summary>
    public async Task ServeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        Subscribe(queue);
        CancellationToken aborted = context.RequestAborted;
        try
        {
            // "retry" tells the browser how soon to reconnect after the box restarts; then the state as it is now.
            await context.Response.WriteAsync("retry: 2000\n\n", aborted).ConfigureAwait(false);
            await WriteAsync(context, Message("state", _state.Json), aborted).ConfigureAwait(false);
            await WriteAsync(context, NoticeMessage(), aborted).ConfigureAwait(false);
            while (!aborted.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                keepAlive.CancelAfter(s_keepAlive);
                try
                {
                    byte[] message = await queue.Reader.ReadAsync(keepAlive.Token).ConfigureAwait(false);
                    await WriteAsync(context, message, aborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await WriteAsync(context, ": keep-alive\n\n"u8.ToArray(), aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
        finally
        {
            Unsubscribe(queue);
        }
    }

    private static async Task WriteAsync(HttpContext context, byte[] message, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Message(string name, byte[] json)
    {
        var message = new byte[7 + name.Length + 7 + json.Length + 2];
        int n = Encoding.ASCII.GetBytes($"event: {name}\ndata: ", message);
        json.CopyTo(message, n);
        message[^2] = (byte)'\n';
        message[^1] = (byte)'\n';
        return message;
    }

    private byte[] NoticeMessage()
    {
        Notice? notice = _notices.Current;
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new SignageNotice(notice?.Text ?? ""), LobbyJsonContext.Default.SignageNotice);
        return Message("notice", json);
    }

    private void Broadcast(byte[] message)
    {
        foreach (Channel<byte[]> subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(message);
        }
    }

    private void Subscribe(Channel<byte[]> queue)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, queue];
        }
    }

    private void Unsubscribe(Channel<byte[]> queue)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != queue)];
        }
    }
}
