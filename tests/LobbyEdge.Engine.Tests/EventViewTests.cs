namespace LobbyEdge.Engine.Tests;

/// <summary>
/// Each kind's view names the raw fields as <see cref="EventKind"/> documents them (the log's codec and every older
/// log keep that layout), and asking an event for another kind's view is refused.
/// </summary>
public sealed class EventViewTests
{
    private static LobbyEvent Raw(EventKind kind, long a = 0, long b = 0, int count = 0, byte detail = 0, byte reason = 0) =>
        new() { Sequence = 7, Kind = kind, A = a, B = b, Count = count, Detail = detail, Reason = reason };

    [Fact]
    public void DayOpenedAndClosed_NameTheBusinessDate()
    {
        var date = new DateOnly(2026, 11, 30);
        Assert.Equal(date, Raw(EventKind.DayOpened, a: date.DayNumber).AsDayOpened().BusinessDate);
        Assert.Equal(date, Raw(EventKind.DayClosed, a: date.DayNumber).AsDayClosed().BusinessDate);
    }

    [Fact]
    public void TicketIssued_NamesPeopleAheadThePredictionAndWalkIn()
    {
        TicketIssuedView v = Raw(EventKind.TicketIssued, a: 900_000, b: 1_500_000, count: 4, detail: 1).AsTicketIssued();
        Assert.Equal((4, 900_000L, 1_500_000L, true), (v.PeopleAhead, v.TypicalWaitMs, v.UpperWaitMs, v.IsWalkIn));
        Assert.False(Raw(EventKind.TicketIssued).AsTicketIssued().IsWalkIn);
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, true, false)]
    [InlineData(2, false, true)]
    [InlineData(3, true, true)]
    public void TicketCalled_NamesTheSourceAndWhichMeasuresItCarries(byte flags, bool wait, bool error)
    {
        TicketCalledView v = Raw(EventKind.TicketCalled, a: 240_000, b: -60_000, detail: (byte)CallSource.CallBack, reason: flags).AsTicketCalled();
        Assert.Equal(CallSource.CallBack, v.Source);
        Assert.Equal((CallMeasures)flags, v.Measured);
        Assert.Equal((wait, error), (v.HasWait, v.HasPredictionError));
        Assert.Equal((240_000L, -60_000L), (v.WaitMs, v.PredictionErrorMs));
    }

    [Fact]
    public void TicketEvents_NameTheirCountsTimesAndReasons()
    {
        Assert.Equal(2, Raw(EventKind.TicketRecalled, count: 2).AsTicketRecalled().Recalls);
        Assert.True(Raw(EventKind.TicketStarted, detail: 1).AsTicketStarted().IsImplied);
        Assert.False(Raw(EventKind.TicketStarted).AsTicketStarted().IsImplied);
        Assert.Equal(360_000, Raw(EventKind.TicketCompleted, a: 360_000).AsTicketCompleted().ServiceMs);
        Assert.Equal(3, Raw(EventKind.TicketNoShow, count: 3).AsTicketNoShow().Recalls);
        Assert.Equal(5, Raw(EventKind.TicketRecovered, count: 5).AsTicketRecovered().PlacesFromFront);
        Assert.Equal(RefusalReason.ToleranceCallsExceeded, Raw(EventKind.RecoveryRefused, reason: (byte)RefusalReason.ToleranceCallsExceeded).AsRecoveryRefused().Refusal);
        Assert.Equal(CancelReason.PrintFailed, Raw(EventKind.TicketCancelled, reason: (byte)CancelReason.PrintFailed).AsTicketCancelled().Reason);

        TicketTransferredView moved = Raw(EventKind.TicketTransferred, b: 2, count: 1, detail: (byte)Placement.ByAge).AsTicketTransferred();
        Assert.Equal((2, 1, Placement.ByAge), (moved.FromService, moved.PlacesFromFront, moved.Placement));

        TicketAbandonedView expired = Raw(EventKind.TicketAbandoned, detail: (byte)RefusalReason.ToleranceMinutesExceeded, reason: (byte)AbandonReason.NoShowExpired).AsTicketAbandoned();
        Assert.Equal((AbandonReason.NoShowExpired, RefusalReason.ToleranceMinutesExceeded), (expired.Reason, expired.ExpiredLimit));

        CareNeededView care = Raw(EventKind.CareNeeded, a: 600_000, count: 2).AsCareNeeded();
        Assert.Equal((600_000L, 2), (care.WaitedMs, care.AlertNumber));
        Assert.Equal(1_200_000, Raw(EventKind.SlaBreached, a: 1_200_000).AsSlaBreached().WaitedMs);
    }

    [Fact]
    public void CounterDeviceClockAndRequestEvents_NameTheirFields()
    {
        CounterStateChangedView counter = Raw(EventKind.CounterStateChanged, a: 300_000, detail: (byte)CounterState.Paused, reason: (byte)CounterState.Standby).AsCounterStateChanged();
        Assert.Equal((CounterState.Paused, CounterState.Standby, 300_000L), (counter.State, counter.PreviousState, counter.PreviousStateMs));

        DeviceStatusChangedView device = Raw(EventKind.DeviceStatusChanged, count: 3, detail: (byte)DeviceStatus.PaperOut).AsDeviceStatusChanged();
        Assert.Equal((3, DeviceStatus.PaperOut), (device.DeviceIndex, device.Status));

        ClockSteppedView step = Raw(EventKind.ClockStepped, a: -7_200_000, b: 7_200_000, detail: 1, reason: 1).AsClockStepped();
        Assert.Equal((-7_200_000L, 7_200_000L, true, true), (step.StepMs, step.BranchClockAheadMs, step.AtStart, step.IsSynchronized));
        ClockSteppedView running = Raw(EventKind.ClockStepped, a: 60_000).AsClockStepped();
        Assert.Equal((false, false), (running.AtStart, running.IsSynchronized));

        RequestDecidedView refused = Raw(EventKind.RequestDecided, a: 0x1234, b: 0x5678, count: 0, detail: (byte)CommandKind.Issue, reason: (byte)RefusalReason.DayNotOpen).AsRequestDecided();
        Assert.Equal((new RequestKey(0x1234, 0x5678), CommandKind.Issue, RefusalReason.DayNotOpen, false, 0), (refused.Request, refused.Command, refused.Refusal, refused.Accepted, refused.EffectEvents));
        RequestDecidedView carried = Raw(EventKind.RequestDecided, a: 1, b: 2, count: 1, detail: (byte)CommandKind.Issue).AsRequestDecided();
        Assert.Equal((true, RefusalReason.None, 1), (carried.Accepted, carried.Refusal, carried.EffectEvents));
    }

    [Fact]
    public void AnotherKindsView_IsRefused_NamingTheEventAndBothKinds()
    {
        LobbyEvent completed = Raw(EventKind.TicketCompleted, a: 360_000);
        var wrong = Assert.Throws<InvalidOperationException>(() => completed.AsTicketCalled());
        Assert.Equal("event 7 is TicketCompleted, not TicketCalled: its fields mean something else", wrong.Message);
        Assert.Throws<InvalidOperationException>(() => Raw(EventKind.TicketNoShow).AsTicketRecalled());
        Assert.Throws<InvalidOperationException>(() => Raw(EventKind.None).AsDayOpened());
    }
}
