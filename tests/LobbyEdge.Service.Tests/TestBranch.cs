using LobbyEdge.Engine;

namespace LobbyEdge.Service.Tests;

/// <summary>A small branch and its clock for the host's tests.</summary>
internal static class TestBranch
{
    public static readonly TimeZoneInfo Shanghai = TestBranches.Shanghai;

    /// <summary>A Monday in Shanghai (no DST).</summary>
    public static readonly DateOnly Day = TestBranches.Monday;

    public static DateTimeOffset At(int hour, int minute, int second = 0) => TestBranches.At(hour, minute, second);

    /// <summary>One cash service numbered 1..9999 (so thousands of tickets never wrap) and two counters.</summary>
    public static BranchConfig Create() => new()
    {
        BranchId = "test-001",
        Name = "Test Branch",
        TimeZone = Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(17, 0),
        MaxTicketsPerDay = 16_384,
        Services =
        [
            new ServiceConfig { Prefix = 'A', Id = "cash", Name = "Cash", FirstNumber = 1, LastNumber = 9999, CareThreshold = TimeSpan.FromMinutes(10) },
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new ServiceWeight(0)] },
            new CounterConfig { Number = 2, Services = [new ServiceWeight(0)] },
        ],
    };
}
