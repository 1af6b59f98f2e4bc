using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Reflection;
using LobbyEdge.HeadOffice;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Advice;
using LobbyEdge.Service.Clock;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using LobbyEdge.Voice;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace LobbyEdge.Service;

/// <summary>
/// Checks the configuration outside the branch profile before anything starts: every key the operator set
/// (in <c>appsettings*.json</c>, <c>LOBBYEDGE__</c> environment variables or <c>--Section:Key=value</c>) must be
/// one the service reads, and every value must bind and lie in its range. A mistake stops the start with exit
/// code 2 and names the key, the value and, for a misspelling, the key that was probably meant. The value of a key the
/// service does not know is never shown (it may be a password under a misspelt key); what is shown of a known key's
/// value follows <see cref="ConfiguredSecrets"/>: a <c>…File</c> key must be an absolute path and any other value of it
/// is refused without being shown, a key whose name suggests a secret never has its value shown, and a URL's user
/// information is shown as <c>***</c>. Every problem line, the configuration binder's own message included, is scrubbed
/// of the values that must not be shown (<see cref="ConfiguredSecrets.Scrub"/>).
/// </summary>
internal static class ConfigurationCheck
{
    /// <summary>
    /// The sections the service reads, each with the options class whose settable properties are its keys (null: any
    /// key), and the classes nested in them (a section path such as <c>HeadOffice:Tls</c>). The options classes are the
    /// one source of truth: a property added to one is a key here. Their public properties are kept in a trimmed
    /// (Native AOT) binary because the table names the types (<see cref="OptionsSection"/>).
    /// </summary>
    private static readonly OptionsSection[] s_sections =
    [
        new(HttpSection, typeof(HttpOptions)),
        new(EventLogSection, typeof(EventLogOptions)),
        new(VoiceOptions.Section, typeof(VoiceOptions)),
        new(HeadOfficeOptions.SectionName, typeof(HeadOfficeOptions)),
        new(ClockOptions.Section, typeof(ClockOptions)),
        new(KioskOptions.Section, typeof(KioskOptions)),
        new(ConsoleOptions.Section, typeof(ConsoleOptions)),
        new(RatingOptions.Section, typeof(RatingOptions)),
        new(AdviceSettings.Section, typeof(AdviceSettings)),
        new(SimulationOptions.Section, typeof(SimulationOptions)),

        // The framework's own section: its keys are category names, not a fixed list.
        new("Logging", null),
    ];

    /// <summary>The classes nested in a section's options, by their path (<c>HeadOffice:Tls</c>).</summary>
    private static readonly OptionsSection[] s_nested =
    [
        new(ConfigurationPath.Combine(HeadOfficeOptions.SectionName, nameof(HeadOfficeOptions.Tls)), typeof(HeadOfficeTlsOptions)),
    ];

    /// <summary>The names of the sections the service reads, as <c>lobby-edge --help</c> lists them.</summary>
    internal static IEnumerable<string> SectionNames => s_sections.Select(s => s.Name);

    /// <summary>Keys the .NET host itself reads from the command line and the environment.</summary>
    private static readonly string[] s_hostKeys = ["environment", "applicationName", "contentRoot"];

    /// <summary>The <c>Http</c> section's name.</summary>
    public const string HttpSection = "Http";

    /// <summary>The <c>EventLog</c> section's name.</summary>
    public const string EventLogSection = "EventLog";

    /// <summary>
    /// Checks every key the operator set and every section's values.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// One line per problem: <c>Section:Key = 'value': what is wrong</c> (the value as <see cref="ConfiguredSecrets.Shown"/>
    /// allows, <c>***</c> where it must not be shown), or <c>Section:Key: what is wrong</c> for an unknown key and a
    /// <c>…File</c> key that is not an absolute path.
    /// </exception>
    public static void Check(IConfigurationRoot configuration, Func<IConfigurationSource, bool> isOperatorSource)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        SortedSet<string> valued = new(StringComparer.OrdinalIgnoreCase);
        SortedSet<string> operatorKeys = OperatorKeys(configuration, isOperatorSource, valued);
        foreach (string key in operatorKeys)
        {
            if (UnknownKey(key, valued.Contains(key)) is { } problem && !problems.Contains(problem))
            {
                // Not the value: what a key the service does not know holds is unknown too, and a misspelt
                // password key (HeadOffice:Passwrd) would put the password into the journal.
                problems.Add(problem);
            }
        }

