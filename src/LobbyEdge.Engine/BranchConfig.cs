namespace LobbyEdge.Engine;

/// <summary>
/// Everything the engine needs to know about a branch: its services, counters and day.
/// Immutable: a new configuration (pushed by head office, or the profile edited on the box) is a new instance given to
/// the engine by <see cref="Command.Reconfigure"/>.
/// </summary>
public sealed class BranchConfig
{
    private BranchCalendar? _everyDay;
    private long _version;
    private long _hash;

    /// <summary>The branch id used in MQTT topics and event ids, e.g. <c>sh-pudong-001</c>.</summary>
    public required string BranchId { get; init; }

    /// <summary>The branch name printed on tickets.</summary>
    public string Name { get; init; } = "";

    /// <summary>The branch name in Chinese, printed on tickets via GB18030.</summary>
    public string NameZh { get; init; } = "";

    /// <summary>The branch's time zone; business days, open and close times are local to it.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Local time the day opens (when <see cref="AutoOpenClose"/> is on).</summary>
    public TimeOnly OpenTime { get; init; } = new(9, 0);

    /// <summary>Local time the day closes.</summary>
    public TimeOnly CloseTime { get; init; } = new(17, 0);

    /// <summary>Ticketing stops this long before close.</summary>
    public TimeSpan TicketingCutoff { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether the engine's timer tick opens and closes the day by the clock.</summary>
    public bool AutoOpenClose { get; init; } = true;

    /// <summary>Upper bound of tickets in one day (storage is sized to it once).</summary>
    public int MaxTicketsPerDay { get; init; } = 16_384;

    /// <summary>
    /// How long after a counter finishes a ticket a customer's rating at that counter is linked to the ticket
    /// (1 s .. 1 h; default 2 minutes). A rating after it is an unlinked rating of the counter. Profile:
    /// <c>branch.ratingWindowSeconds</c>.
    /// </summary>
    public TimeSpan RatingWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The business calendar: weekly hours, closed dates, special hours, make-up working days. Null = every day
    /// opens <see cref="OpenTime"/> .. <see cref="CloseTime"/> (the behaviour before calendars). Read it through
    /// <see cref="EffectiveCalendar"/>. Profile: <c>calendar:</c>; head office: <c>update-calendar</c>.
    /// </summary>
    public BranchCalendar? Calendar { get; init; }

    /// <summary>The calendar in force: <see cref="Calendar"/>, or every day <see cref="OpenTime"/> .. <see cref="CloseTime"/>.</summary>
    public BranchCalendar EffectiveCalendar => Calendar ?? (_everyDay ??= BranchCalendar.EveryDay(OpenTime, CloseTime));

    /// <summary>
    /// The configuration's version: 1, 2, 3, … counted by the host's configuration store, one per accepted change
    /// (a push, a rollback, a profile edited on the box); 0 = unversioned (tests, tools). Carried by
    /// <see cref="EventKind.ConfigurationChanged"/> and by <see cref="EventKind.DayOpened"/> (<c>B</c>) so replay
    /// runs every stretch of the log with the configuration then in force (<see cref="QueueEngine.ConfigurationResolver"/>).
    /// </summary>
    public long Version { get => _version; init => _version = value; }

    /// <summary>The configuration's content hash: the first 8 bytes of the SHA-256 of the profile text, big-endian; 0 = unversioned.</summary>
    public long Hash { get => _hash; init => _hash = value; }

    /// <summary>A copy of this configuration with another <see cref="Version"/> and <see cref="Hash"/> (the store numbers what the profile loader read).</summary>
    public BranchConfig WithVersion(long version, long hash)
    {
        var copy = (BranchConfig)MemberwiseClone();
        copy._version = version;
        copy._hash = hash;
        return copy;
    }

    /// <summary>How many recent calls the engine remembers for the main display.</summary>
    public int RecentCallCount { get; init; } = 8;

    /// <summary>The services, indexed from 0 in this order.</summary>
    public required IReadOnlyList<ServiceConfig> Services { get; init; }

    /// <summary>The counters, each with a distinct number 1..N.</summary>
    public required IReadOnlyList<CounterConfig> Counters { get; init; }

    /// <summary>
    /// What differs from <paramref name="current"/> to <paramref name="next"/> and whether it can take effect during
    /// an open day (<see cref="ConfigurationDiff"/>). Each change reads <c>field.path: old -> new</c> with the branch
    /// profile's field names and units, e.g. <c>services[0].careMinutes: 10 -> 8</c>; the split between live and
    /// next-opening changes is listed in the engine README ("Configuration changes"). <see cref="Version"/> and
    /// <see cref="Hash"/> are not content. Pure; allocates (once per configuration change).
    /// </summary>
    /// <exception cref="ArgumentNullException">Either configuration is null.</exception>
    public static ConfigurationDiff Compare(BranchConfig current, BranchConfig next)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        return ConfigurationComparer.Compare(current, next);
    }

