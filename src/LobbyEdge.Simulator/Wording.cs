namespace LobbyEdge.Simulator;

/// <summary>Small pieces of wording the simulator's lines share.</summary>
internal static class Wording
{
    /// <summary>"1 place", "3 places": the word for a count.</summary>
    public static string Plural(int n, string word) => n == 1 ? word : word + "s";
}
