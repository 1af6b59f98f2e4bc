using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Every text a person reads, from every way it comes in (the branch profile, a device model file, the staff command),
/// goes through one check (<c>ShownText</c>): a bidi override, a zero-width character, a tab or ESC, an emoji is refused
/// naming the file, line, field and the code point, and the process exits 2 having written nothing. A staff name with
/// bidi and emoji was stored; a display model's message with a tab was sent in a frame.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShownTextProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-text-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("demo.yaml", "profiles/demo.yaml", "name: \"Personal cash\"", "name: \"Personal\u202E hsac\"", "services[0].name", "U+202E")]
    [InlineData("demo.yaml", "profiles/demo.yaml", "nameZh: \"演示网点\"", "nameZh: \"演示\u2066网点\"", "branch.nameZh", "U+2066")]
    [InlineData("demo.yaml", "profiles/demo.yaml", "name: \"ATM / cash recycler in the lobby\"", "name: \"ATM \U0001F3E7 in the lobby\"", "services[0].selfService.name", "U+1F3E7")]
    [InlineData("demo.yaml", "profiles/demo.yaml", "note: \"元旦 New Year's Day\"", "note: \"元旦\u200B New Year's Day\"", "note", "U+200B")]
    [InlineData("demo-hardware.yaml", "devices/led-counter-1line.yaml", "paused: {text: [\"暂停服务\"]}", "paused: {text: [\"暂停\\t服务\"]}", "messages.paused.text", "U+0009")]
    [InlineData("demo-hardware.yaml", "devices/led-counter-1line.yaml", "closed: {text: [\"暂停办理\"]}", "closed: {text: [\"\\e[2J暂停办理\"]}", "messages.closed.text", "U+001B")]
    public async Task AProfileTextNoDeviceShowsAsWritten_ExitsTwo_NamingFileLineFieldAndCodePoint(string branch, string edited, string find, string replace, string field, string codePoint)
    {
        foreach (string folder in new[] { "profiles", "devices" })
        {
            Directory.CreateDirectory(Path.Combine(_work.FullName, folder));
            foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, folder), "*.yaml"))
            {
                File.Copy(file, Path.Combine(_work.FullName, folder, Path.GetFileName(file)));
            }
        }

        string path = Path.Combine(_work.FullName, edited);
        string text = await File.ReadAllTextAsync(path);
        Assert.Contains(find, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace(find, replace, StringComparison.Ordinal));
        int line = text[..text.IndexOf(find, StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        string data = Path.Combine(_work.FullName, "data");

        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(
            _work.FullName, s_patience, "--branch", Path.Combine(_work.FullName, "profiles", branch), "--data", data, "--Http:Port=0");
        output.WriteLine(stderr);

        Assert.Equal(2, exitCode);
        // A device model's problems name the model file as the profile reaches it (../devices/…).
        string problem = stderr.Split('\n').FirstOrDefault(l => l.Contains($"{edited}:{line}:", StringComparison.Ordinal)) ?? "";
        Assert.True(problem.Length > 0, $"no problem reported at {edited}:{line}");
        Assert.Contains(field, problem, StringComparison.Ordinal);
        Assert.Contains(codePoint, problem, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any(), "the data directory was written");
    }

    [Theory]
    [InlineData("\u202Egnaw", "U+202E")]
    [InlineData("Li Na \U0001F600", "U+1F600")]
    [InlineData("Zhao\u200DLei", "U+200D")]
    [InlineData("Wang\tFang", "U+0009")]
    [InlineData("Chen \u2764\uFE0F", "U+FE0F")]
    [InlineData("\u3164", "U+3164")]
    public async Task StaffAdd_WithANameTheConsoleCannotShowAsWritten_ExitsTwo_AndStoresNothing(string name, string codePoint)
    {
        string data = Path.Combine(_work.FullName, "data");
        Directory.CreateDirectory(data);

        (int exitCode, _, string stderr) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, s_patience, "2468\n", "staff", "add", "--data", data, "--id", "7", "--name", name, "--role", "counter");
        output.WriteLine(stderr);

        Assert.Equal(2, exitCode);
        Assert.Contains(codePoint, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "staff.txt")));
    }

    /// <summary>
    /// A name stored before the check (an emoji in it) is still read: a staff file the service refused after an
    /// upgrade would stop the branch (exit 2). Only new names get the whole check.
    /// </summary>
    [Fact]
    public async Task AStaffFileWithANameStoredBeforeTheCheck_IsStillRead()
    {
        string data = Path.Combine(_work.FullName, "data");
        Directory.CreateDirectory(data);
        (int added, _, string addError) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, s_patience, "2468\n", "staff", "add", "--data", data, "--id", "7", "--name", "Li Na", "--role", "counter");
        Assert.True(added == 0, addError);
        string file = Path.Combine(data, "staff.txt");
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace(":Li Na", ":Li Na \U0001F600", StringComparison.Ordinal));

        (int listed, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "staff", "list", "--data", data);

        Assert.True(listed == 0, stderr);
        Assert.Contains("Li Na \U0001F600", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaffAdd_WithChineseAndExtensionBIdeographs_IsStored()
    {
        string data = Path.Combine(_work.FullName, "data");
        Directory.CreateDirectory(data);

        // 𠀀 (U+20000, CJK extension B) is a surrogate pair in UTF-16 and a real name character; GB18030 prints it.
        (int exitCode, _, string stderr) = await ServiceProcess.RunWithInputAsync(
            _work.FullName, s_patience, "2468\n", "staff", "add", "--data", data, "--id", "7", "--name", "Zhang Wei 张\U00020000伟 ℃①", "--role", "counter");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("张\U00020000伟", await File.ReadAllTextAsync(Path.Combine(data, "staff.txt")), StringComparison.Ordinal);
    }
}
