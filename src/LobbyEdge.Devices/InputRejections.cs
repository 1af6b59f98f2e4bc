using LobbyEdge.Devices.Keypad;

namespace LobbyEdge.Devices;

/// <summary>
/// Why the devices drop input, as the <c>reason</c> label of <c>lobby_device_frames_rejected_total</c>
/// (CONTRACTS.md, "Metrics"). The set is closed and small, so a metrics sink can create every child once at start
/// and count a rejected frame without allocating; the strings are the same instances every time.
/// </summary>
public static class InputRejections
{
    /// <summary>A valid <c>caller68</c> frame from an address no keypad in the profile has.</summary>
    public const string UnknownAddress = "unknown_address";

    /// <summary>A key frame from a staff keypad that means nothing (an unknown key code, confirm without a digit).</summary>
    public const string UnknownKey = "unknown_key";

    /// <summary>
    /// A frame whose function the device at that address does not send: a rating (FUNC 11) from a staff keypad's
    /// address, a key (FUNC 01) from a rating pad's (a miswired or misaddressed device). Not answered, not acted on.
    /// </summary>
    public const string UnexpectedFunction = "unexpected_function";

    /// <summary>A rating pad's score outside 1..5.</summary>
    public const string RatingOutOfRange = "rating_out_of_range";

    /// <summary>
    /// A rating pad's second press for a ticket already rated (the engine's <c>AlreadyRated</c>): the first rating
    /// stands; the pad is told so.
    /// </summary>
    public const string AlreadyRated = "already_rated";

    /// <summary>A rating pad's score the engine refused for another reason (e.g. the day is not open).</summary>
    public const string RatingRefused = "rating_refused";

    /// <summary>
    /// A rating pad's press over the pad's rate (<c>Rating:PadBurst</c>, <c>Rating:PadRatingsPerMinute</c>): a stuck
    /// key or a child at the pad; answered on the pad as not counted, never a rating.
    /// </summary>
    public const string RatingRateLimit = "rating_rate_limit";

    /// <summary>A key press dropped because the engine is far behind (the keypad beeps).</summary>
    public const string RequestQueueFull = "request_queue_full";

    /// <summary>A byte from a printer that is neither a <c>DLE EOT</c> reply nor part of an Automatic Status Back frame.</summary>
    public const string UnexpectedByte = "unexpected_byte";

    private static readonly string[] s_keypadLine =
    [
        .. Enum.GetValues<Caller68Rejection>().Where(r => r != Caller68Rejection.None).Select(KeypadBus.Name),
        UnknownAddress,
    ];

    private static readonly string[] s_keypad = [UnknownKey, RequestQueueFull, UnexpectedFunction];
    private static readonly string[] s_ratingPad = [RatingOutOfRange, RequestQueueFull, AlreadyRated, RatingRefused, RatingRateLimit, UnexpectedFunction];
    private static readonly string[] s_printer = [UnexpectedByte];

    /// <summary>
    /// The reasons a device of <paramref name="kind"/> can report; <paramref name="keypadLine"/> says whether a
    /// serial line carries <c>caller68</c> keypads (a display line reads nothing back, so it rejects nothing).
    /// </summary>
    public static IReadOnlyList<string> For(DeviceKind kind, bool keypadLine = false) => kind switch
    {
        DeviceKind.SerialLine when keypadLine => s_keypadLine,
        DeviceKind.Keypad => s_keypad,
        DeviceKind.RatingPad => s_ratingPad,
        DeviceKind.Printer => s_printer,
        _ => [],
    };
}