    /// <summary>
    /// Checks the configuration and returns what is wrong, each as (field path, message).
    /// An empty list means the engine can run with it.
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(BranchId))
        {
            errors.Add(("branch.id", "must not be empty"));
        }

        if (CloseTime <= OpenTime)
        {
            errors.Add(("branch.close", $"close time {CloseTime:HH\\:mm} must be after open time {OpenTime:HH\\:mm}"));
        }

        if (TicketingCutoff < TimeSpan.Zero || TicketingCutoff >= CloseTime - OpenTime)
        {
            errors.Add(("branch.ticketingCutoffMinutes", "must be at least 0 and shorter than the opening hours"));
        }

        Calendar?.Validate("calendar", errors);

        if (RatingWindow < TimeSpan.FromSeconds(1) || RatingWindow > TimeSpan.FromHours(1))
        {
            errors.Add(("branch.ratingWindowSeconds", "must be between 1 and 3600 seconds"));
        }

        if (MaxTicketsPerDay is < 1 or > 1_000_000)
        {
            errors.Add(("branch.maxTicketsPerDay", "must be between 1 and 1000000"));
        }

        if (Services.Count == 0)
        {
            errors.Add(("services", "at least one service is needed"));
        }

        if (Services.Count > 26)
        {
            errors.Add(("services", "at most 26 services (one per prefix letter A..Z)"));
        }

        var prefixes = new HashSet<char>();
        for (int i = 0; i < Services.Count; i++)
        {
            Services[i].Validate($"services[{i}]", errors);
            if (!prefixes.Add(Services[i].Prefix))
            {
                errors.Add(($"services[{i}].prefix", $"prefix '{Services[i].Prefix}' is used by another service"));
            }
        }

        if (Counters.Count == 0)
        {
            errors.Add(("counters", "at least one counter is needed"));
        }

        var numbers = new HashSet<int>();
        for (int i = 0; i < Counters.Count; i++)
        {
            CounterConfig c = Counters[i];
            string path = $"counters[{i}]";
            if (c.Number < 1 || c.Number > 999)
            {
                errors.Add(($"{path}.number", "must be between 1 and 999"));
            }
            else if (!numbers.Add(c.Number))
            {
                errors.Add(($"{path}.number", $"counter number {c.Number} is used twice"));
            }

            if (c.Services.Count == 0)
            {
                errors.Add(($"{path}.services", "a counter must serve at least one service"));
            }

            for (int j = 0; j < c.Services.Count; j++)
            {
                ServiceWeight sw = c.Services[j];
                if (sw.Service < 0 || sw.Service >= Services.Count)
                {
                    errors.Add(($"{path}.services[{j}]", $"service index {sw.Service} does not exist"));
                }

                if (sw.Weight is < 1 or > 100)
                {
                    errors.Add(($"{path}.services[{j}].weight", "must be between 1 and 100"));
                }

                for (int k = 0; k < j; k++)
                {
                    if (c.Services[k].Service == sw.Service)
                    {
                        errors.Add(($"{path}.services[{j}]", "service listed twice"));
                    }
                }
            }
        }

        return errors;
    }
}

/// <summary>One kind of business (业务类型), with its numbering and its rules.</summary>
public sealed class ServiceConfig
{
    /// <summary>Ticket prefix letter, <c>A</c>..<c>Z</c>.</summary>
    public required char Prefix { get; init; }