        foreach (string key in FileKeys)
        {
            // Every path setting, one rule: an absolute path, and not the value when it is not one, which may be the
            // secret itself in the wrong key (HeadOffice:PasswordFile=hunter2). Empty means "none" or "the default"
            // to its section, which says so if it needs one.
            if (configuration[key] is { } path && !string.IsNullOrWhiteSpace(path) && ConfiguredSecrets.FileProblem(path) is { } fileProblem)
            {
                problems.Add($"{key}: {fileProblem}");
            }
        }

        var http = Bind(configuration, HttpSection, problems, static s => s.Get<HttpOptions>());
        if (http is not null)
        {
            if (!IPAddress.TryParse(http.Address, out _))
            {
                problems.Add($"{HttpSection}:Address = '{http.Address}': not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)");
            }

            Range(problems, HttpSection, "Port", http.Port, 0, 65535, "a TCP port");
        }

        if (Bind(configuration, EventLogSection, problems, static s => s.Get<EventLogOptions>()) is { } log)
        {
            // Below 1 day retention would delete the closed segments of the day before at once.
            Range(problems, EventLogSection, "RetentionDays", log.RetentionDays, 1, 36_500, "days");
            Range(problems, EventLogSection, "SnapshotEveryEvents", log.SnapshotEveryEvents, 1, int.MaxValue, "events");
        }

        if (Bind(configuration, VoiceOptions.Section, problems, static s => s.Get<VoiceOptions>()) is { } voice)
        {
            Range(problems, VoiceOptions.Section, "PlayTimeoutSeconds", voice.PlayTimeoutSeconds, 0.1, 3600, "seconds");
            Range(problems, VoiceOptions.Section, "LeadInMilliseconds", voice.LeadInMilliseconds, 0, 10_000, "milliseconds");
            Range(problems, VoiceOptions.Section, "GapMilliseconds", voice.GapMilliseconds, 0, 10_000, "milliseconds");
            for (int i = 0; i < voice.Languages.Count; i++)
            {
                if (!VoiceLanguages.TryParse(voice.Languages[i], out _))
                {
                    problems.Add($"{VoiceOptions.Section}:Languages:{i} = '{voice.Languages[i]}': not a voice language (zh-CN or en)");
                }
            }

            if (string.IsNullOrWhiteSpace(voice.Player))
            {
                problems.Add($"{VoiceOptions.Section}:Player = '{voice.Player}': a command is needed (default '{VoiceOptions.DefaultPlayer}')");
            }
        }

        // Values that do not convert only: the section's own check (HeadOfficeOptions.Validate, files included) runs
        // when the link is set up, still before anything starts.
        _ = Bind(configuration, HeadOfficeOptions.SectionName, problems, static s => s.Get<HeadOfficeOptions>());

        if (Bind(configuration, ClockOptions.Section, problems, static s => s.Get<ClockOptions>()) is { } clock)
        {
            if (ClockSynchronization.TryParseSource(clock.Synchronization) is null)
            {
                problems.Add($"{ClockOptions.Section}:Synchronization = '{clock.Synchronization}': must be 'kernel' or 'trusted'");
            }

            Range(problems, ClockOptions.Section, "StepThresholdSeconds", clock.StepThresholdSeconds, 0.01, 3600, "seconds");
        }

        if (Bind(configuration, KioskOptions.Section, problems, static s => s.Get<KioskOptions>()) is { } kiosk)
        {
            problems.AddRange(KioskGate.Problems(kiosk));
        }

