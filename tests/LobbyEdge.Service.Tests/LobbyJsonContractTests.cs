using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LobbyEdge.Service.Lobby;
using Microsoft.AspNetCore.Http.Json;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17: the lobby pages' answers come from the source-generated <see cref="LobbyJsonContext"/> (no reflection, so
/// Native AOT can write them), and each is byte for byte what the reflection-based serializer wrote for the anonymous
/// object the code used before, with the options it used then (ASP.NET Core's HTTP JSON options for <c>Results.Json</c>
/// and the rating page's feed, the serializer's defaults for the console's <c>staff</c> event and the signage notice).
/// The samples carry what an encoder treats specially: Chinese text, HTML characters, quotes, nulls, dates with offsets.
/// </summary>
public sealed class LobbyJsonContractTests
{
    private const string Zh = "请先登录：今日休息（国庆节）。下次营业 10月8日 周四 08:30";
    private const string En = "Closed today (National Day). <b>'A&B'</b> \"quoted\" + 100%";

    /// <summary>What <c>Results.Json(value)</c> wrote with: the HTTP JSON options, reflection-based.</summary>
    private static readonly JsonSerializerOptions s_http = new(new JsonOptions().SerializerOptions) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>What the rating page's feed wrote with: the web defaults (the default encoder), reflection-based.</summary>
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>What <c>JsonSerializer.Serialize(value)</c> wrote with: the defaults, reflection-based.</summary>
    private static readonly JsonSerializerOptions s_plain = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static readonly DateTime s_utc = new(2026, 10, 7, 0, 30, 12, 345, DateTimeKind.Utc);
    private static readonly DateTimeOffset s_local = new(2026, 10, 7, 8, 30, 12, 345, TimeSpan.FromHours(8));

