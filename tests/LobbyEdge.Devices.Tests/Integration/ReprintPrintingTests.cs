using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Lobby;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Issue 12, reprint printing: the real host (<see cref="LobbyEdgeHost.Build"/>, every service of a production run
/// but HTTP), its kiosk printer on a real pty. <c>Command.Reprint</c>, as the lobby console sends it, prints the
/// ticket's slip again, marked as a reprint, with its service, number, tier and original issue time; a printer that
/// cannot print makes a failed outcome the console can show; a refused reprint prints nothing.
/// </summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class ReprintPrintingTests : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-reprint");
    private PtyPrinter? _pty;

    [Fact]
    public async Task Reprint_PrintsTheSlipAgainMarkedAsAReprint_AndAPrinterOutOfPaperIsAFailedOutcome()
    {
        _pty = await PtyPrinter.StartAsync(_dir.FullName);
        string branch = _pty.WriteKioskBranch(_dir.FullName);
        Assert.True(LaunchOptions.TryParse(
            ["--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), "--Http:Enabled=false", "--Clock:Synchronization=trusted"],
            out LaunchOptions? options,
            out string? error),
            error);
        using IHost host = LobbyEdgeHost.Build(options, BranchProfileLoader.Load(branch));
        await host.StartAsync();
        try
        {
            ILobbyCommands commands = host.Services.GetRequiredService<ILobbyCommands>();
            ReprintDesk desk = host.Services.GetRequiredService<ReprintDesk>();
            var seen = new List<ReprintOutcome>();
            desk.Printed += o =>
            {
                lock (seen)
                {
                    seen.Add(o);
                }
            };
            var printer = host.Services.GetRequiredService<LobbyDevices>().Printer("printer")!;
            await Eventually.UntilAsync(() => printer.CanPrint, "the printer on the pty to be ready", TimeSpan.FromSeconds(30), () => printer.Reason);

            // A green-channel ticket (issued through the engine, as a dispenser's long press does), then reprinted.
            CommandOutcome issued = await commands.SendAsync(Command.Issue(0, Tier.Priority));
            Assert.True(issued.Result.Accepted);
            ReprintOutcome outcome = await desk.ReprintAsync(issued.Result.Ticket, staff: 7, CancellationToken.None);
            Assert.Equal((true, true, 1, "printer", "A001", ""), (outcome.Accepted, outcome.Printed, outcome.ReprintNumber, outcome.Printer, outcome.Number, outcome.Reason));
            string? slip = await _pty.Printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(10));
            Assert.NotNull(slip);
            string issuedAt = issued.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture); // the branch is on UTC
            string[] lines = slip.Split('\n');
            Assert.Contains("个人现金 / Personal cash", lines);
            Assert.Contains("绿色通道 / Priority", lines);
            Assert.Contains("补打 / REPRINT", lines);
            Assert.Contains("A001", lines);
            Assert.Contains($"取号时间 / Issued {issuedAt}", lines);
            Assert.Contains(lines, l => l.StartsWith("补打 第1次 ", StringComparison.Ordinal) && l.EndsWith(" / Reprint #1", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("ahead", StringComparison.Ordinal));
            Assert.True(Array.IndexOf(lines, "补打 / REPRINT") < Array.IndexOf(lines, "A001"), slip);

            // A reprint the engine refuses prints nothing and says why.
            outcome = await desk.ReprintAsync(999, staff: 7, CancellationToken.None);
            Assert.Equal((false, RefusalReason.UnknownTicket, false), (outcome.Accepted, outcome.Refusal, outcome.Printed));

            // Out of paper: the reprint is recorded (a second one) but the outcome says it did not come out, and why.
            _pty.Printer.PaperOut = true;
            await Eventually.UntilAsync(() => !printer.CanPrint, "the printer to report paper out", TimeSpan.FromSeconds(30));
            outcome = await desk.ReprintAsync(issued.Result.Ticket, staff: 7, CancellationToken.None);
            Assert.Equal((true, false, 2), (outcome.Accepted, outcome.Printed, outcome.ReprintNumber));
            Assert.Contains("paper", outcome.Reason, StringComparison.Ordinal);
            Assert.Single(_pty.Printer.Tickets);

            // Paper back: a third reprint comes out, numbered 3.
            _pty.Printer.PaperOut = false;
            await Eventually.UntilAsync(() => printer.CanPrint, "the printer to be ready again", TimeSpan.FromSeconds(30));
            outcome = await desk.ReprintAsync(issued.Result.Ticket, staff: 7, CancellationToken.None);
            Assert.True(outcome.Printed, outcome.Reason);
            Assert.Contains(" / Reprint #3", await _pty.Printer.WaitForTicketAsync(2, TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
            lock (seen)
            {
                Assert.Equal([true, false, true], seen.Select(o => o.Printed));
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pty is not null)
        {
            await _pty.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }
}
