using System.Text;
using LobbyEdge.Profiles;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The property of <see cref="ProfileMutationTests"/> on the examples (which live in <c>hardware-profiles/examples/</c>,
/// outside the shipped branches that test walks: the board devices, and the USB and network lines): any typo either
/// loads or is reported as <c>file:line:column</c> problems, never as another exception.
/// </summary>
public sealed class BoardProfileMutationTests : IDisposable
{
    private const int Trials = 1500;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lobbyedge-board-mutations-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("board-devices.yaml")]
    [InlineData("network-hardware.yaml")]
    public void RandomTypos_InAnExample_LoadOrFailWithFileLineColumn(string example)
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "examples"));
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, Path.Combine(_dir.FullName, "devices", Path.GetFileName(model)));
        }

        byte[] original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "examples", example));
        string path = Path.Combine(_dir.FullName, "examples", example);
        int rejected = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            byte[] mutated = ProfileMutationTests.Mutate(original, new Random(HashCode.Combine(20261130, trial)));
            File.WriteAllBytes(path, mutated);
            try
            {
                _ = BranchProfileLoader.Load(path);
            }
            catch (ProfileException e)
            {
                rejected++;
                Assert.NotEmpty(e.Problems);
                Assert.All(e.Problems, p => Assert.True(p.Line > 0 && p.Column > 0 && File.Exists(p.File), $"trial {trial}: {p}\n{Encoding.UTF8.GetString(mutated)}"));
            }
        }

        // Most typos are caught; some (a changed comment, a changed name) still load.
        Assert.InRange(rejected, Trials / 4, Trials - 1);
    }
}