    /// <summary>Each answer now (generated) and before (reflection over the old anonymous object), by the record's type.</summary>
    private static IEnumerable<(Type Type, string Now, string Before)> Answers()
    {
        yield return Pair(new Refused(false, "signin", Zh, En), LobbyJsonContext.Http.Refused, new { ok = false, reason = "signin", messageZh = Zh, message = En });
        yield return Pair(
            new RefusedWithError(false, "bad_token", Zh, En, "not a known kiosk: enrol it (GET /kiosk/enrol?token=...)"),
            LobbyJsonContext.Http.RefusedWithError,
            new { ok = false, reason = "bad_token", messageZh = Zh, message = En, error = "not a known kiosk: enrol it (GET /kiosk/enrol?token=...)" });
        yield return Pair(new RefusedInEnglish(false, "cross_site", En), LobbyJsonContext.Http.RefusedInEnglish, new { ok = false, reason = "cross_site", message = En });
        yield return Pair(new EnrolRefused(false, "bad_token", En), LobbyJsonContext.Http.EnrolRefused, new { ok = false, reason = "bad_token", error = En });
        yield return Pair(
            new RetryLater(false, "locked", 900, Zh, En),
            LobbyJsonContext.Http.RetryLater,
            new { ok = false, reason = "locked", retryAfterSeconds = 900, messageZh = Zh, message = En });
        yield return Pair(
            new TicketRefused(false, "ToleranceCallsExceeded", "A017", Zh, En),
            LobbyJsonContext.Http.TicketRefused,
            new { ok = false, reason = "ToleranceCallsExceeded", ticket = "A017", messageZh = Zh, message = En });
        yield return Pair(
            new LobbyEdge.Service.Operations.MethodNotAllowed(false, "method_not_allowed", ["POST", "GET"], Zh, En),
            LobbyEdge.Service.Operations.ServiceJsonContext.Http.MethodNotAllowed,
            new { ok = false, reason = "method_not_allowed", allow = new[] { "POST", "GET" }, messageZh = Zh, message = En });
        yield return Pair(
            new SignedInStaff(true, 1024, "王小明 <Wang>", "lobby-manager", true),
            LobbyJsonContext.Http.SignedInStaff,
            new { ok = true, staff = 1024, name = "王小明 <Wang>", role = "lobby-manager", mayCancel = true });

        // The console's "staff" event: JsonSerializer.Serialize with the defaults.
        yield return Pair(
            new SignedInStaff(true, 7, "李四 <Li>", "counter", false),
            LobbyJsonContext.Default.SignedInStaff,
            new { ok = true, staff = 7, name = "李四 <Li>", role = "counter", mayCancel = false },
            s_plain);
        yield return Pair(new Done(true), LobbyJsonContext.Http.Done, new { ok = true });
        yield return Pair(new ActionDone(true, "B102", 1024), LobbyJsonContext.Http.ActionDone, new { ok = true, ticket = "B102", staff = 1024 });
        foreach (int? by in new int?[] { 1025, null })
        {
            yield return Pair(
                new CareAlreadyGiven(true, true, "A017", 1024, s_utc, 42L, by),
                LobbyJsonContext.Http.CareAlreadyGiven,
                new { ok = true, already = true, ticket = "A017", staff = 1024, caredAt = s_utc, caredSecondsAgo = 42L, caredBy = by });
        }

        foreach (string? printer in new[] { "dispenser-1", null })
        {
            yield return Pair(
                new NotPrinted(false, "not_printed", "A017", printer, Zh, En),
                LobbyJsonContext.Http.NotPrinted,
                new { ok = false, reason = "not_printed", ticket = "A017", printer, messageZh = Zh, message = En });
        }

        foreach (int[]? wait in new int[]?[] { [3, 7], null })
        {
            yield return Pair(
                new TicketIssued(true, "A023", "cash", 4, wait, s_local),
                LobbyJsonContext.Http.TicketIssued,
                new { ok = true, ticket = "A023", service = "cash", peopleAhead = 4, waitMinutes = wait, issuedAt = s_local });
        }

        foreach (DateTime? next in new DateTime?[] { s_utc, null })
        {
            yield return Pair(
                new BranchClosed(false, "closed_today", Zh, En, "国庆节", next),
                LobbyJsonContext.Http.BranchClosed,
                new { ok = false, reason = "closed_today", messageZh = Zh, message = En, note = "国庆节", nextOpening = next });
        }

        yield return Pair(
            new PrintFailed(false, "print_failed", true, Zh, En),
            LobbyJsonContext.Http.PrintFailed,
            new { ok = false, reason = "print_failed", cancelled = true, messageZh = Zh, message = En });
        yield return Pair(
            new SelfServiceTaken(true, "cash", "ATM / cash recycler <in the lobby>", "大厅自助存取款机", Zh, En),
            LobbyJsonContext.Http.SelfServiceTaken,
            new { ok = true, service = "cash", name = "ATM / cash recycler <in the lobby>", nameZh = "大厅自助存取款机", messageZh = Zh, message = En });
        yield return Pair(
            new AdviceAnswerDone(true, 7, "accepted", 8001),
            LobbyJsonContext.Http.AdviceAnswerDone,
            new { ok = true, advice = 7, answer = "accepted", staff = 8001 });
        yield return Pair(
            new AdviceRefused(false, "already_answered", 7, Zh, En),
            LobbyJsonContext.Http.AdviceRefused,
            new { ok = false, reason = "already_answered", advice = 7, messageZh = Zh, message = En });
        yield return Pair(
            new RatingStation(3, "Demo branch", "演示网点", 30),
            LobbyJsonContext.Default.RatingStation,
            new { counter = 3, branch = "Demo branch", branchZh = "演示网点", seconds = 30 },
            s_web);
        yield return Pair(
            new RatingQuestion(12, "A017", "cash", "Cash & cheques", "现金业务", 1, 30),
            LobbyJsonContext.Default.RatingQuestion,
            new { ticket = 12, number = "A017", service = "cash", serviceName = "Cash & cheques", serviceNameZh = "现金业务", prompt = 1, seconds = 30 },
            s_web);
        yield return Pair(new RatingPage.Dismissal(12, "timeout"), LobbyJsonContext.Default.Dismissal, new { ticket = 12, reason = "timeout" }, s_web);
        yield return Pair(
            new RatingTaken(true, "A017", 3, 2, ["waiting", "cost"], true, "感谢您的评价", "Thank you for your feedback."),
            LobbyJsonContext.Http.RatingTaken,
            new { ok = true, ticket = "A017", counter = 3, score = 2, reasons = new[] { "waiting", "cost" }, linked = true, messageZh = "感谢您的评价", message = "Thank you for your feedback." });

        // The Server-Sent Events' data: the rating page's with the web defaults, the signage notice (a dictionary) with the defaults.
        yield return Pair(new SignageNotice(Zh + En), LobbyJsonContext.Default.SignageNotice, new Dictionary<string, string?> { ["text"] = Zh + En }, s_plain);
    }

    [Fact]
    public void EveryLobbyAnswer_IsByteForByteWhatReflectionWroteBefore()
    {
        var differences = new List<string>();
        foreach ((Type type, string now, string before) in Answers())
        {
            if (now != before)
            {
                differences.Add($"{type.Name}:\n  now    {now}\n  before {before}");
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void EveryTypeOfTheContext_HasItsContractAbove()
    {
        Type[] generated = [.. typeof(LobbyJsonContext).GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => (Type)a.ConstructorArguments[0].Value!)];
        Assert.NotEmpty(generated);
        Assert.Empty(generated.Except(Answers().Select(a => a.Type)).Select(t => t.Name));
    }

    [Fact]
    public void HttpAnswersWriteChineseAsItIs_FeedsEscapeIt()
    {
        // What the byte-for-byte check pins, said plainly: the two encoders the pages have always had.
        Assert.Equal("{\"text\":\"营业\"}", JsonSerializer.Serialize(new SignageNotice("营业"), LobbyJsonContext.Http.SignageNotice));
        Assert.Equal("{\"text\":\"\\u8425\\u4E1A\"}", JsonSerializer.Serialize(new SignageNotice("营业"), LobbyJsonContext.Default.SignageNotice));
    }

    private static (Type Type, string Now, string Before) Pair<T>(T value, JsonTypeInfo<T> generated, object before, JsonSerializerOptions? options = null) =>
        (typeof(T), JsonSerializer.Serialize(value, generated), JsonSerializer.Serialize(before, before.GetType(), options ?? s_http));
}
