using Microsoft.Extensions.Logging;

namespace LobbyEdge.HeadOffice;

public sealed partial class HeadOfficeLink
{
    // Event ids 500-549. No message carries a password, a key or a command's payload.
    private static partial class Log
    {
        [LoggerMessage(500, LogLevel.Information, "Head-office link off ({Reason}); events stay in the log: {Pending} pending")]
        public static partial void Off(ILogger logger, string reason, long pending);

        [LoggerMessage(501, LogLevel.Information, "Head-office link {ClientId} starting: brokers {Brokers}, TLS {Tls}; acknowledged up to event {Acked}, {Pending} pending")]
        public static partial void Starting(ILogger logger, string clientId, string brokers, bool tls, long acked, long pending);

        [LoggerMessage(502, LogLevel.Information, "Head office connected via {Broker} (session present {SessionPresent}, {Window} in flight at most); acknowledged up to event {Acked}, {Pending} pending")]
        public static partial void Connected(ILogger logger, string broker, bool sessionPresent, int window, long acked, long pending);

        [LoggerMessage(503, LogLevel.Warning, "Head office unreachable via {Broker}: {Problem}; {Pending} events wait in the log; retrying with back-off")]
        public static partial void ConnectFailed(ILogger logger, string broker, string problem, long pending);

        [LoggerMessage(504, LogLevel.Debug, "Head office still unreachable via {Broker}: {Problem}")]
        public static partial void ConnectFailedAgain(ILogger logger, string broker, string problem);

        [LoggerMessage(505, LogLevel.Warning, "Head-office link via {Broker} lost: {Problem}; {Pending} pending")]
        public static partial void Lost(ILogger logger, string broker, string problem, long pending);

        [LoggerMessage(506, LogLevel.Warning, "Head-office link via {Broker} closed; {Pending} pending; reconnecting")]
        public static partial void Disconnected(ILogger logger, string broker, long pending);

        [LoggerMessage(507, LogLevel.Debug, "Head-office link: next attempt in {Seconds:0.0} s")]
        public static partial void Waiting(ILogger logger, double seconds);

        [LoggerMessage(508, LogLevel.Error, "Head office refused a publish on {Topic}: {Reason} {Detail}; reconnecting later (nothing is skipped)")]
        public static partial void PublishRefused(ILogger logger, string topic, string reason, string detail);

        [LoggerMessage(509, LogLevel.Error, "Head office refused the subscription to {Topic}: {Reason}; commands will not arrive (check the broker's ACL)")]
        public static partial void SubscribeRefused(ILogger logger, string topic, string reason);

        [LoggerMessage(510, LogLevel.Information, "Head-office link stopped: acknowledged up to event {Acked}, {Pending} pending")]
        public static partial void Stopped(ILogger logger, long acked, long pending);

        [LoggerMessage(511, LogLevel.Warning, "Head-office link: the goodbye (status offline, DISCONNECT) failed: {Problem}")]
        public static partial void GoodbyeFailed(ILogger logger, string problem);

        [LoggerMessage(512, LogLevel.Error, "Head office will never get {Missed} events: retention deleted them before they were shipped; resuming at event {Next}")]
        public static partial void Missed(ILogger logger, long missed, long next);

        [LoggerMessage(513, LogLevel.Error, "Head-office shipping halted at a corrupt log record: {Problem}; retrying after back-off (restore the segment from a backup)")]
        public static partial void LogCorrupt(ILogger logger, string problem);

        [LoggerMessage(514, LogLevel.Warning, "Head-office cursor could not be saved: {Problem}; some events may be sent again after a restart")]
        public static partial void CursorSaveFailed(ILogger logger, string problem);

        [LoggerMessage(515, LogLevel.Warning, "Head-office state snapshot could not be made")]
        public static partial void StateFailed(ILogger logger, Exception exception);

        [LoggerMessage(520, LogLevel.Information, "Head-office command {Name} carried out")]
        public static partial void CommandDone(ILogger logger, string name);

        [LoggerMessage(521, LogLevel.Warning, "Head-office command {Name} rejected: {Error}")]
        public static partial void CommandRejected(ILogger logger, string name, string error);

        [LoggerMessage(522, LogLevel.Error, "Head-office command {Name} failed")]
        public static partial void CommandFailed(ILogger logger, string name, Exception exception);

        [LoggerMessage(523, LogLevel.Warning, "Head-office command {Name} has no response topic; the answer cannot be sent")]
        public static partial void NoResponseTopic(ILogger logger, string name);

        [LoggerMessage(524, LogLevel.Warning, "Head-office answer to {Name} could not be sent: {Problem}")]
        public static partial void ReplyFailed(ILogger logger, string name, string problem);

        [LoggerMessage(525, LogLevel.Information, "Head-office command {Name} repeats request {RequestKey} decided at event {Sequence}: answered as then, not carried out again")]
        public static partial void CommandRepeated(ILogger logger, string name, string requestKey, long sequence);

        [LoggerMessage(526, LogLevel.Information, "Head-office requests remembered: {Count} decided since event {From} (window {Hours:0.#} h), read in {Milliseconds:0} ms")]
        public static partial void RequestsRemembered(ILogger logger, int count, long from, double hours, double milliseconds);

        [LoggerMessage(528, LogLevel.Information, "Head office asked for events {From}..{To} again: {Count} sent on {Topic}")]
        public static partial void Resent(ILogger logger, long count, long from, long to, string topic);

        [LoggerMessage(529, LogLevel.Information, "Head-office command resend-events repeats request {RequestKey}: answered as then, the events are not sent again")]
        public static partial void ResendRepeated(ILogger logger, string requestKey);

        [LoggerMessage(527, LogLevel.Error, "Head-office requests cannot be read from the event log: {Problem}; commands with an effect are refused until it reads")]
        public static partial void RequestMemoryBroken(ILogger logger, string problem);
    }
}
