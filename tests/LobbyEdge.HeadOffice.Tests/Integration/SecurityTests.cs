using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>TLS with client certificates, credentials from files, and the ACL that deploy/head-office.md shows.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Tls_WithAClientCertificate_ShipsEvents()
    {
        using var certificates = new TestCertificates();
        await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Tls = certificates });
        using var branch = new TestBranch("tls-a");
        long last = branch.RunDays(1, ticketsPerDay: 60);
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/tls-a/events"], configure: b => b.WithTlsOptions(ObserverTls(certificates)));

        (string cert, string key) = certificates.Client("tls-a");
        HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
        options.Tls = new HeadOfficeTlsOptions { CaFile = certificates.CaPath, ClientCertFile = cert, ClientKeyFile = key };
        await using HeadOfficeLink link = branch.CreateLink(options);
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count >= last, s_long, "the events over TLS", () => branch.Logger.Text + broker.Output);

        CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: false);
        await link.StopAsync();
    }

    [Fact]
    public async Task Tls_WithoutAClientCertificate_IsRefused_AndTheEventsWait()
    {
        using var certificates = new TestCertificates();
        await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Tls = certificates });
        using var branch = new TestBranch("tls-b");
        long last = branch.RunDays(1, ticketsPerDay: 20);
        HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
        options.Tls = new HeadOfficeTlsOptions { CaFile = certificates.CaPath };
        await using HeadOfficeLink link = branch.CreateLink(options);
        await link.StartAsync();

        await Wait.UntilAsync(() => link.ConnectFailures >= 3, s_long, "three refused attempts", () => branch.Logger.Text);
        Assert.False(link.IsConnected);
        Assert.Equal(last, link.PendingEvents);
        Assert.Equal(0, branch.Log.Cursor(HeadOfficeOptions.CursorName).Position);
        await link.StopAsync();
    }

    [Fact]
    public async Task Tls_WithABrokerCertificateFromAnotherCa_IsNotTrusted()
    {
        using var certificates = new TestCertificates();
        await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Tls = certificates });
        using var branch = new TestBranch("tls-c");
        (string cert, string key) = certificates.Client("tls-c");
        HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
        options.Tls = new HeadOfficeTlsOptions { CaFile = TestCertificates.OtherCa(certificates.Directory), ClientCertFile = cert, ClientKeyFile = key };
        await using HeadOfficeLink link = branch.CreateLink(options);
        await link.StartAsync();

        await Wait.UntilAsync(() => link.ConnectFailures >= 2, s_long, "two failed attempts", () => branch.Logger.Text);
        Assert.False(link.IsConnected);
        await link.StopAsync();
    }

    [Fact]
    public async Task DocumentedAcl_BranchPublishesOnlyUnderItsOwnRoot_WithCredentialsFromFiles()
    {
        // The ACL of deploy/head-office.md, word for word between the markers, so the document cannot drift.
        string acl = DocumentedAcl();
        string directory = Directory.CreateTempSubdirectory("lobby-acl-").FullName;
        try
        {
            string passwords = Path.Combine(directory, "passwd");
            await MosquittoPasswdAsync(passwords, "acl-x", "x-secret-7431", create: true);
            await MosquittoPasswdAsync(passwords, "headoffice", "ho-secret", create: false);
            File.WriteAllText(Path.Combine(directory, "acl"), acl);
            await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup
            {
                Extra = [$"password_file {passwords}", $"acl_file {Path.Combine(directory, "acl")}"],
            });

            using var branch = new TestBranch("acl-x");
            long last = branch.RunDays(1, ticketsPerDay: 30);
            await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/+/events", "lobby/v1/acl-x/replies/#"], configure: b => b.WithCredentials("headoffice", "ho-secret"));

            string userFile = Path.Combine(directory, "mqtt-user");
            string passwordFile = Path.Combine(directory, "mqtt-password");
            File.WriteAllText(userFile, "acl-x\n");
            File.WriteAllText(passwordFile, "x-secret-7431\n");
            HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
            options.UsernameFile = userFile;
            options.PasswordFile = passwordFile;
            await using HeadOfficeLink link = branch.CreateLink(options);
            await link.StartAsync();
            await Wait.UntilAsync(() => office.Count >= last, s_long, "the branch's events", () => branch.Logger.Text + broker.Output);
            CloudEventAssert.CompleteAndInOrder(office.Messages("lobby/v1/acl-x/events"), branch.ReadAll(), branch.Config, duplicatesAllowed: false);

            // Commands reach the branch, and its answer may go under its own root.
            await office.PublishAsync("lobby/v1/acl-x/commands/issue-ticket", """{"service":"cash"}""", "lobby/v1/acl-x/replies/office-1", [1, 2, 3]);
            await Wait.UntilAsync(() => office.Messages("lobby/v1/acl-x/replies/office-1").Count == 1, s_long, "the answer", () => branch.Logger.Text);
            Received answer = office.Messages("lobby/v1/acl-x/replies/office-1")[0];
            Assert.Equal([1, 2, 3], answer.CorrelationData);
            Assert.StartsWith("channel: required", answer.Json.GetProperty("error").GetString(), StringComparison.Ordinal);

            // With the same credentials, another branch's root is closed: publish and subscribe.
            MqttClientOptions asBranchX = new MqttClientOptionsBuilder()
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTcpServer("127.0.0.1", broker.Port)
                .WithClientId("intruder")
                .WithCredentials("acl-x", "x-secret-7431")
                .Build();
            using IMqttClient intruder = new MqttClientFactory().CreateMqttClient();
            await intruder.ConnectAsync(asBranchX);
            MqttClientPublishResult other = await intruder.PublishAsync(new MqttApplicationMessage
            {
                Topic = "lobby/v1/acl-y/events",
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                Payload = new ReadOnlySequence<byte>("{}"u8.ToArray()),
            });
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, other.ReasonCode);

            // Mosquitto closes the connection after a refused publish, so reading is tried on a new one. Mosquitto
            // grants the subscription but delivers nothing the ACL does not let the user read: a command for
            // branch Y, sent just before one for X on the same connection, would arrive first if it arrived at all.
            var seen = new List<string>();
            using IMqttClient spy = new MqttClientFactory().CreateMqttClient();
            spy.ApplicationMessageReceivedAsync += e =>
            {
                lock (seen)
                {
                    seen.Add(e.ApplicationMessage.Topic);
                }

                return Task.CompletedTask;
            };
            await spy.ConnectAsync(asBranchX);
            await spy.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter("lobby/v1/acl-y/commands/#", MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter("lobby/v1/acl-x/commands/#", MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await office.PublishAsync("lobby/v1/acl-y/commands/open-day", "");
            await office.PublishAsync("lobby/v1/acl-x/commands/marker", "");
            await Wait.UntilAsync(() => { lock (seen) { return seen.Count > 0; } }, s_long, "the marker command");
            lock (seen)
            {
                Assert.Equal(["lobby/v1/acl-x/commands/marker"], seen);
            }

            Assert.DoesNotContain(office.Messages(), m => m.Topic.StartsWith("lobby/v1/acl-y/", StringComparison.Ordinal));

            // Nothing secret in the link's log.
            Assert.DoesNotContain("x-secret-7431", branch.Logger.Text, StringComparison.Ordinal);
            await link.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task EventsTheBrokerRefuses_AreNeverSkipped_AndGoOutInOrderOnceAllowed()
    {
        string directory = Directory.CreateTempSubdirectory("lobby-deny-").FullName;
        try
        {
            string passwords = Path.Combine(directory, "passwd");
            string acl = Path.Combine(directory, "acl");
            await MosquittoPasswdAsync(passwords, "deny-z", "z-secret", create: true);
            await MosquittoPasswdAsync(passwords, "headoffice", "ho-secret", create: false);

            // A broker whose ACL forgot the events topic.
            File.WriteAllText(acl, "pattern write lobby/v1/%u/status\npattern write lobby/v1/%u/state\npattern read lobby/v1/%u/commands/#\nuser headoffice\ntopic readwrite lobby/v1/#\n");
            await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Extra = [$"password_file {passwords}", $"acl_file {acl}"] });
            using var branch = new TestBranch("deny-z");
            long last = branch.RunDays(1, ticketsPerDay: 30);
            await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/deny-z/events"], configure: b => b.WithCredentials("headoffice", "ho-secret"));
            File.WriteAllText(Path.Combine(directory, "user"), "deny-z");
            File.WriteAllText(Path.Combine(directory, "password"), "z-secret");
            HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
            options.UsernameFile = Path.Combine(directory, "user");
            options.PasswordFile = Path.Combine(directory, "password");
            await using HeadOfficeLink link = branch.CreateLink(options);
            await link.StartAsync();

            // Refused, retried, refused again: nothing skipped, nothing acknowledged.
            await Wait.UntilAsync(() => branch.Logger.Lines.Count(l => l.Contains("refused a publish on lobby/v1/deny-z/events", StringComparison.Ordinal)) >= 2, s_long, "two refusals", () => branch.Logger.Text);
            Assert.Equal(last, link.PendingEvents);
            Assert.Equal(0, branch.Log.Cursor(HeadOfficeOptions.CursorName).Position);
            Assert.Equal(0, office.Count);

            // The ACL fixed (the documented one) and reloaded: everything goes out, from the first event, in order.
            File.WriteAllText(acl, DocumentedAcl());
            broker.Reload();
            await Wait.UntilAsync(() => office.Count >= last, s_long, "the events once allowed", () => branch.Logger.Text + broker.Output);
            CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: false);
            await link.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task WrongPassword_IsRefused_AndSaysSoWithoutThePassword()
    {
        string directory = Directory.CreateTempSubdirectory("lobby-pw-").FullName;
        try
        {
            string passwords = Path.Combine(directory, "passwd");
            await MosquittoPasswdAsync(passwords, "pw-x", "right-secret", create: true);
            await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Extra = [$"password_file {passwords}"] });
            using var branch = new TestBranch("pw-x");
            File.WriteAllText(Path.Combine(directory, "user"), "pw-x");
            File.WriteAllText(Path.Combine(directory, "password"), "wrong-secret-5521");
            HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
            options.UsernameFile = Path.Combine(directory, "user");
            options.PasswordFile = Path.Combine(directory, "password");
            await using HeadOfficeLink link = branch.CreateLink(options);
            await link.StartAsync();

            await Wait.UntilAsync(() => link.ConnectFailures >= 2, s_long, "refused attempts", () => branch.Logger.Text);
            Assert.False(link.IsConnected);
            Assert.Contains(branch.Logger.Lines, l => l.Contains("NotAuthorized", StringComparison.Ordinal) || l.Contains("BadUserNameOrPassword", StringComparison.Ordinal));
            Assert.DoesNotContain("wrong-secret-5521", branch.Logger.Text, StringComparison.Ordinal);
            await link.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static string DocumentedAcl()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "head-office.md"));
        const string Begin = "# --- acl begin ---";
        const string End = "# --- acl end ---";
        int start = doc.IndexOf(Begin, StringComparison.Ordinal);
        int end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "deploy/head-office.md lost its ACL markers");
        return doc[start..(end + End.Length)] + "\n";
    }

    private static string RepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "LobbyEdge.sln")))
            {
                return dir;
            }
        }

        // Built with an artifacts path outside the repository: the source tree is where this file was compiled.
        return Path.GetFullPath(Path.Combine(SourceDirectory(), "..", ".."));
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static async Task MosquittoPasswdAsync(string file, string user, string password, bool create)
    {
        string tool = File.Exists("/usr/bin/mosquitto_passwd") ? "/usr/bin/mosquitto_passwd" : "mosquitto_passwd";
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        if (create)
        {
            info.ArgumentList.Add("-c");
        }

        foreach (string a in new[] { "-b", file, user, password })
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"mosquitto_passwd failed: {error}");
    }

    private static MqttClientTlsOptions ObserverTls(TestCertificates certificates)
    {
        (string cert, string key) = certificates.Client("head-office-observer");
        X509Certificate2Collection roots = [];
        roots.ImportFromPemFile(certificates.CaPath);
        return new MqttClientTlsOptions
        {
            UseTls = true,
            TargetHost = "127.0.0.1",
            ClientCertificatesProvider = new Certificates(X509Certificate2.CreateFromPemFile(cert, key)),
            CertificateValidationHandler = args =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build((X509Certificate2)args.Certificate);
            },
        };
    }

    private sealed class Certificates(X509Certificate2 certificate) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [certificate];
    }
}
