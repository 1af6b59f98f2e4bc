using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LobbyEdge.Voice;

/// <summary>
/// The command that plays one WAV file (<see cref="VoiceOptions.Player"/>), run as a process of its own, never
/// through a shell, with a time limit.
/// </summary>
internal sealed class PlayerCommand
{
    /// <summary>Stands for the WAV file's path in the command.</summary>
    public const string FilePlaceholder = "{file}";

    // What a failing player says is kept for the log, up to this much.
    private const int MaxErrorChars = 500;

    private static readonly TimeSpan s_drainPatience = TimeSpan.FromSeconds(2);

    private readonly string[] _arguments;

    private PlayerCommand(string text, string program, string[] arguments)
    {
        Text = text;
        Program = program;
        _arguments = arguments;
    }

    /// <summary>The command as configured.</summary>
    public string Text { get; }

    /// <summary>The program started.</summary>
    public string Program { get; }

    /// <summary>Splits a configured command into program and arguments; adds <see cref="FilePlaceholder"/> at the end when it has none.</summary>
    /// <exception cref="FormatException">The command is empty or has an unclosed quote.</exception>
    public static PlayerCommand Parse(string? text)
    {
        List<string> words = Split(text ?? "");
        if (words.Count == 0)
        {
            throw new FormatException("Voice:Player: the command is empty");
        }

        if (!words.Skip(1).Any(w => w.Contains(FilePlaceholder, StringComparison.Ordinal)))
        {
            words.Add(FilePlaceholder);
        }

        return new PlayerCommand(text!.Trim(), words[0], [.. words.Skip(1)]);
    }

    /// <summary>The arguments for playing <paramref name="file"/>.</summary>
    public IReadOnlyList<string> ArgumentsFor(string file) =>
        [.. _arguments.Select(a => a.Replace(FilePlaceholder, file, StringComparison.Ordinal))];

    /// <summary>
    /// Plays <paramref name="file"/> and waits for the player to end. A player still running after
    /// <paramref name="timeout"/> is killed, with every process it started.
    /// </summary>
    /// <returns><see langword="null"/> when the player exited with code 0; otherwise what went wrong, for the log.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the service is stopping); the player was killed.</exception>
    public async Task<string?> PlayAsync(string file, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Program)
        {
            UseShellExecute = false,

            // Its output must not mix with the service's log lines (journald, JSON); what it says on stderr is
            // kept for the failure message. Stdin is closed so a player that reads it does not wait forever.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in ArgumentsFor(file))
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            return $"cannot start {Program}: {e.Message}";
        }

        if (process is null)
        {
            return $"cannot start {Program}";
        }

        using (process)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It has already gone; its exit code tells the rest.
            }

            Task drainOutput = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
            Task<string> errors = ReadStartAsync(process.StandardError);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            bool killed = false;
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await KillAsync(process).ConfigureAwait(false);
                killed = true;
            }

            string said = await CollectAsync(drainOutput, errors).ConfigureAwait(false);
            if (killed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return string.Create(CultureInfo.InvariantCulture, $"{Program} did not finish within {timeout.TotalSeconds:0.#} s and was killed");
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            return string.Create(CultureInfo.InvariantCulture, $"{Program} exited with code {process.ExitCode}{(said.Length > 0 ? ": " + said : "")}");
        }
    }

    /// <summary>Waits briefly for the player's output to end and returns what it said on stderr.</summary>
    private static async Task<string> CollectAsync(Task drainOutput, Task<string> errors)
    {
        // A process the player left behind may hold the pipes open: do not wait on it for long.
        try
        {
            await drainOutput.WaitAsync(s_drainPatience, CancellationToken.None).ConfigureAwait(false);
            return (await errors.WaitAsync(s_drainPatience, CancellationToken.None).ConfigureAwait(false)).Trim();
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException)
        {
            // Nothing more to learn from its output. The readers end when the pipes close; their faults are
            // observed here so they never surface as unobserved task exceptions.
            _ = drainOutput.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _ = errors.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return "";
        }
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It ended on its own meanwhile, or cannot be touched; either way there is nothing more to do.
        }

        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(s_drainPatience, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Left to the system; the next announcement does not wait for it.
        }
    }

    private static async Task<string> ReadStartAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        char[] buffer = new char[1024];
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            // The rest is read and thrown away, so a chatty player never blocks on a full pipe.
            kept.Append(buffer, 0, Math.Min(n, MaxErrorChars - kept.Length));
        }

        return kept.ToString();
    }

    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote != '\0')
        {
            throw new FormatException($"Voice:Player: unclosed {quote} in \"{text}\"");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