        if (Bind(configuration, ConsoleOptions.Section, problems, static s => s.Get<ConsoleOptions>()) is { } console)
        {
            Range(problems, ConsoleOptions.Section, "SessionIdleMinutes", console.SessionIdleMinutes, 1, 720, "minutes");
            Range(problems, ConsoleOptions.Section, "SessionMaxHours", console.SessionMaxHours, 1, 24, "hours");
            Range(problems, ConsoleOptions.Section, "LockoutFailures", console.LockoutFailures, 1, 100, "failures");
            Range(problems, ConsoleOptions.Section, "LockoutMinutes", console.LockoutMinutes, 1, 1440, "minutes");
            Range(problems, ConsoleOptions.Section, "OverdueMinutes", console.OverdueMinutes, 1, 120, "minutes");
        }

        if (Bind(configuration, RatingOptions.Section, problems, static s => s.Get<RatingOptions>()) is { } rating)
        {
            problems.AddRange(RatingOptions.Problems(rating));
        }

        if (Bind(configuration, AdviceSettings.Section, problems, static s => s.Get<AdviceSettings>()) is { } advice)
        {
            problems.AddRange(AdviceSettings.Problems(advice));
        }

        if (Bind(configuration, SimulationOptions.Section, problems, static s => s.Get<SimulationOptions>()) is { } simulation)
        {
            problems.AddRange(SimulationOptions.Problems(simulation));
        }

        // The logging providers read these themselves and would throw at the first log line (exit 134).
        foreach (IConfigurationSection level in configuration.GetSection("Logging").AsEnumerable(makePathsRelative: false)
            .Where(kv => kv.Value is not null && IsLogLevelKey(kv.Key))
            .Select(kv => configuration.GetSection(kv.Key)))
        {
            if (!Enum.TryParse(level.Value, ignoreCase: true, out Microsoft.Extensions.Logging.LogLevel _) || int.TryParse(level.Value, out _))
            {
                problems.Add($"{level.Path} = '{level.Value}': not a log level (Trace, Debug, Information, Warning, Error, Critical, None)");
            }
        }

