using System.Buffers;
using System.Globalization;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Printer;

/// <summary>What a ticket says (DOMAIN.md, "What the hardware shows and says").</summary>
public sealed record TicketContent
{
    /// <summary>Branch name (English).</summary>
    public required string BranchName { get; init; }

    /// <summary>Branch name (Chinese), or empty.</summary>
    public string BranchNameZh { get; init; } = "";

    /// <summary>Service name (English).</summary>
    public required string ServiceName { get; init; }

    /// <summary>Service name (Chinese), or empty.</summary>
    public string ServiceNameZh { get; init; } = "";

    /// <summary>The printed number, e.g. <c>A023</c>.</summary>
    public required string Number { get; init; }

    /// <summary>People ahead in the queue.</summary>
    public int PeopleAhead { get; init; }

    /// <summary>Typical predicted wait, or null when no counter serves the service now.</summary>
    public TimeSpan? TypicalWait { get; init; }

    /// <summary>Upper predicted wait, or null.</summary>
    public TimeSpan? UpperWait { get; init; }

    /// <summary>When it was issued, branch local time.</summary>
    public DateTime IssuedLocal { get; init; }

    /// <summary>What the QR code holds: ticket id and branch, for mobile tracking.</summary>
    public required string QrData { get; init; }

    /// <summary>The customer's tier (a green-channel ticket says so).</summary>
    public Tier Tier { get; init; }

    /// <summary>0 for the ticket as issued; N for its N-th reprint (the slip then says <c>补打 / REPRINT</c>).</summary>
    public int ReprintNumber { get; init; }

    /// <summary>For a reprint: when it was printed again, branch local time.</summary>
    public DateTime ReprintedLocal { get; init; }

    /// <summary>
    /// The service's self-service alternative (智能分流), or null; the ticket names it in one line when
    /// <see cref="SuggestsSelfService"/>.
    /// </summary>
    public SelfServiceAlternative? SelfService { get; init; }

    /// <summary>Whether the ticket suggests <see cref="SelfService"/>: the predicted typical wait at issue reached its threshold (never on a reprint).</summary>
    public bool SuggestsSelfService => ReprintNumber == 0 && SelfService is { } alternative
        && TypicalWait is { } typical && alternative.IsSuggestedAt((long)typical.TotalMilliseconds);

    /// <summary>
    /// The ticket's self-service line, e.g. <c>可使用大厅自助存取款机，免排队 / No queue: ATM / cash recycler in the lobby</c>;
    /// empty when <see cref="SuggestsSelfService"/> is false.
    /// </summary>
    public string SelfServiceLine => SuggestsSelfService && SelfService is { } a
        ? (a.NameZh.Length > 0 ? $"可使用{a.NameZh}，免排队 / " : "") + $"No queue: {a.Name}"
        : "";

    /// <summary>The wait range in minutes, e.g. (6, 11); null when unknown.</summary>
    public (int Typical, int Upper)? WaitMinutes => TypicalWait is { } t && UpperWait is { } u
        ? ((int)Math.Round(t.TotalMinutes), Math.Max((int)Math.Round(t.TotalMinutes), (int)Math.Ceiling(u.TotalMinutes)))
        : null;

    /// <summary>The wait range in Chinese, e.g. <c>约 6-11 分钟</c>.</summary>
    public string WaitZh => WaitMinutes is { } w
        ? string.Create(CultureInfo.InvariantCulture, $"约 {w.Typical}-{w.Upper} 分钟")
        : "暂无预计";

    /// <summary>The wait range in English, e.g. <c>about 6-11 min</c>.</summary>
    public string WaitEn => WaitMinutes is { } w
        ? string.Create(CultureInfo.InvariantCulture, $"about {w.Typical}-{w.Upper} min")
        : "no estimate yet";

    /// <summary>The QR payload for a ticket: <c>lobby-edge:{branch}:{yyyyMMdd}:{ticket id}:{number}</c>.</summary>
    public static string QrFor(string branchId, DateOnly businessDate, int ticketId, string number) =>
        string.Create(CultureInfo.InvariantCulture, $"lobby-edge:{branchId}:{businessDate:yyyyMMdd}:{ticketId}:{number}");
}

/// <summary>Lays out a ticket in ESC/POS, bilingual, in the printer's character set (GB18030 unless it is a GBK printer).</summary>
public static class TicketLayout
{
    /// <summary>The ticket's bytes for a printer with <paramref name="settings"/> (its character set and QR module size).</summary>
    public static byte[] Render(TicketContent ticket, PrinterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Render(ticket, settings.QrModuleSize, settings.Encoding);
    }

    /// <summary>The ticket's bytes, from init to cut.</summary>
    public static byte[] Render(TicketContent ticket, byte qrModuleSize = 6, PrinterEncoding encoding = PrinterEncoding.Gb18030)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var output = new ArrayBufferWriter<byte>(1024);
        void Line(string text) => EscPos.Line(output, text, encoding);
        EscPos.Write(output, EscPos.Initialize);
        EscPos.Write(output, EscPos.ChineseMode);
        EscPos.Align(output, 1);

        EscPos.Size(output, 0x11);
        if (ticket.BranchNameZh.Length > 0)
        {
            Line(ticket.BranchNameZh);
        }

        EscPos.Size(output, 0x00);
        Line(ticket.BranchName);
        Line(ticket.ServiceNameZh.Length > 0 ? $"{ticket.ServiceNameZh} / {ticket.ServiceName}" : ticket.ServiceName);
        if (ticket.Tier != Tier.Normal)
        {
            Line(ticket.Tier == Tier.Vip ? "贵宾 / VIP" : "绿色通道 / Priority");
        }

        if (ticket.ReprintNumber > 0)
        {
            // A reprint says so above the number, so nobody takes it for a second ticket.
            EscPos.Bold(output, true);
            EscPos.Size(output, 0x11);
            Line("补打 / REPRINT");
            EscPos.Size(output, 0x00);
            EscPos.Bold(output, false);
        }

        // The number in large type: four times wide and high.
        EscPos.Feed(output, 1);
        EscPos.Bold(output, true);
        EscPos.Size(output, 0x33);
        Line(ticket.Number);
        EscPos.Size(output, 0x00);
        EscPos.Bold(output, false);
        EscPos.Feed(output, 1);

        if (ticket.ReprintNumber > 0)
        {
            // The queue has moved on since the ticket was issued: the original time, not a stale wait.
            string n = ticket.ReprintNumber.ToString(CultureInfo.InvariantCulture);
            Line(string.Create(CultureInfo.InvariantCulture, $"取号时间 / Issued {ticket.IssuedLocal:yyyy-MM-dd HH:mm}"));
            Line(string.Create(CultureInfo.InvariantCulture, $"补打 第{n}次 {ticket.ReprintedLocal:HH:mm} / Reprint #{n}"));
        }
        else
        {
            string ahead = ticket.PeopleAhead.ToString(CultureInfo.InvariantCulture);
            Line($"前面还有 {ahead} 人 / {ahead} {(ticket.PeopleAhead == 1 ? "person" : "people")} ahead");
            Line($"预计等候 {ticket.WaitZh} / {ticket.WaitEn}");
            if (ticket.SuggestsSelfService)
            {
                Line(ticket.SelfServiceLine);
            }
            Line(ticket.IssuedLocal.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        }

        EscPos.Feed(output, 1);
        EscPos.QrCode(output, ticket.QrData, qrModuleSize);
        Line("请留意叫号 / Please wait for your number");
        EscPos.Feed(output, 3);
        EscPos.Write(output, EscPos.Cut);
        return output.WrittenSpan.ToArray();
    }
}
