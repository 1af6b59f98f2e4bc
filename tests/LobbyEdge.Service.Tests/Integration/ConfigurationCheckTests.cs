using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 11: configuration outside the branch profile (command line, <c>LOBBYEDGE__</c> environment) is
/// checked at start, on the real process: exit code 2, the key and the value named, and for a misspelling the key
/// that was probably meant; nothing started.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConfigurationCheckTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-config-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("--Http:Port=70000", "Http:Port", "70000")]
    [InlineData("--Http:Port=-1", "Http:Port", "-1")]
    [InlineData("--Http:Port=http", "Http:Port", "http")]
    [InlineData("--Http:Address=lobby.local", "Http:Address", "lobby.local")]
    [InlineData("--Http:Enabled=maybe", "Http:Enabled", "maybe")]
    [InlineData("--EventLog:RetentionDays=-3", "EventLog:RetentionDays", "-3")]
    [InlineData("--EventLog:RetentionDays=0", "EventLog:RetentionDays", "0")]
    [InlineData("--EventLog:SnapshotEveryEvents=0", "EventLog:SnapshotEveryEvents", "0")]
    [InlineData("--Voice:PlayTimeoutSeconds=0", "Voice:PlayTimeoutSeconds", "0")]
    [InlineData("--Clock:Synchronization=ntp", "Clock:Synchronization", "ntp")]
    [InlineData("--Clock:StepThresholdSeconds=0", "Clock:StepThresholdSeconds", "0")]
    [InlineData("--HeadOffice:KeepAliveSeconds=often", "HeadOffice:KeepAliveSeconds", "often")]
    [InlineData("--Voice:Languages:0=xx", "Voice:Languages:0", "xx")]
    [InlineData("--Logging:LogLevel:Default=Loud", "Logging:LogLevel:Default", "Loud")]
    [InlineData("--Logging:LogLevel:LobbyEdge=Loud", "Logging:LogLevel:LobbyEdge", "Loud")]
    [InlineData("--Logging:Console:LogLevel:Default=7", "Logging:Console:LogLevel:Default", "7")]
    [InlineData("--Rating:PromptSeconds=0", "Rating:PromptSeconds", "0")]
    [InlineData("--Rating:PromptSeconds=256", "Rating:PromptSeconds", "256")]
    [InlineData("--Rating:PromptSeconds=soon", "Rating:PromptSeconds", "soon")]
    [InlineData("--Rating:PromptOnFinish=sometimes", "Rating:PromptOnFinish", "sometimes")]
    [InlineData("--Advice:ServiceLevelTarget=1.5", "Advice:ServiceLevelTarget", "1.5")]
    [InlineData("--Advice:ServiceLevelTarget=high", "Advice:ServiceLevelTarget", "high")]
    [InlineData("--Advice:HorizonMinutes=90", "Advice:HorizonMinutes", "90")]
    [InlineData("--Advice:EvaluateEveryMinutes=0", "Advice:EvaluateEveryMinutes", "0")]
    [InlineData("--Advice:RepeatAfterMinutes=0.5", "Advice:RepeatAfterMinutes", "0.5")]
    [InlineData("--Advice:RetainedDays=0", "Advice:RetainedDays", "0")]
    [InlineData("--Advice:Enabled=perhaps", "Advice:Enabled", "perhaps")]
    public async Task ValueOutOfRangeOrNotConverting_ExitsTwoNamingKeyAndValue(string argument, string key, string value)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(null, argument);
        Assert.Equal(2, exitCode);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
        Assert.Contains(value, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
    }

    [Theory]
    [InlineData("--Htpp:Port=9999", "Htpp", "did you mean 'Http'")]
    [InlineData("--EventLogs:RetentionDays=3", "EventLogs", "did you mean 'EventLog'")]
    [InlineData("--Http:Prot=9999", "Http:Prot", "did you mean 'Http:Port'")]
    [InlineData("--EventLog:RetentionDay=3", "EventLog:RetentionDay", "did you mean 'EventLog:RetentionDays'")]
    [InlineData("--Voice:Languages:First=en", "Voice:Languages", "Voice:Languages:0")]
    [InlineData("--Clock:Synchronisation=trusted", "Clock:Synchronisation", "did you mean 'Clock:Synchronization'")]
    [InlineData("--Signage:Enabled=true", "Signage", "unknown section")]
    [InlineData("--Kiosk:Enabled=true", "Kiosk:Enabled", "unknown key 'Enabled' in section 'Kiosk'")]
    [InlineData("--Kiosk:TicketPerMinute=5", "Kiosk:TicketPerMinute", "did you mean 'Kiosk:TicketsPerMinute'")]
    [InlineData("--Rating:PromptSecond=20", "Rating:PromptSecond", "did you mean 'Rating:PromptSeconds'")]
    [InlineData("--Advice:HorizonMinute=30", "Advice:HorizonMinute", "did you mean 'Advice:HorizonMinutes'")]
    [InlineData("--Advise:Enabled=false", "Advise", "did you mean 'Advice'")]
    public async Task UnknownSectionOrKey_ExitsTwoSayingWhichWasMeant(string argument, string key, string hint)
    {
        (int exitCode, _, string stderr) = await RunAsync(null, argument);
        Assert.Equal(2, exitCode);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
        Assert.Contains(hint, stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The kind: a secret in a configuration value echoed by the check into stderr (the journal under systemd). A
    /// misspelt or made-up password key showed its value ("unknown key … (value 'hunter2')"), and a broker address with
    /// credentials in it was echoed whole. Now an unknown key's value is never shown, and a URL's user information is
    /// shown as ***. Then the two left: a secret put into a <c>…File</c> key was quoted by "file '…' does not exist" or
    /// "cannot be read" (now such a key takes an absolute path, and any other value is refused without being shown), and
    /// a value that does not convert was quoted in full by the configuration binder's own message, which the check line
    /// repeated after masking its own copy (now every problem line is scrubbed of the values that must not be shown);
    /// a key whose name suggests a secret (a logging category here, the only such key that takes a checked value)
    /// never has its value shown.
    /// </summary>
    [Theory]
    [InlineData("LOBBYEDGE__HeadOffice__Passwrd", "hunter2", "HeadOffice:Passwrd")]
    [InlineData("LOBBYEDGE__HeadOffice__Password", "S3cretPW", "HeadOffice:Password")]
    [InlineData("LOBBYEDGE__Kiosk__Token", "tok-4f2a9c", "Kiosk:Token")]
    [InlineData("LOBBYEDGE__MqttPassword", "S3cretPW", "MqttPassword")]
    [InlineData("--HeadOffice:Password", "S3cretPW", "HeadOffice:Password")]
    [InlineData("--HeadOffice:Brokers:0", "mqtt://admin:S3cretPW@127.0.0.1:1883", "HeadOffice:Brokers:0")]
    [InlineData("--HeadOffice:Brokers:0", "admin:S3cretPW@127.0.0.1:1883", "HeadOffice:Brokers:0")]
    [InlineData("--HeadOffice:Brokers:0", "mqtts://S3cretPW@broker.example.com", "HeadOffice:Brokers:0")]
    [InlineData("--HeadOffice:PasswordFile", "hunter2", "HeadOffice:PasswordFile")]
    [InlineData("LOBBYEDGE__HeadOffice__UsernameFile", "S3cretPW", "HeadOffice:UsernameFile")]
    [InlineData("--HeadOffice:Tls:ClientKeyFile", "S3cretPW", "HeadOffice:Tls:ClientKeyFile")]
    [InlineData("--HeadOffice:Tls:ClientCertFile", "S3cretPW", "HeadOffice:Tls:ClientCertFile")]
    [InlineData("--HeadOffice:Tls:CaFile", "S3cretPW", "HeadOffice:Tls:CaFile")]
    [InlineData("--Kiosk:TokenFile", "tok-4f2a9c", "Kiosk:TokenFile")]
    [InlineData("LOBBYEDGE__Lobby__StaffFile", "hunter2", "Lobby:StaffFile")]
    [InlineData("--Http:Port", "mqtt://admin:S3cretPW@127.0.0.1:1883", "Http:Port")]
    [InlineData("--Http:Address", "mqtt://admin:S3cretPW@127.0.0.1", "Http:Address")]
    [InlineData("--HeadOffice:KeepAliveSeconds", "mqtt://admin:S3cretPW@127.0.0.1:1883", "HeadOffice:KeepAliveSeconds")]
    [InlineData("--Logging:LogLevel:MqttPassword", "hunter2", "Logging:LogLevel:MqttPassword")]
    public async Task ASecretInAValue_IsNeverEchoed_TheKeyIsNamed(string where, string secret, string key)
    {
        (int exitCode, string stdout, string stderr) = where.StartsWith("--", StringComparison.Ordinal)
            ? await RunAsync(null, $"{where}={secret}")
            : await RunAsync(new Dictionary<string, string> { [where] = secret });
        output.WriteLine(stderr);
        Assert.Equal(2, exitCode);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretPW", stderr + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-4f2a9c", stderr + stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A <c>…File</c> key takes an absolute path: anything else is refused naming the key and not the value; an absolute
    /// path that does not exist, or names a folder, is still shown (the technician needs it to fix the mistake); a folder
    /// was "does not exist" or "Access to the path … is denied" before.
    /// </summary>
    [Theory]
    [InlineData("--HeadOffice:PasswordFile=mqtt-password", "HeadOffice:PasswordFile: must be an absolute path")]
    [InlineData("--Kiosk:TokenFile=./kiosk-tokens", "Kiosk:TokenFile: must be an absolute path")]
    [InlineData("--Lobby:StaffFile=staff.txt", "Lobby:StaffFile: must be an absolute path")]
    [InlineData("--kiosk:tokenfile=tok-4f2a9c", "Kiosk:TokenFile: must be an absolute path")]
    [InlineData("--HeadOffice:PasswordFile=/nonexistent/mqtt-password", "HeadOffice:PasswordFile: file '/nonexistent/mqtt-password' does not exist")]
    [InlineData("--Kiosk:TokenFile=/nonexistent/kiosk-tokens", "Kiosk:TokenFile '/nonexistent/kiosk-tokens': cannot be read")]
    [InlineData("--HeadOffice:PasswordFile=/etc", "HeadOffice:PasswordFile: '/etc' is a folder, not a file: name the file in it")]
    [InlineData("--HeadOffice:Tls:CaFile=/etc/ssl", "HeadOffice:Tls:CaFile: '/etc/ssl' is a folder, not a file: name the file in it")]
    [InlineData("--Kiosk:TokenFile=/etc", "Kiosk:TokenFile: '/etc' is a folder, not a file: name the file in it")]
    [InlineData("--Lobby:StaffFile=/etc", "/etc: is a directory, not a staff file")]
    public async Task AFileKey_TakesAnAbsolutePath_WhichIsShown(string argument, string message)
    {
        (int exitCode, _, string stderr) = await RunAsync(null, argument);
        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        string value = argument[(argument.IndexOf('=', StringComparison.Ordinal) + 1)..];
        Assert.Equal(Path.IsPathFullyQualified(value), stderr.Contains(value, StringComparison.Ordinal));
    }

    /// <summary>
    /// The kind: a value given to a section, which nothing reads (the section's keys keep their defaults). It was
    /// accepted without a word: <c>--HeadOffice:Tls=true</c> looked like TLS switched on and was not. Now exit 2, naming
    /// the section, its keys and one to set instead; on the command line and in the environment alike. A JSON <c>{}</c>
    /// (a section with nothing in it) stays fine.
    /// </summary>
    [Theory]
    [InlineData("--HeadOffice:Tls=true", "HeadOffice:Tls: a section, a value here is not read; set one of its keys (Enabled, CaFile, ClientCertFile, ClientKeyFile, ServerName), e.g. HeadOffice:Tls:Enabled=...")]
    [InlineData("--Logging:LogLevel=Debug", "Logging:LogLevel: a section, a value here is not read; set a level in it, e.g. Logging:LogLevel:Default=Warning")]
    [InlineData("--Logging:Console:LogLevel=Debug", "Logging:Console:LogLevel: a section, a value here is not read; set a level in it, e.g. Logging:Console:LogLevel:Default=Warning")]
    [InlineData("LOBBYEDGE__Http=8080", "Http: a section, a value here is not read; set one of its keys (")]
    [InlineData("LOBBYEDGE__Kiosk=on", "Kiosk: a section, a value here is not read; set one of its keys (")]
    [InlineData("LOBBYEDGE__Logging=Debug", "Logging: a section, a value here is not read; set a level in it, e.g. Logging:LogLevel:Default=Warning")]
    public async Task AValueGivenToASection_IsRefused_NamingItsKeys(string setting, string message)
    {
        (int exitCode, _, string stderr) = setting.StartsWith("--", StringComparison.Ordinal)
            ? await RunAsync(null, setting)
            : await RunAsync(new Dictionary<string, string> { [setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..] });
        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "HeadOffice": { "Tls": {} }, "Logging": { "LogLevel": {} } }""", null)]
    [InlineData("""{ "HeadOffice": { "Tls": null } }""", null)]
    [InlineData("""{ "HeadOffice": { "Tls": "true" } }""", "HeadOffice:Tls: a section, a value here is not read")]
    [InlineData("""{ "Logging": { "LogLevel": "Debug" } }""", "Logging:LogLevel: a section, a value here is not read")]
    public void ASectionInAJsonFile_MayBeEmpty_ButTakesNoValue(string json, string? problem)
    {
        // The JSON provider sets a key without a value for {} and null: a section with nothing in it, not a value.
        using var configuration = new ConfigurationManager();
        configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        InvalidDataException? refused = Record.Exception(() => { ConfigurationCheck.Check(configuration, _ => true); }) as InvalidDataException;
        if (problem is null)
        {
            Assert.Null(refused);
        }
        else
        {
            Assert.Contains(problem, refused?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryKeyOfEveryOptionsClass_IsKnown_AndEveryNestedClassIsListed()
    {
        // The options classes are the check's one source of truth (the published binary keeps their properties
        // because the check's table names the types); a class nested in one must be in the table too.
        int keys = 0;
        foreach (ConfigurationCheck.OptionsSection section in ConfigurationCheck.AllOptions)
        {
            foreach (System.Reflection.PropertyInfo property in section.Options!.GetProperties())
            {
                Type type = property.PropertyType;
                bool list = type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type);
                if (!property.CanWrite && !list)
                {
                    continue;
                }

                string key = $"{section.Name}:{property.Name}" + (list ? ":0" : "");
                if (type.IsClass && type != typeof(string) && !list)
                {
                    Assert.True(ConfigurationCheck.NestedOptions(type) is not null, $"{key}: {type.Name} is not listed among the nested options");
                    continue;
                }

                Assert.Null(ConfigurationCheck.UnknownKey(key));
                Assert.Null(ConfigurationCheck.UnknownKey(key.ToLowerInvariant()));
                keys++;
            }
        }

        output.WriteLine($"{keys} keys known");
        Assert.True(keys > 40, $"only {keys} keys");
        Assert.Null(ConfigurationCheck.UnknownKey("HeadOffice:Tls:CaFile"));

        // Every path setting takes the one rule for files (ConfiguredSecrets.FileProblem).
        Assert.Equal(
            ["HeadOffice:PasswordFile", "HeadOffice:Tls:CaFile", "HeadOffice:Tls:ClientCertFile", "HeadOffice:Tls:ClientKeyFile", "HeadOffice:UsernameFile", "Kiosk:TokenFile", "Lobby:StaffFile"],
            ConfigurationCheck.FileKeys.Order(StringComparer.Ordinal));
        Assert.Contains("did you mean 'HeadOffice:Tls:CaFile'", ConfigurationCheck.UnknownKey("HeadOffice:Tls:CaFlie"), StringComparison.Ordinal);
        Assert.Contains("is a single value", ConfigurationCheck.UnknownKey("Http:Port:Number"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentVariables_AreCheckedLikeTheCommandLine_AndOnlyTheProductsPrefix()
    {
        // The process's other variables (PATH, HOME, ...) are not the operator's configuration; LOBBYEDGE__ ones are.
        (int exitCode, _, string stderr) = await RunAsync(new Dictionary<string, string> { ["LOBBYEDGE__EventLog__RetentionDays"] = "-3", ["SOME_OTHER_TOOL"] = "1" });
        Assert.Equal(2, exitCode);
        Assert.Contains("EventLog:RetentionDays = '-3'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SOME_OTHER_TOOL", stderr, StringComparison.Ordinal);

        (exitCode, _, stderr) = await RunAsync(new Dictionary<string, string> { ["LOBBYEDGE__Http__Prot"] = "1" });
        Assert.Equal(2, exitCode);
        Assert.Contains("did you mean 'Http:Port'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryProblemIsReported_InOneRun()
    {
        (int exitCode, _, string stderr) = await RunAsync(null, "--Http:Port=70000", "--EventLog:RetentionDays=-3", "--Htpp:Port=1");
        Assert.Equal(2, exitCode);
        Assert.Contains("Http:Port = '70000'", stderr, StringComparison.Ordinal);
        Assert.Contains("EventLog:RetentionDays = '-3'", stderr, StringComparison.Ordinal);
        Assert.Contains("Htpp", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidConfiguration_Starts()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--data", Path.Combine(_work.FullName, "ok"),
            $"--Http:Port={port}", "--EventLog:RetentionDays=1", "--Voice:Languages:0=en", "--Logging:LogLevel:Default=Information",
            "--Clock:StepThresholdSeconds=5", "--HeadOffice:Enabled=false");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient();
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).IsSuccessStatusCode);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Dictionary<string, string>? environment, params string[] configuration)
    {
        string data = Path.Combine(_work.FullName, "data");
        await using ServiceProcess process = ServiceProcess.Start(_work.FullName, environment, ["--branch", ServiceProcess.DemoProfile, "--simulate", "--data", data, .. configuration]);
        int exitCode = await process.WaitForExitAsync(s_patience);
        string stderr = await process.StderrAsync();
        string stdout = string.Join("\n", process.Lines.Select(ServiceProcess.Message));
        output.WriteLine($"exit {exitCode}; stderr: {stderr}");

        // Nothing was started: no data directory, no log line on stdout.
        Assert.False(exitCode == 2 && Directory.Exists(data), "the data directory was made before the configuration was checked");
        return (exitCode, stdout, stderr);
    }
}