        if (problems.Count > 0)
        {
            // One place for every line, the checks' own and the binder's: whatever a line quotes of a value that must not
            // be shown (a secret-looking key's, a relative path's, a URL's user information) is replaced.
            string text = string.Join(Environment.NewLine, problems);
            text = ConfiguredSecrets.Scrub(text, operatorKeys.Select(k => KeyValuePair.Create(k, configuration[k]))
                .Concat(FileKeys.Select(k => KeyValuePair.Create(k, configuration[k])))
                .Concat(s_sections.SelectMany(section => configuration.GetSection(section.Name).AsEnumerable(makePathsRelative: false))));
            throw new InvalidDataException("invalid configuration:" + Environment.NewLine + text);
        }
    }

    /// <summary>A key under <c>Logging</c> that sets a level: <c>Logging:LogLevel:*</c> or <c>Logging:{Provider}:LogLevel:*</c>.</summary>
    private static bool IsLogLevelKey(string key)
    {
        string[] parts = key.Split(':');
        return parts.Length >= 3 && (string.Equals(parts[1], "LogLevel", StringComparison.OrdinalIgnoreCase)
            || (parts.Length >= 4 && string.Equals(parts[2], "LogLevel", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// Binds one section with <paramref name="get"/> (a <c>Get&lt;TOptions&gt;</c> call on the concrete type, which the
    /// configuration-binding source generator turns into code), refusing values that do not convert; the defaults
    /// when the section is absent, null (with a problem) when a value does not convert.
    /// </summary>
    private static T? Bind<T>(IConfiguration configuration, string section, List<string> problems, Func<IConfigurationSection, T?> get)
        where T : class, new()
    {
        IConfigurationSection values = configuration.GetSection(section);
        try
        {
            return get(values) ?? new T();
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key, the type and the value ("Failed to convert configuration value
            // 'http' at 'Http:Port' to type 'System.Int32'."); the problem line names the value first. Both are
            // scrubbed with every other line before they are shown (Check), so a value that must not be shown is not.
            string? key = values.AsEnumerable(makePathsRelative: false)
                .Where(kv => kv.Value is not null && e.Message.Contains($"'{kv.Key}'", StringComparison.OrdinalIgnoreCase))
                .Select(kv => kv.Key)
                .FirstOrDefault();
            problems.Add(key is null ? $"{section}: {e.Message}" : $"{key} = '{configuration[key]}': {e.Message}");
            return null;
        }
    }

    private static void Range(List<string> problems, string section, string key, double value, double min, double max, string what)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:{key} = '{value}': must be {what} from {min} to {max}"));
        }
    }

    /// <summary>Every leaf key the operator's sources set, as <c>Section:Key</c> paths.</summary>
    private static SortedSet<string> OperatorKeys(IConfigurationRoot configuration, Func<IConfigurationSource, bool> isOperatorSource, SortedSet<string> valued)
    {
        var keys = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        IList<IConfigurationSource> sources = configuration is IConfigurationBuilder builder ? builder.Sources : [];
        int i = 0;
        foreach (IConfigurationProvider provider in configuration.Providers)
        {
            IConfigurationSource? source = i < sources.Count ? sources[i] : null;
            i++;
            if (source is not null && isOperatorSource(source))
            {
                Walk(provider, null, keys, valued);
            }
        }

        return keys;
    }

    /// <summary>
    /// Adds every key <paramref name="provider"/> sets under <paramref name="path"/> to <paramref name="keys"/>, and
    /// those with a value (not null: a JSON <c>{}</c> or <c>null</c> sets a key without one) to <paramref name="valued"/>.
    /// </summary>
    private static void Walk(IConfigurationProvider provider, string? path, SortedSet<string> keys, SortedSet<string> valued)
    {
        foreach (string child in provider.GetChildKeys([], path).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            string full = path is null ? child : ConfigurationPath.Combine(path, child);
            if (provider.TryGet(full, out string? value))
            {
                keys.Add(full);
                if (value is not null)
                {
                    valued.Add(full);
                }
            }

            Walk(provider, full, keys, valued);
        }
    }

    /// <summary>
    /// What is wrong with a key the operator set, or null when the service reads it. <paramref name="hasValue"/>: the
    /// key was given a value; a value given to a section (<c>--HeadOffice:Tls=true</c>, <c>--Logging:LogLevel=Debug</c>)
    /// is never read, and was accepted without a word.
    /// </summary>
    internal static string? UnknownKey(string key, bool hasValue = false)
    {
        string[] parts = key.Split(ConfigurationPath.KeyDelimiter);
        foreach (string host in s_hostKeys)
        {
            if (parts.Length == 1 && string.Equals(parts[0], host, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        foreach (OptionsSection section in s_sections)
        {
            if (string.Equals(parts[0], section.Name, StringComparison.OrdinalIgnoreCase))
            {
                if (section.Options is null)
                {
                    // Logging: any category, but the section itself and its LogLevel sections take no value.
                    bool level = parts.Length == 1 || string.Equals(parts[^1], "LogLevel", StringComparison.OrdinalIgnoreCase);
                    return hasValue && level
                        ? $"{key}: a section, a value here is not read; set a level in it, e.g. {ConfigurationPath.Combine(parts.Length == 1 ? [section.Name, "LogLevel"] : parts)}:Default=Warning"
                        : null;
                }

                return parts.Length == 1 && hasValue
                    ? SectionGivenAValue(key, section.Options)
                    : UnknownKey(section.Options, section.Name, parts, 1, hasValue);
            }
        }

        string? meant = ClosestName.Find(parts[0], s_sections.Select(s => s.Name).Concat(s_hostKeys));
        return $"{key}: unknown section '{parts[0]}'" + (meant is null ? $"; known sections: {string.Join(", ", s_sections.Select(s => s.Name))}" : $"; did you mean '{meant}'?");
    }

    private static string? UnknownKey([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type, string path, string[] parts, int at, bool hasValue)
    {
        if (at >= parts.Length)
        {
            return null;
        }

        PropertyInfo[] properties = KeysOf(type);
        PropertyInfo? property = properties.FirstOrDefault(p => string.Equals(p.Name, parts[at], StringComparison.OrdinalIgnoreCase));
        string here = string.Join(ConfigurationPath.KeyDelimiter, parts[..(at + 1)]);
        if (property is null)
        {
            string? meant = ClosestName.Find(parts[at], properties.Select(p => p.Name));
            return $"{here}: unknown key '{parts[at]}' in section '{path}'"
                + (meant is null ? $"; known keys: {string.Join(", ", properties.Select(p => p.Name))}" : $"; did you mean '{path}:{meant}'?");
        }

        Type t = property.PropertyType;
        if (IsList(t))
        {
            // A list: the next part is its index, and nothing may follow it.
            return at + 1 < parts.Length && int.TryParse(parts[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out _) && at + 2 == parts.Length
                ? null
                : $"{here}: a list; set it as {here}:0, {here}:1, ...";
        }

        if (NestedOptions(t) is { } nested)
        {
            return at + 1 == parts.Length && hasValue
                ? SectionGivenAValue(here, nested.Options!)
                : UnknownKey(nested.Options!, ConfigurationPath.Combine(path, property.Name), parts, at + 1, hasValue);
        }

        return at + 1 == parts.Length ? null : $"{string.Join(ConfigurationPath.KeyDelimiter, parts)}: '{here}' is a single value, it has no keys";
    }

    /// <summary>The keys an options class reads: its public settable properties and its lists.</summary>
    private static PropertyInfo[] KeysOf([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options) =>
        [.. options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.CanWrite || IsList(p.PropertyType)))];

    /// <summary>A value given to the section <paramref name="key"/> (not read): which keys it has, and one to set instead.</summary>
    private static string SectionGivenAValue(string key, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options)
    {
        string[] names = [.. KeysOf(options).Select(p => p.Name)];
        return $"{key}: a section, a value here is not read; set one of its keys ({string.Join(", ", names)}), e.g. {key}:{names[0]}=...";
    }

    /// <summary>
    /// The nested options class <paramref name="type"/> as <see cref="s_nested"/> lists it, or null for a single value
    /// (ConfigurationCheckTests keeps every class nested in an options class listed).
    /// </summary>
    internal static OptionsSection? NestedOptions(Type type) =>
        type.IsClass && type != typeof(string) ? Array.Find(s_nested, n => n.Options == type) : null;

    /// <summary>
    /// Every path setting (<see cref="ConfiguredSecrets.IsFileKey"/>: a string key whose name ends in <c>File</c>) of every
    /// options class, as <c>Section:Key</c> paths spelt as the classes spell them, e.g. <c>HeadOffice:Tls:ClientKeyFile</c>.
    /// </summary>
    internal static IEnumerable<string> FileKeys => AllOptions.SelectMany(o => o.Options!
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.PropertyType == typeof(string) && p.CanWrite && ConfiguredSecrets.IsFileKey(p.Name))
        .Select(p => ConfigurationPath.Combine(o.Name, p.Name)));

    /// <summary>Every options class the check knows (sections and nested), for the tests that keep the table whole.</summary>
    internal static IEnumerable<OptionsSection> AllOptions => s_sections.Where(s => s.Options is not null).Concat(s_nested);

    private static bool IsList(Type t) => t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t);

    /// <summary>Whether a configuration source is one the operator writes (not the process's whole environment).</summary>
    internal static bool IsOperatorSource(IConfigurationSource source) => source switch
    {
        JsonConfigurationSource => true,
        CommandLineConfigurationSource => true,
        EnvironmentVariablesConfigurationSource e => e.Prefix == LobbyEdgeHost.EnvironmentPrefix,
        _ => false,
    };

    /// <summary>A configuration section (or a class nested in one) and the options class that lists its keys.</summary>
    /// <param name="name">The section's path, e.g. <c>Http</c> or <c>HeadOffice:Tls</c>.</param>
    /// <param name="options">The options class whose public settable properties (and lists) are the keys, or null for any key.</param>
    internal sealed class OptionsSection(
        string name,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type? options)
    {
        /// <summary>The section's path.</summary>
        public string Name { get; } = name;

        /// <summary>The options class, or null for any key.</summary>
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
        public Type? Options { get; } = options;
    }
}
