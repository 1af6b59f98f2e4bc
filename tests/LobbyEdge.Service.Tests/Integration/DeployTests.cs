using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Monitoring;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Service.Tests;

/// <summary>The deployment files in deploy/ (copied next to the tests): systemd unit, alert rules, dashboard, compose.</summary>
[Trait("Category", "Integration")]
public sealed partial class DeployTests : IDisposable
{
    private static readonly string s_deploy = Path.Combine(AppContext.BaseDirectory, "deploy");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-deploy-");

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>
    /// The README's install steps put the profile at <c>/etc/lobby-edge/branch.yaml</c>; device models were looked for
    /// only in <c>../devices</c> from the profile's folder (<c>/etc/devices/</c>), which no step made, so a branch with
    /// hardware stopped with exit 2 at its first start. Now a <c>devices/</c> folder beside the profile is used, the
    /// README copies the models there, and a profile without them says so.
    /// </summary>
    [Fact]
    public async Task AnInstalledLayout_ProfileAndModelsInOneFolder_Starts_AndWithoutTheModelsSaysWhereTheyGo()
    {
        string etc = Path.Combine(_work.FullName, "etc", "lobby-edge");
        Directory.CreateDirectory(etc);
        string branch = Path.Combine(etc, "branch.yaml");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml"), branch);

        (int refused, _, string problem) = await ServiceProcess.RunToEndAsync(
            _work.FullName, TimeSpan.FromMinutes(2), "--branch", branch, "--simulate", "--speed", "5000", "--days", "1", "--data", Path.Combine(_work.FullName, "data0"), "--Http:Port=0");
        Assert.True(refused == 2, problem);
        Assert.Contains("copy the device models (hardware-profiles/devices/*.yaml) into a devices/ folder beside the profile", problem, StringComparison.Ordinal);

        // As the README's install steps do: the models beside the profile.
        Directory.CreateDirectory(Path.Combine(etc, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices"), "*.yaml"))
        {
            File.Copy(model, Path.Combine(etc, "devices", Path.GetFileName(model)));
        }

        (int ran, _, string error) = await ServiceProcess.RunToEndAsync(
            _work.FullName, TimeSpan.FromMinutes(2), "--branch", branch, "--simulate", "--speed", "5000", "--days", "1", "--data", Path.Combine(_work.FullName, "data"), "--Http:Port=0");
        Assert.True(ran == 0, error);
    }

    [Fact]
    public void SystemdUnit_Verifies_AndHasTheNotifyWatchdogAndHardening()
    {
        string unit = File.ReadAllText(Path.Combine(s_deploy, "systemd", "lobby-edge.service"));
        foreach (string line in new[]
        {
            "Type=notify", "WatchdogSec=30", "Restart=on-failure", "RestartPreventExitStatus=2", "StateDirectory=lobby-edge",
            "ProtectSystem=strict", "NoNewPrivileges=yes", "DevicePolicy=closed", "SupplementaryGroups=dialout gpio audio lp", "DeviceAllow=char-alsa rw", "DeviceAllow=char-usb rw", "DynamicUser=yes",
            "ReadWritePaths=/etc/lobby-edge",
        })
        {
            Assert.Contains(line + "\n", unit, StringComparison.Ordinal);
        }

        // systemd-analyze checks that the program exists; the real one is installed to /opt on a branch box.
        string copy = Path.Combine(_work.FullName, "lobby-edge.service");
        File.WriteAllText(copy, unit.Replace("ExecStart=/opt/lobby-edge/lobby-edge", "ExecStart=/bin/true", StringComparison.Ordinal));
        (int exit, string said) = Run("systemd-analyze", "verify", copy);
        Assert.True(exit == 0 && said.Trim().Length == 0, $"systemd-analyze verify: exit {exit}: {said}");
    }

    [Fact]
    public void AlertRules_PassPromtoolCheckAndTheirUnitTests()
    {
        string prometheus = Path.Combine(s_deploy, "compose", "prometheus");
        (int check, string checkSaid) = Run("promtool", "check", "rules", Path.Combine(prometheus, "alerts.yml"));
        Assert.True(check == 0, checkSaid);
        Assert.Contains("SUCCESS: 33 rules found", checkSaid, StringComparison.Ordinal);

        (int test, string testSaid) = Run("promtool", "test", "rules", Path.Combine(prometheus, "alerts_test.yml"));
        Assert.True(test == 0, testSaid);

        string config = Path.Combine(_work.FullName, "prometheus.yml");
        File.Copy(Path.Combine(prometheus, "alerts.yml"), Path.Combine(_work.FullName, "alerts.yml"));
        File.WriteAllText(config, File.ReadAllText(Path.Combine(prometheus, "prometheus.yml")).Replace("/etc/prometheus/alerts.yml", Path.Combine(_work.FullName, "alerts.yml"), StringComparison.Ordinal));
        (int configExit, string configSaid) = Run("promtool", "check", "config", config);
        Assert.True(configExit == 0, configSaid);
    }

    [Fact]
    public async Task DashboardAndAlerts_UseOnlyMetricsTheServiceExports()
    {
        var metrics = new LobbyMetrics(BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch);
        using var exposition = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(exposition);
        HashSet<string> exported = [.. MetricName().Matches(System.Text.Encoding.UTF8.GetString(exposition.ToArray())).Select(m => m.Value)];
        Assert.Contains("lobby_queue_waiting", exported);

        string dashboard = File.ReadAllText(Path.Combine(s_deploy, "compose", "grafana", "dashboards", "lobby-edge.json"));
        using JsonDocument json = JsonDocument.Parse(dashboard);
        var expressions = json.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        Assert.True(expressions.Count >= 12);
        string alerts = File.ReadAllText(Path.Combine(s_deploy, "compose", "prometheus", "alerts.yml"));

        // Recording rules (level:metric:operations) name a metric of their own; the dashboard may use them.
        HashSet<string> recorded = [.. RecordedName().Matches(alerts).Select(m => m.Groups["metric"].Value)];
        Assert.Contains("lobby_care_coverage", recorded);
        foreach (string name in expressions.Append(RecordedName().Replace(alerts, "")).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)))
        {
            // Histogram series are exported as name_bucket / _count / _sum of the family.
            Assert.True(exported.Contains(name) || recorded.Contains(name), $"{name} is used in deploy/ but the service does not export it");
        }
    }

    [Fact]
    public void Compose_HasTheStackAndEveryMountedFileExists()
    {
        string compose = Path.Combine(s_deploy, "compose", "docker-compose.yml");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(compose)));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        Assert.Equal(["lobby-edge", "mosquitto", "prometheus", "grafana"], services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!));
        foreach (YamlNode service in services.Children.Values)
        {
            if (((YamlMappingNode)service).Children.TryGetValue(new YamlScalarNode("volumes"), out YamlNode? volumes))
            {
                foreach (YamlScalarNode volume in ((YamlSequenceNode)volumes).Children.Cast<YamlScalarNode>())
                {
                    string source = volume.Value!.Split(':')[0];
                    if (source.StartsWith("./", StringComparison.Ordinal))
                    {
                        Assert.True(Path.Exists(Path.Combine(s_deploy, "compose", source)), $"{source} is mounted but missing");
                    }
                }
            }
        }
    }

    private static (int Exit, string Said) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr);
    }

    [GeneratedRegex(@"\blobby_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"record: [a-z_]+:(?<metric>lobby_[a-z_]+):[a-z_0-9]+")]
    private static partial Regex RecordedName();
}