    /// <summary>Short id used in profiles, commands and metric labels, e.g. <c>cash</c>.</summary>
    public required string Id { get; init; }

    /// <summary>English name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Chinese name (printed via GB18030).</summary>
    public string NameZh { get; init; } = "";

    /// <summary>First ticket number of the range.</summary>
    public int FirstNumber { get; init; } = 1;

    /// <summary>Last ticket number of the range; numbering wraps after it.</summary>
    public int LastNumber { get; init; } = 999;

    /// <summary>Tickets per day; 0 means no cap.</summary>
    public int DailyCap { get; init; }

    /// <summary>When a waiting ticket has waited this long (from its original issue), lobby staff are asked to care for it.</summary>
    public TimeSpan CareThreshold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Repeat interval of the care alert while the ticket still waits; zero for once only.</summary>
    public TimeSpan CareRepeat { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Service-level target for the wait; crossing it emits one sla-breached event and lifts a normal ticket to priority.</summary>
    public TimeSpan SlaTarget { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Recall presses allowed; the next one makes the ticket a no-show.</summary>
    public int MaxRecalls { get; init; } = 3;

    /// <summary>Further calls of the service after a no-show within which it may be recovered.</summary>
    public int ToleranceCalls { get; init; } = 5;

    /// <summary>Minutes after a no-show within which it may be recovered.</summary>
    public TimeSpan ToleranceTime { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How often one ticket may be recovered.</summary>
    public int MaxRecoveries { get; init; } = 1;

    /// <summary>A recovered ticket re-enters its lane this many places from the front (fewer if fewer wait).</summary>
    public int RecoverOffset { get; init; } = 3;

    /// <summary>Placement of a ticket transferred into this service when the command does not say.</summary>
    public Placement TransferPlacement { get; init; } = Placement.Front;

    /// <summary>Service time assumed at day start, before any ticket of the day has been served.</summary>
    public TimeSpan SeedServiceTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The service's self-service alternative (智能分流: an ATM, a cash recycler, mobile banking), or null when it names
    /// none. When the service's predicted typical wait reaches <see cref="SelfServiceAlternative.WaitThreshold"/>, the
    /// kiosk suggests it before issuing, the printed ticket mentions it and the signage shows a hint. Profile:
    /// <c>services[].selfService</c>; a change applies live.
    /// The engine only stores it; <see cref="CommandKind.ChooseSelfService"/> is refused
    /// (<see cref="RefusalReason.NoSelfService"/>) for a service without one, and
    /// (<see cref="RefusalReason.SelfServiceNotSuggested"/>) while the wait is under the threshold.
    /// </summary>
    public SelfServiceAlternative? SelfService { get; init; }

    /// <summary>
    /// The printed form of a number of this service, e.g. <c>A023</c>: the prefix and three digits, four when the
    /// range reaches 1000. Allocates; for displays, tickets and logs, not hot paths.
    /// </summary>
    public string FormatNumber(int number)
    {
        Span<char> text = stackalloc char[16];
        TryFormatNumber(number, text, out int written);
        return new string(text[..written]);
    }

    /// <summary>
    /// Writes the printed form of a number (as <see cref="FormatNumber"/>) into <paramref name="destination"/>
    /// without allocating; false when it does not fit (at most 12 characters are needed).
    /// </summary>
    public bool TryFormatNumber(int number, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (destination.IsEmpty || !number.TryFormat(destination[1..], out int digits, LastNumber >= 1000 ? "D4" : "D3", System.Globalization.CultureInfo.InvariantCulture))
        {
            return false;
        }

        destination[0] = Prefix;
        charsWritten = digits + 1;
        return true;
    }

    internal void Validate(string path, List<(string, string)> errors)
    {
        if (Prefix is < 'A' or > 'Z')
        {
            errors.Add(($"{path}.prefix", "must be one capital letter A..Z"));
        }

        if (string.IsNullOrWhiteSpace(Id))
        {
            errors.Add(($"{path}.id", "must not be empty"));
        }

        if (FirstNumber < 1 || LastNumber > 9999 || LastNumber < FirstNumber)
        {
            errors.Add(($"{path}.numbers", "range must satisfy 1 <= first <= last <= 9999"));
        }

        if (DailyCap < 0)
        {
            errors.Add(($"{path}.dailyCap", "must be 0 (no cap) or more"));
        }

        if (CareThreshold <= TimeSpan.Zero)
        {
            errors.Add(($"{path}.careMinutes", "must be more than 0"));
        }

        if (CareRepeat < TimeSpan.Zero)
        {
            errors.Add(($"{path}.careRepeatMinutes", "must be 0 (once) or more"));
        }

        if (SlaTarget <= TimeSpan.Zero)
        {
            errors.Add(($"{path}.slaMinutes", "must be more than 0"));
        }

        if (MaxRecalls is < 0 or > 20)
        {
            errors.Add(($"{path}.maxRecalls", "must be between 0 and 20"));
        }

        if (ToleranceCalls < 0)
        {
            errors.Add(($"{path}.toleranceCalls", "must be 0 or more"));
        }

        if (ToleranceTime < TimeSpan.Zero)
        {
            errors.Add(($"{path}.toleranceMinutes", "must be 0 or more"));
        }

        if (MaxRecoveries < 0)
        {
            errors.Add(($"{path}.maxRecoveries", "must be 0 or more"));
        }

        if (RecoverOffset < 0)
        {
            errors.Add(($"{path}.recoverOffset", "must be 0 or more"));
        }

        if (SeedServiceTime <= TimeSpan.Zero)
        {
            errors.Add(($"{path}.seedServiceMinutes", "must be more than 0"));
        }

        if (SelfService is { } alternative)
        {
            if (string.IsNullOrWhiteSpace(alternative.Name))
            {
                errors.Add(($"{path}.selfService.name", "must not be empty"));
            }

            if (alternative.WaitThreshold < TimeSpan.FromMinutes(1) || alternative.WaitThreshold > TimeSpan.FromHours(8))
            {
                errors.Add(($"{path}.selfService.waitMinutes", "must be between 1 and 480 minutes"));
            }
        }
    }
}

/// <summary>
/// A service's self-service alternative (智能分流), suggested to customers while the service's predicted typical wait
/// is at least <paramref name="WaitThreshold"/>.
/// </summary>
/// <param name="Name">What to use and where, in English, e.g. <c>ATM / cash recycler in the lobby</c>.</param>
/// <param name="NameZh">The same in Chinese (printed via GB18030), e.g. <c>大厅自助存取款机</c>; empty when not given.</param>
/// <param name="WaitThreshold">The predicted typical wait from which it is suggested, 1 min .. 8 h.</param>
public sealed record SelfServiceAlternative(string Name, string NameZh, TimeSpan WaitThreshold)
{
    /// <summary>Whether a predicted typical wait of <paramref name="typicalWaitMs"/> ms (-1 unknown) reaches the threshold.</summary>
    public bool IsSuggestedAt(long typicalWaitMs) => typicalWaitMs >= 0 && typicalWaitMs >= (long)WaitThreshold.TotalMilliseconds;
}

/// <summary>A service a counter serves, with its weight for <see cref="CounterMode.Weighted"/>.</summary>
/// <param name="Service">Index into <see cref="BranchConfig.Services"/>.</param>
/// <param name="Weight">Relative share, 1..100.</param>
public readonly record struct ServiceWeight(int Service, int Weight = 1);

/// <summary>A counter (窗口) and its calling profile.</summary>
public sealed class CounterConfig
{
    /// <summary>The number shown to customers, 1..999.</summary>
    public required int Number { get; init; }

    /// <summary>How the counter picks across its services.</summary>
    public CounterMode Mode { get; init; } = CounterMode.Ordered;

    /// <summary>The services it serves, in order of preference for <see cref="CounterMode.Ordered"/>.</summary>
    public required IReadOnlyList<ServiceWeight> Services { get; init; }

    /// <summary>
    /// Button-only caller: calling next while the previous call was never started makes that
    /// ticket a no-show (rather than an implicitly served customer).
    /// </summary>
    public bool ButtonOnly { get; init; }

    /// <summary>Whether the counter is logged in when the day opens.</summary>
    public bool OpenAtDayStart { get; init; } = true;
}
