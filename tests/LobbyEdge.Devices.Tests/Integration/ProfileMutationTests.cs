using System.Globalization;
using System.Text;
using LobbyEdge.Profiles;


namespace LobbyEdge.Devices.Tests;

/// <summary>
/// The property behind issue 10's third case: any typo in any shipped profile or device model (a deleted,
/// inserted or replaced character, a cut or doubled line, a changed indentation, an odd scalar, a cut file)
/// either still loads or is reported as <c>file:line:column: …</c> problems (a <see cref="ProfileException"/>,
/// exit 2), never as any other exception.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProfileMutationTests : IDisposable
{
    /// <summary>Trials per run; <c>LOBBYEDGE_MUTATION_TRIALS</c> raises it for a longer hunt.</summary>
    private static readonly int s_trials = int.TryParse(Environment.GetEnvironmentVariable("LOBBYEDGE_MUTATION_TRIALS"), CultureInfo.InvariantCulture, out int n) ? n : 4000;

    private static readonly string[] s_oddScalars =
    [
        "~", "null", "\"\"", "''", "-1", "0", "99999999999999999999", "0x", "0xZZ", ".nan", "-.inf", "1e400", "yes", "on",
        "[]", "{}", "[[]]", "{a: {b: c}}", "!!binary AAAA", "!!int x", "!custom x", "*nowhere", "&anchor", "&a [1, *a]", "|", ">-",
        "? x", "<<: *x", "\"\\xZZ\"", "'unclosed", "\"unclosed", "[0x03", "{a: 1", "- - -", "::", "%YAML 1.1", "---", "...",
        "\t", "@x", "`x", "\u00e9\u6f14", "\u0000", new string('9', 400), "0x100", "-0x1", "+5", "5.5", "1_000", "0b101", "0o17",
    ];

    private static readonly string s_insertable = "[]{}:,-#&*!|>'\"%@`?\t \n\r\\0123456789aZx.~=\u00a0\u6f14";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "lobbyedge-mutations", Guid.NewGuid().ToString("N"));

    public ProfileMutationTests()
    {
        foreach (string folder in new[] { "branches", "devices" })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
            foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, folder), "*.yaml"))
            {
                File.Copy(file, Path.Combine(_root, folder, Path.GetFileName(file)));
            }
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EveryShippedProfileAndModel_LoadsUnmutated()
    {
        string[] branches = Directory.GetFiles(Path.Combine(_root, "branches"), "*.yaml");
        Assert.Equal(3, branches.Length);
        foreach (string branch in branches)
        {
            _ = BranchProfileLoader.Load(branch);
        }

        // Every model is used by the hardware demo, so mutating a model is tried through that branch.
        string used = File.ReadAllText(Path.Combine(_root, "branches", "demo-hardware.yaml"));
        foreach (string model in Directory.GetFiles(Path.Combine(_root, "devices"), "*.yaml"))
        {
            Assert.Contains($"model: {Path.GetFileNameWithoutExtension(model)}", used, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RandomTypos_InEveryShippedFile_LoadOrFailWithFileLineColumn()
    {
        string[] files = [.. Directory.GetFiles(Path.Combine(_root, "branches"), "*.yaml"), .. Directory.GetFiles(Path.Combine(_root, "devices"), "*.yaml")];
        Array.Sort(files, StringComparer.Ordinal);
        var originals = files.ToDictionary(f => f, File.ReadAllBytes, StringComparer.Ordinal);
        int seed = int.TryParse(Environment.GetEnvironmentVariable("LOBBYEDGE_MUTATION_SEED"), CultureInfo.InvariantCulture, out int s) ? s : 20261130;
        int rejected = 0;
        for (int trial = 0; trial < s_trials; trial++)
        {
            var random = new Random(HashCode.Combine(seed, trial));
            string file = files[trial % files.Length];
            byte[] mutated = Mutate(originals[file], random);
            File.WriteAllBytes(file, mutated);
            try
            {
                rejected += Outcome(file, mutated, seed, trial) ? 0 : 1;
            }
            finally
            {
                File.WriteAllBytes(file, originals[file]);
            }
        }

        // The mutations are strong enough to break files most of the time; a run that rejects nothing tests nothing.
        Assert.InRange(rejected, s_trials / 4, s_trials);
    }

    [Fact]
    public async Task UnclosedBracketInADisplayModel_ThroughTheRealProcess_ExitsTwoNamingFileLineColumn()
    {
        // Issue 10, case 3: `- bytes: [0x03]` changed to `- bytes: [0x03` in a model the hardware profile uses.
        string model = Path.Combine(_root, "devices", "led-counter-1line.yaml");
        string[] lines = File.ReadAllLines(model);
        int index = Array.FindIndex(lines, l => l.Contains("- bytes: [0x03]", StringComparison.Ordinal));
        Assert.True(index >= 0, "the counter display model ends its frame with ETX");
        lines[index] = lines[index].Replace("[0x03]", "[0x03", StringComparison.Ordinal);
        File.WriteAllLines(model, lines);

        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_root, TimeSpan.FromMinutes(2), "--branch", Path.Combine("branches", "demo-hardware.yaml"), "--data", Path.Combine(_root, "data"), "--Http:Port=0");

        Assert.Equal(2, exitCode);
        Assert.Matches(@"^devices/led-counter-1line\.yaml:\d+:\d+: YAML syntax error: ", stderr);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "data")));
    }

    [Fact]
    public async Task RandomTypos_ThroughTheRealProcess_ExitTwoWithTheLoadersLines()
    {
        // A few of the property's rejected mutations, one per file kind, through the real process: exit 2 and
        // exactly the loader's file:line:column lines on stderr.
        string[] files = [.. Directory.GetFiles(Path.Combine(_root, "branches"), "*.yaml"), .. Directory.GetFiles(Path.Combine(_root, "devices"), "*.yaml")];
        Array.Sort(files, StringComparer.Ordinal);
        var random = new Random(10);
        foreach (string file in files)
        {
            byte[] original = File.ReadAllBytes(file);
            string branch = Path.GetFileName(Path.GetDirectoryName(file)) == "devices" ? Path.Combine(_root, "branches", "demo-hardware.yaml") : file;
            try
            {
                string? expected = null;
                while (expected is null)
                {
                    File.WriteAllBytes(file, Mutate(original, random));
                    try
                    {
                        _ = BranchProfileLoader.Load(branch);
                    }
                    catch (ProfileException e)
                    {
                        expected = e.Message;
                    }
                }

                (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(_root, TimeSpan.FromMinutes(2), "--branch", Path.GetRelativePath(_root, branch), "--data", Path.Combine(_root, "data"), "--Http:Port=0");

                Assert.True(exitCode == 2, $"{Path.GetFileName(file)}: exit {exitCode}; stderr: {stderr}");
                Assert.Equal(expected.Replace(_root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal), stderr.TrimEnd('\n').Replace(_root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal));
            }
            finally
            {
                File.WriteAllBytes(file, original);
            }
        }
    }

    /// <summary>Loads the branch the mutated file belongs to; true when it loaded, false when rejected well.</summary>
    private bool Outcome(string mutatedFile, byte[] mutated, int seed, int trial)
    {
        string branch = Path.GetFileName(Path.GetDirectoryName(mutatedFile)) == "devices"
            ? Path.Combine(_root, "branches", "demo-hardware.yaml")
            : mutatedFile;
        try
        {
            _ = BranchProfileLoader.Load(branch);
            return true;
        }
        catch (ProfileException e)
        {
            Assert.NotEmpty(e.Problems);
            foreach (ProfileProblem p in e.Problems)
            {
                Assert.True(
                    p.Line > 0 && p.Column > 0 && File.Exists(p.File),
                    $"seed {seed} trial {trial} ({Path.GetFileName(mutatedFile)}): a problem without file:line:column: {p}\n--- file ---\n{Encoding.UTF8.GetString(mutated)}");
            }

            Assert.Equal(string.Join('\n', e.Problems), e.Message);
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"seed {seed} trial {trial} ({Path.GetFileName(mutatedFile)}): {e.GetType().Name} instead of a profile problem: {e}\n--- file ---\n{Encoding.UTF8.GetString(mutated)}");
            return false;
        }
    }

    /// <summary>One to three typos of the kinds a technician makes in an editor.</summary>
    internal static byte[] Mutate(byte[] original, Random random)
    {
        var text = new StringBuilder(Encoding.UTF8.GetString(original));
        byte[]? raw = null;
        int count = random.Next(1, 4);
        for (int i = 0; i < count; i++)
        {
            if (text.Length == 0)
            {
                text.Append(s_insertable[random.Next(s_insertable.Length)]);
                continue;
            }

            int at = random.Next(text.Length);
            switch (random.Next(10))
            {
                case 0:
                    text.Remove(at, 1);
                    break;
                case 1:
                    text.Insert(at, s_insertable[random.Next(s_insertable.Length)]);
                    break;
                case 2:
                    text[at] = s_insertable[random.Next(s_insertable.Length)];
                    break;
                case 3:
                    EditLine(text, at, (t, start, end) => t.Remove(start, Math.Min(end + 1, t.Length) - start));
                    break;
                case 4:
                    EditLine(text, at, (t, start, end) => t.Insert(start, t.ToString(start, end - start) + "\n"));
                    break;
                case 5:
                    int indent = random.Next(0, 7);
                    EditLine(text, at, (t, start, end) =>
                    {
                        int spaces = 0;
                        while (start + spaces < end && t[start + spaces] is ' ' or '\t')
                        {
                            spaces++;
                        }

                        t.Remove(start, spaces).Insert(start, random.Next(5) == 0 ? "\t" : new string(' ', indent));
                    });
                    break;
                case 6:
                    // An odd scalar in place of the value after a colon or a dash (or anywhere, if none).
                    string odd = s_oddScalars[random.Next(s_oddScalars.Length)];
                    EditLine(text, at, (t, start, end) =>
                    {
                        string line = t.ToString(start, end - start);
                        int colon = line.IndexOf(": ", StringComparison.Ordinal);
                        int from = colon >= 0 ? colon + 2 : line.TrimStart().StartsWith("- ", StringComparison.Ordinal) ? line.IndexOf("- ", StringComparison.Ordinal) + 2 : 0;
                        t.Remove(start + from, line.Length - from).Insert(start + from, odd);
                    });
                    break;
                case 7:
                    text.Length = at;
                    break;
                case 8:
                    // Swap two neighbouring characters.
                    if (at + 1 < text.Length)
                    {
                        (text[at], text[at + 1]) = (text[at + 1], text[at]);
                    }

                    break;
                default:
                    // A byte that is not UTF-8 (a file saved in the wrong encoding, a flipped bit).
                    byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
                    int b = random.Next(bytes.Length + 1);
                    raw = [.. bytes.AsSpan(0, b), (byte)random.Next(0x80, 0x100), .. bytes.AsSpan(b)];
                    text = new StringBuilder();
                    i = count;
                    break;
            }
        }

        return raw ?? Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void EditLine(StringBuilder text, int at, Action<StringBuilder, int, int> edit)
    {
        int start = at;
        while (start > 0 && text[start - 1] != '\n')
        {
            start--;
        }

        int end = at;
        while (end < text.Length && text[end] != '\n')
        {
            end++;
        }

        edit(text, start, end);
    }
}
