// TEMPORARY: owner E's advice API as API14.md names it, so this branch builds until E's "API: " commit is on main; deleted at that merge.
#pragma warning disable
namespace LobbyEdge.Engine;

public enum AdviceKind : byte { None = 0, Open = 1, Resume = 2, Pause = 3, Close = 4 }
public enum AdviceAnswer : byte { None = 0, Accepted = 1, Dismissed = 2 }
public readonly record struct AdviceFigures(AdviceKind Kind, int ServiceLevelNowBp, int ServiceLevelWithBp, int PastCareAvoided, int HorizonMinutes);
public readonly record struct AdviceView(int Id, AdviceKind Kind, int CounterNumber, int Service,
    DateTime IssuedUtc, AdviceFigures Figures, AdviceAnswer Answer, DateTime AnsweredUtc, int Staff);
public static class StubExtensions
{
    extension(Command)
    {
        public static Command Advise(int counter, int service, AdviceFigures advice) => Command.OpenCounter(counter) with { Service = service };
    }

    extension(QueueEngine engine)
    {
        public int CopyAdvice(Span<AdviceView> destination) => 0;
    }
}
