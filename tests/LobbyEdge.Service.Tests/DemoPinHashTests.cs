using LobbyEdge.Service.Lobby;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The demo lobby manager's PIN hash is written out (no PBKDF2, so no OpenSSL, at the start of a simulation; issue 17)
/// and must still be what <see cref="PinHash"/> checks: the demo PIN signs in, another PIN does not.
/// </summary>
public sealed class DemoPinHashTests
{
    [Fact]
    public void DemoManager_UnderSimulate_HasAHashOfTheDemoPin_WithTheFewestIterations()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("demo-pin-");
        try
        {
            StaffDirectory directory = StaffDirectory.Open(Path.Combine(work.FullName, "staff.txt"), demo: true);
            StaffMember? demo = directory.Find(StaffDirectory.DemoId, out string? problem);

            Assert.Null(problem);
            Assert.NotNull(demo);
            Assert.Null(PinHash.FormatProblem(demo.PinHash));
            Assert.StartsWith($"pbkdf2-sha256${PinHash.MinIterations}$", demo.PinHash, StringComparison.Ordinal);
            Assert.True(PinHash.Verify(StaffDirectory.DemoPin, demo.PinHash));
            Assert.False(PinHash.Verify("2469", demo.PinHash));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
