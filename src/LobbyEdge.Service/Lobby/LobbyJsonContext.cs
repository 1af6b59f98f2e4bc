using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The JSON of the lobby's pages (console, kiosk, rating page, signage), generated at build time: no reflection, so the
/// Native AOT binary writes exactly what the JIT build does, and both write byte for byte what the reflection-based
/// serializer wrote before (the pages' JavaScript and the tests read it). Two sets of options, as before:
/// <see cref="Http"/> for the HTTP answers (ASP.NET Core's HTTP JSON options: web defaults, camelCase names, nulls
/// written, the relaxed encoder, so Chinese text and <c>' &lt; &amp;</c> are written as they are) and
/// <see cref="JsonSerializerContext"/>'s <c>Default</c> for the Server-Sent Events' data (web defaults with the default
/// encoder: Chinese text as <c>\uXXXX</c> escapes). Every answer has a record below, named for what it says; their
/// properties keep the old wire names and order.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Refused))]
[JsonSerializable(typeof(RefusedWithError))]
[JsonSerializable(typeof(RefusedInEnglish))]
[JsonSerializable(typeof(EnrolRefused))]
[JsonSerializable(typeof(RetryLater))]
[JsonSerializable(typeof(TicketRefused))]
[JsonSerializable(typeof(SignedInStaff))]
[JsonSerializable(typeof(Done))]
[JsonSerializable(typeof(ActionDone))]
[JsonSerializable(typeof(CareAlreadyGiven))]
[JsonSerializable(typeof(NotPrinted))]
[JsonSerializable(typeof(TicketIssued))]
[JsonSerializable(typeof(BranchClosed))]
[JsonSerializable(typeof(PrintFailed))]
[JsonSerializable(typeof(SelfServiceTaken))]
[JsonSerializable(typeof(RatingStation))]
[JsonSerializable(typeof(RatingQuestion))]
[JsonSerializable(typeof(RatingPage.Dismissal))]
[JsonSerializable(typeof(RatingTaken))]
[JsonSerializable(typeof(SignageNotice))]
[JsonSerializable(typeof(AdviceAnswerDone))]
[JsonSerializable(typeof(AdviceRefused))]
internal sealed partial class LobbyJsonContext : JsonSerializerContext
{
    /// <summary>For the HTTP answers (<c>Results.Json</c>): web defaults with the relaxed encoder, as ASP.NET Core's HTTP JSON options.</summary>
    public static LobbyJsonContext Http { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

/// <summary>A refusal in both languages: <c>{"ok":false,"reason","messageZh","message"}</c>.</summary>
internal sealed record Refused(bool Ok, string Reason, string MessageZh, string Message);

/// <summary>A refusal in both languages with the technical reason: <c>{"ok":false,"reason","messageZh","message","error"}</c>.</summary>
internal sealed record RefusedWithError(bool Ok, string Reason, string MessageZh, string Message, string Error);

/// <summary>A refusal no customer sees (a cross-site request): <c>{"ok":false,"reason","message"}</c>.</summary>
internal sealed record RefusedInEnglish(bool Ok, string Reason, string Message);

/// <summary>An enrolment refused (a token not in the file): <c>{"ok":false,"reason","error"}</c>.</summary>
internal sealed record EnrolRefused(bool Ok, string Reason, string Error);

/// <summary>Over a rate (429, or locked out): <c>{"ok":false,"reason","retryAfterSeconds","messageZh","message"}</c>.</summary>
internal sealed record RetryLater(bool Ok, string Reason, int RetryAfterSeconds, string MessageZh, string Message);

/// <summary>The engine refused an action on a ticket: <c>{"ok":false,"reason","ticket","messageZh","message"}</c>.</summary>
internal sealed record TicketRefused(bool Ok, string Reason, string Ticket, string MessageZh, string Message);


/// <summary>Who is signed in at the console: <c>{"ok":true,"staff":1024,"name","role","mayCancel"}</c>.</summary>
internal sealed record SignedInStaff(bool Ok, int Staff, string Name, string Role, bool MayCancel);

/// <summary>Done, nothing more to say (signed out): <c>{"ok":true}</c>.</summary>
internal sealed record Done(bool Ok);

/// <summary>A console action the engine took: <c>{"ok":true,"ticket":"A017","staff":1024}</c>.</summary>
internal sealed record ActionDone(bool Ok, string Ticket, int Staff);

/// <summary>
/// Care already given a moment ago, nothing sent: <c>{"ok":true,"already":true,"ticket","staff","caredAt","caredSecondsAgo","caredBy"}</c>
/// (<c>caredAt</c> UTC, <c>caredSecondsAgo</c> seconds, <c>caredBy</c> a staff id or null).
/// </summary>
internal sealed record CareAlreadyGiven(bool Ok, bool Already, string Ticket, int Staff, DateTime CaredAt, long CaredSecondsAgo, int? CaredBy);

/// <summary>A reprint recorded but not printed: <c>{"ok":false,"reason":"not_printed","ticket","printer","messageZh","message"}</c> (<c>printer</c> null: none).</summary>
internal sealed record NotPrinted(bool Ok, string Reason, string Ticket, string? Printer, string MessageZh, string Message);

/// <summary>
/// A ticket the kiosk issued: <c>{"ok":true,"ticket":"A023","service","peopleAhead","waitMinutes":[typical,upper],"issuedAt"}</c>
/// (<c>waitMinutes</c> in minutes, null when not known).
/// </summary>
internal sealed record TicketIssued(bool Ok, string Ticket, string Service, int PeopleAhead, int[]? WaitMinutes, DateTimeOffset IssuedAt);

/// <summary>
/// No ticket while the branch is closed by its calendar: <c>{"ok":false,"reason","messageZh","message","note","nextOpening"}</c>
/// (<c>nextOpening</c> UTC, null when the calendar does not open within a year).
/// </summary>
internal sealed record BranchClosed(bool Ok, string Reason, string MessageZh, string Message, string Note, DateTime? NextOpening);

/// <summary>A kiosk ticket that did not print: <c>{"ok":false,"reason":"print_failed","cancelled","messageZh","message"}</c>.</summary>
internal sealed record PrintFailed(bool Ok, string Reason, bool Cancelled, string MessageZh, string Message);

/// <summary>
/// A customer took a service's self-service alternative at the kiosk (no ticket):
/// <c>{"ok":true,"service":"cash","name","nameZh","messageZh","message"}</c> (the alternative's names and where to go).
/// </summary>
internal sealed record SelfServiceTaken(bool Ok, string Service, string Name, string NameZh, string MessageZh, string Message);

/// <summary>The rating page's <c>station</c> event: <c>{"counter","branch","branchZh","seconds"}</c> (the question's time in seconds).</summary>
internal sealed record RatingStation(int Counter, string Branch, string BranchZh, int Seconds);

/// <summary>The rating page's <c>prompt</c> event: <c>{"ticket","number","service","serviceName","serviceNameZh","prompt","seconds"}</c> (seconds left).</summary>
internal sealed record RatingQuestion(int Ticket, string Number, string Service, string ServiceName, string ServiceNameZh, int Prompt, int Seconds);

/// <summary>A rating taken: <c>{"ok":true,"ticket":"A017","counter","score","reasons":[…],"linked","messageZh","message"}</c>.</summary>
internal sealed record RatingTaken(bool Ok, string Ticket, int Counter, int Score, string[] Reasons, bool Linked, string MessageZh, string Message);

/// <summary>The signage's <c>notice</c> event: <c>{"text"}</c> ("" when there is no notice).</summary>
internal sealed record SignageNotice(string Text);

/// <summary>An advice answered from the console: <c>{"ok":true,"advice":3,"answer":"accepted|dismissed","staff":1024}</c>.</summary>
internal sealed record AdviceAnswerDone(bool Ok, int Advice, string Answer, int Staff);

/// <summary>An answer to advice refused: <c>{"ok":false,"reason":"unknown_advice|already_answered|…","advice","messageZh","message"}</c>.</summary>
internal sealed record AdviceRefused(bool Ok, string Reason, int Advice, string MessageZh, string Message);
