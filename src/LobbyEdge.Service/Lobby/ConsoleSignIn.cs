using System.Collections.Concurrent;
using System.Security.Cryptography;
using LobbyEdge.Service.Monitoring;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The staff who may sign in: the staff file, re-read when it changes (a file that turns bad is logged and the last
/// good list kept), plus the demo lobby manager under <c>--simulate</c>.
/// </summary>
public sealed class StaffDirectory
{
    /// <summary>The demo lobby manager's staff id under <c>--simulate</c> (never in a real run).</summary>
    public const int DemoId = 8001;

    /// <summary>The demo lobby manager's PIN under <c>--simulate</c>, printed in the simulation's start line.</summary>
    public const string DemoPin = "2468";

    /// <summary>
    /// The demo PIN's hash (<see cref="PinHash"/>, the fewest iterations, a fixed salt): written out rather than
    /// computed at start, so a simulation does not load OpenSSL (about 4 MB resident, issue 17) before anyone signs in.
    /// The PIN is printed at start anyway; a fixed salt gives nothing away.
    /// </summary>
    internal const string DemoPinHash = "pbkdf2-sha256$100000$TG9iYnlFZGdlIGRlbW8gIA==$5gmTlxHp0cYE5Ja3dkzakaogGSCK1ByhwggGsaDuvWk=";

    private readonly StaffMember? _demo;
    private readonly object _gate = new();
    private IReadOnlyList<StaffMember> _staff;
    private DateTime _loadedWrite;

    private StaffDirectory(string path, IReadOnlyList<StaffMember> staff, StaffMember? demo)
    {
        Path = path;
        _staff = staff;
        _demo = demo;
        _loadedWrite = LastWrite(path);
    }

    /// <summary>The staff file's full path.</summary>
    public string Path { get; }

    /// <summary>Whether the demo staff member is signed in with (a simulation only).</summary>
    public bool HasDemo => _demo is not null;

    /// <summary>How many staff members can sign in now.</summary>
    public int Count => Volatile.Read(ref _staff).Count + (_demo is null ? 0 : 1);

    /// <summary>
    /// Reads the staff file at <paramref name="path"/>; with <paramref name="demo"/> (a simulation) adds the demo lobby
    /// manager unless the file has staff <see cref="DemoId"/> already.
    /// </summary>
    /// <exception cref="StaffFileException">The file is bad: one <c>file:line: field: problem</c> line per bad line.</exception>
    public static StaffDirectory Open(string path, bool demo)
    {
        string full = System.IO.Path.GetFullPath(path);
        IReadOnlyList<StaffMember> staff = StaffFile.Load(full);
        StaffMember? member = demo && !staff.Any(s => s.Id == DemoId)
            ? new StaffMember(DemoId, "演示大堂经理 Demo manager", StaffRole.LobbyManager, DemoPinHash)
            : null;
        return new StaffDirectory(full, staff, member);
    }

    /// <summary>The staff member with this id, re-reading the file first if it changed; null if none.</summary>
    /// <param name="id">The staff id.</param>
    /// <param name="problem">Set when the file changed and could not be read (the last good list is used).</param>
    public StaffMember? Find(int id, out string? problem)
    {
        problem = null;
        DateTime write = LastWrite(Path);
        lock (_gate)
        {
            if (write != _loadedWrite)
            {
                try
                {
                    _staff = StaffFile.Load(Path);
                }
                catch (StaffFileException e)
                {
                    problem = e.Message;
                }

                _loadedWrite = write;
            }
        }

        if (_demo is { } demo && demo.Id == id)
        {
            return demo;
        }

        foreach (StaffMember s in Volatile.Read(ref _staff))
        {
            if (s.Id == id)
            {
                return s;
            }
        }

        return null;
    }

    private static DateTime LastWrite(string path) => File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
}

/// <summary>What became of a sign-in.</summary>
/// <param name="Staff">The staff member, when signed in.</param>
/// <param name="Token">The new session's token (goes into the cookie only), when signed in.</param>
/// <param name="RetryAfter">When locked out: how long until the next try is taken.</param>
public readonly record struct SignInResult(StaffMember? Staff, string? Token, TimeSpan? RetryAfter);

/// <summary>
/// Staff sign-in for the console: PINs checked against the staff file's PBKDF2 hashes, server-side sessions in an
/// HttpOnly, SameSite=Strict cookie (Secure when the request came over HTTPS), idle and absolute expiry, sign-out,
/// and a lockout after repeated wrong PINs per staff id and per address. Runs on request threads only: it never
/// touches the engine. Its clock is the wall clock (<see cref="TimeProvider.System"/>), not a simulation's.
/// </summary>
public sealed partial class ConsoleSignIn
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "lobby_session";

    private readonly StaffDirectory _staff;
    private readonly ConsoleOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Counter _failures;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Strikes> _strikes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _hashing = new(2, 2);

    /// <summary>Creates the sign-in over the staff directory; registers its metric on the service's registry.</summary>
    public ConsoleSignIn(StaffDirectory staff, IOptions<ConsoleOptions> options, LobbyMetrics metrics, ILogger<ConsoleSignIn> logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _staff = staff ?? throw new ArgumentNullException(nameof(staff));
        _options = options.Value;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _failures = Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
            "lobby_console_signin_failures_total",
            "Console sign-ins refused: reason wrong_pin (or an unknown staff id), locked (tried while locked out).",
            new CounterConfiguration { LabelNames = ["reason"] });
        _failures.WithLabels("wrong_pin");
        _failures.WithLabels("locked");
    }

    /// <summary>Sessions open now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>
    /// Checks a staff id and PIN from <paramref name="address"/>. Locked out: <c>RetryAfter</c> set, the PIN not even
    /// checked. Wrong: all null. Right: the staff member and a new session token.
    /// </summary>
    public async Task<SignInResult> SignInAsync(int staffId, string pin, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pin);
        // The keys read as they are logged: "sign-in locked for staff 3", "… for address 10.0.0.7".
        string[] keys = [$"staff {staffId}", $"address {address}"];
        long[] seen = new long[keys.Length];
        if (Reserve(keys, seen) is { } wait)
        {
            return Refuse(staffId, address, wait);
        }

        StaffMember? member;
        bool right;
        try
        {
            if (CheckingHook is { } hook)
            {
                await hook().ConfigureAwait(false);
            }

            member = _staff.Find(staffId, out string? fileProblem);
            if (fileProblem is not null)
            {
                Log.StaffFileBad(_logger, _staff.Path, fileProblem);
            }

            await _hashing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Checked again: a lockout set by attempts that finished while this one waited for a hashing slot holds.
                if (LockedFor(keys) is { } since)
                {
                    Release(keys);
                    return Refuse(staffId, address, since);
                }

                // An unknown id costs as much as a wrong PIN, so the answer's time does not tell which ids exist.
                right = PinHash.Verify(pin, member?.PinHash ?? s_decoy.Value) && member is not null;
            }
            finally
            {
                _hashing.Release();
            }
        }
        catch
        {
            Release(keys);
            throw;
        }

        if (!right)
        {
            _failures.WithLabels("wrong_pin").Inc();
            (int failures, TimeSpan? locked) = Strike(keys);
            Log.WrongPin(_logger, member is null ? "unknown staff id" : "wrong PIN", staffId, address, failures, _options.LockoutFailures);
            return new SignInResult(null, null, locked);
        }

        if (Succeed(keys, seen) is { } lockedMeanwhile)
        {
            // Wrong PINs sent alongside this one locked the id or the address: the lockout holds, even for the right PIN.
            return Refuse(staffId, address, lockedMeanwhile);
        }

        Sweep();
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        DateTimeOffset now = _clock.GetUtcNow();
        _sessions[token] = new Session(member!, now) { LastSeenTicks = now.UtcTicks };
        Log.SignedIn(_logger, member!.Id, member.RoleName, address);
        return new SignInResult(member, token, null);
    }

    /// <summary>The staff member whose session the request's cookie names, or null (none, unknown, expired); marks it seen.</summary>
    public StaffMember? Authenticate(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out string? token) || token is null || !_sessions.TryGetValue(token, out Session? session))
        {
            return null;
        }

        DateTimeOffset now = _clock.GetUtcNow();
        if (Expired(session, now))
        {
            _sessions.TryRemove(token, out _);
            return null;
        }

        if (Current(session) is not { } staff)
        {
            // Removed from the staff file, or their PIN or role changed since they signed in: the session ends.
            if (_sessions.TryRemove(token, out _))
            {
                Log.SessionEnded(_logger, session.Staff.Id);
            }

            return null;
        }

        Interlocked.Exchange(ref session.LastSeenTicks, now.UtcTicks);
        return staff;
    }

    /// <summary>
    /// Whether the request's session is still open, for a live feed to end when it expires or when its staff member is
    /// removed or their PIN or role changes. An open session is marked seen: a console left open on its live feed
    /// (which asks before every message, at least every second) stays signed in up to the maximum session age, while
    /// a page that is closed stops asking and its session ends after the idle minutes.
    /// </summary>
    public bool IsOpen(HttpContext context) => Authenticate(context) is not null;

    /// <summary>Ends the request's session, if any.</summary>
    public void SignOut(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Cookies.TryGetValue(CookieName, out string? token) && token is not null && _sessions.TryRemove(token, out Session? session))
        {
            Log.SignedOut(_logger, session.Staff.Id);
        }
    }

    /// <summary>The cookie that carries <paramref name="token"/> (or, with null, the one that deletes it).</summary>
    public void SetCookie(HttpContext context, string? token)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cookie = new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps || string.Equals(context.Request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase),
            Path = "/lobby",
            IsEssential = true,
        };
        if (token is null)
        {
            context.Response.Cookies.Delete(CookieName, cookie);
        }
        else
        {
            cookie.MaxAge = TimeSpan.FromHours(_options.SessionMaxHours);
            context.Response.Cookies.Append(CookieName, token, cookie);
        }
    }

    /// <summary>
    /// Whether a state-changing request came from another site: <c>Sec-Fetch-Site</c> other than <c>same-origin</c>
    /// or <c>none</c>, or an <c>Origin</c> that is not this server. A request with neither header (a script on the
    /// box, an old browser) is let through: without a same-site cookie it cannot act anyway.
    /// </summary>
    public static bool IsCrossSite(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return true;
        }

        string origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? o) || !string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The wait given when enough attempts are already being checked (they finish within a second or two).</summary>
    private static readonly TimeSpan s_pendingWait = TimeSpan.FromSeconds(2);

    /// <summary>Tests only: awaited after an attempt is reserved and before its PIN is checked (to hold it in flight).</summary>
    internal Func<Task>? CheckingHook { get; set; }

    private static readonly Lazy<string> s_decoy = new(() => PinHash.Hash("000000"));

    private bool Expired(Session session, DateTimeOffset now) =>
        now - session.SignedIn > TimeSpan.FromHours(_options.SessionMaxHours)
        || now.UtcTicks - Interlocked.Read(ref session.LastSeenTicks) > TimeSpan.FromMinutes(_options.SessionIdleMinutes).Ticks;

    /// <summary>
    /// The session's staff member as the staff directory has them now (re-read when the file changed), or null when they
    /// are gone or their PIN hash or role is no longer the one they signed in with.
    /// </summary>
    private StaffMember? Current(Session session)
    {
        StaffMember? now = _staff.Find(session.Staff.Id, out string? problem);
        if (problem is not null)
        {
            Log.StaffFileBad(_logger, _staff.Path, problem);
        }

        return now is not null && string.Equals(now.PinHash, session.Staff.PinHash, StringComparison.Ordinal) && now.Role == session.Staff.Role ? now : null;
    }

    private void Sweep()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        foreach (KeyValuePair<string, Session> s in _sessions)
        {
            if (Expired(s.Value, now))
            {
                _sessions.TryRemove(s.Key, out _);
            }
        }
    }

    private SignInResult Refuse(int staffId, string address, TimeSpan wait)
    {
        _failures.WithLabels("locked").Inc();
        Log.Locked(_logger, staffId, address, (int)Math.Ceiling(wait.TotalSeconds));
        return new SignInResult(null, null, wait);
    }

    private TimeSpan? LockedFor(string[] keys)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        TimeSpan? longest = null;
        lock (_strikes)
        {
            foreach (string key in keys)
            {
                if (_strikes.TryGetValue(key, out Strikes? s) && s.LockedUntil > now && (longest is null || s.LockedUntil - now > longest))
                {
                    longest = s.LockedUntil - now;
                }
            }
        }

        return longest;
    }

    /// <summary>
    /// Under the same lock as the lockout check, counts this attempt as a pending strike against each key before its
    /// PIN is checked, so at most <see cref="ConsoleOptions.LockoutFailures"/> attempts per staff id and per address are
    /// in flight or failed at once, however many arrive together. Returns how long to wait when the attempt is refused
    /// (locked out, or that many attempts already pending), else null (reserved: end with Strike, Succeed or Release).
    /// </summary>
    /// <param name="keys">The attempt's keys (staff id, address).</param>
    /// <param name="seen">Filled per key: the key's arrival count once this attempt arrived, or -1 when another attempt
    /// on the key was already being checked (for <see cref="Succeed"/> to tell an attempt checked alone from a burst).</param>
    private TimeSpan? Reserve(string[] keys, long[] seen)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        lock (_strikes)
        {
            TimeSpan? refused = null;
            for (int i = 0; i < keys.Length; i++)
            {
                Strikes s = Current(keys[i], now);
                s.Arrivals++;
                seen[i] = s.Pending > 0 ? -1 : s.Arrivals;
                if (s.LockedUntil > now)
                {
                    refused = refused is { } r && r > s.LockedUntil - now ? r : s.LockedUntil - now;
                }
                else if (s.Failures + s.Pending >= _options.LockoutFailures)
                {
                    // Enough PINs are being checked already: this one waits for their outcome.
                    refused ??= s_pendingWait;
                }
            }

            if (refused is not null)
            {
                return refused;
            }

            foreach (string key in keys)
            {
                _strikes[key].Pending++;
            }
        }

        return null;
    }

    /// <summary>Takes back a reservation whose PIN was not checked.</summary>
    private void Release(string[] keys)
    {
        lock (_strikes)
        {
            foreach (string key in keys)
            {
                if (_strikes.TryGetValue(key, out Strikes? s) && s.Pending > 0)
                {
                    s.Pending--;
                }
            }
        }
    }

    /// <summary>
    /// A right PIN: takes back the reservation and clears the count, unless a lockout was set while it was checked
    /// (then returns how long it lasts, and the sign-in is refused). In a burst (another attempt on the key was being
    /// checked when this one arrived, or arrived while it was checked) the count is not cleared: the right PIN
    /// signs in but counts as one of the burst's checked PINs, so the rest of the burst still gets at most
    /// <see cref="ConsoleOptions.LockoutFailures"/> PINs checked in all (a right PIN that cleared the count would give
    /// the attempts arriving after it a fresh allowance).
    /// </summary>
    private TimeSpan? Succeed(string[] keys, long[] seen)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        TimeSpan? locked = null;
        lock (_strikes)
        {
            foreach (string key in keys)
            {
                if (_strikes.TryGetValue(key, out Strikes? s))
                {
                    s.Pending = Math.Max(0, s.Pending - 1);
                    if (s.LockedUntil > now)
                    {
                        locked = locked is { } l && l > s.LockedUntil - now ? l : s.LockedUntil - now;
                    }
                }
            }

            if (locked is null)
            {
                for (int i = 0; i < keys.Length; i++)
                {
                    string key = keys[i];
                    if (!_strikes.TryGetValue(key, out Strikes? s))
                    {
                        continue;
                    }

                    if (seen[i] < 0 || s.Arrivals != seen[i] || s.Pending > 0)
                    {
                        s.Failures++;
                        s.Last = now;
                        if (s.Failures >= _options.LockoutFailures)
                        {
                            // Locks the rest of the burst out; the session this PIN opens is not affected.
                            s.LockedUntil = now + TimeSpan.FromMinutes(_options.LockoutMinutes);
                            Log.LockedOut(_logger, key, _options.LockoutMinutes);
                        }
                    }
                    else
                    {
                        _strikes.Remove(key);
                    }
                }
            }
        }

        return locked;
    }

    /// <summary>The count for <paramref name="key"/>, started again after a lockout served or a quiet spell (call under the lock).</summary>
    private Strikes Current(string key, DateTimeOffset now)
    {
        TimeSpan lockout = TimeSpan.FromMinutes(_options.LockoutMinutes);
        if (!_strikes.TryGetValue(key, out Strikes? s))
        {
            _strikes[key] = s = new Strikes();
        }
        else if ((s.LockedUntil != default && s.LockedUntil <= now) || (s.Pending == 0 && now - s.Last > lockout * 3))
        {
            // A lockout served, or a quiet spell, starts the count again (attempts still being checked stay counted).
            s.Failures = 0;
            s.LockedUntil = default;
        }

        return s;
    }

    /// <summary>Counts a wrong PIN (its reservation becomes a failure); returns the most failures in a row and, when that locks, for how long.</summary>
    private (int Failures, TimeSpan? Locked) Strike(string[] keys)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        TimeSpan lockout = TimeSpan.FromMinutes(_options.LockoutMinutes);
        int most = 0;
        bool locked = false;
        lock (_strikes)
        {
            foreach (string key in keys)
            {
                Strikes s = Current(key, now);
                s.Pending = Math.Max(0, s.Pending - 1);
                s.Failures++;
                s.Last = now;
                if (s.Failures >= _options.LockoutFailures && s.LockedUntil <= now)
                {
                    s.LockedUntil = now + lockout;
                    locked = true;
                    Log.LockedOut(_logger, key, _options.LockoutMinutes);
                }

                most = Math.Max(most, s.Failures);
            }

            if (_strikes.Count > 10_000)
            {
                // Bounded: a scan of made-up ids from many addresses cannot grow this without end.
                foreach (string stale in _strikes.Where(kv => kv.Value.Pending == 0 && kv.Value.LockedUntil <= now && now - kv.Value.Last > lockout).Select(kv => kv.Key).ToList())
                {
                    _strikes.Remove(stale);
                }
            }
        }

        return (most, locked ? lockout : null);
    }

    private sealed class Session(StaffMember staff, DateTimeOffset signedIn)
    {
        public long LastSeenTicks;

        public StaffMember Staff { get; } = staff;

        public DateTimeOffset SignedIn { get; } = signedIn;
    }

    private sealed class Strikes
    {
        public int Failures { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset LockedUntil { get; set; }

        /// <summary>Attempts whose PIN is being checked now (each counts against the limit as a strike would).</summary>
        public int Pending { get; set; }

        /// <summary>Attempts that arrived for this key (refused ones too), to tell an attempt checked alone from a burst.</summary>
        public long Arrivals { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Information, "Console: staff {Staff} ({Role}) signed in from {Address}")]
        public static partial void SignedIn(ILogger logger, int staff, string role, string address);

        [LoggerMessage(1102, LogLevel.Information, "Console: staff {Staff} signed out")]
        public static partial void SignedOut(ILogger logger, int staff);

        [LoggerMessage(1103, LogLevel.Warning, "Console: {Mistake} for staff {Staff} from {Address} ({Failures} of {Limit} before a lockout)")]
        public static partial void WrongPin(ILogger logger, string mistake, int staff, string address, int failures, int limit);

        [LoggerMessage(1104, LogLevel.Warning, "Console: sign-in locked for {Who} for {Minutes} min after repeated wrong PINs")]
        public static partial void LockedOut(ILogger logger, string who, int minutes);

        [LoggerMessage(1105, LogLevel.Warning, "Console: sign-in for staff {Staff} from {Address} refused, locked out for {Seconds} s more")]
        public static partial void Locked(ILogger logger, int staff, string address, int seconds);

        [LoggerMessage(1107, LogLevel.Information, "Console: session of staff {Staff} ended: removed from the staff file, or their PIN or role changed")]
        public static partial void SessionEnded(ILogger logger, int staff);

        [LoggerMessage(1106, LogLevel.Error, "Console: the staff file {Path} changed and cannot be read; the last good list is kept: {Problem}")]
        public static partial void StaffFileBad(ILogger logger, string path, string problem);
    }
}
