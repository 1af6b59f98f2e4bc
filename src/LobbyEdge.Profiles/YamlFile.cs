using System.Buffers;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// What went wrong reading a YAML file, before its content could be checked: where (line and column 1-based, both 0
/// for the file as a whole) and what, in words a field technician can act on.
/// </summary>
/// <param name="At">The position; <c>default</c> (line 0) when the problem is with the file as a whole.</param>
/// <param name="Message">What is wrong, e.g. <c>YAML syntax error: While parsing a flow sequence, did not find expected ',' or ']'.</c></param>
internal readonly record struct YamlFileProblem(Mark At, string Message);

/// <summary>
/// The one way every profile file is read (branch profiles and device models alike): strict UTF-8, then YAML with
/// positions. Every failure of the file system, the encoding or the YAML parser comes back as a
/// <see cref="YamlFileProblem"/> with a position, never as an exception, so a typo anywhere the loaders read is a
/// <c>file:line:column</c> message (exit 2), whichever file it is in.
/// </summary>
internal static class YamlFile
{
    /// <summary>Reads and parses <paramref name="path"/>; null with <paramref name="problem"/> set when it cannot.</summary>
    /// <param name="path">The file.</param>
    /// <param name="problem">Set when the result is null.</param>
    /// <returns>The file's YAML documents (possibly none, for an empty file).</returns>
    public static YamlStream? Load(string path, out YamlFileProblem problem)
    {
        string? text = ReadText(path, out problem);
        return text is null ? null : Parse(text, out problem);
    }

    /// <summary>
    /// Reads <paramref name="path"/> as UTF-8 text (a leading byte-order mark is dropped); null with
    /// <paramref name="problem"/> set when the file is missing, unreadable, a directory, or not UTF-8 (then the
    /// line and column of the first bad byte).
    /// </summary>
    public static string? ReadText(string path, out YamlFileProblem problem)
    {
        ArgumentNullException.ThrowIfNull(path);
        problem = default;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = new YamlFileProblem(default, "file not found");
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            problem = new YamlFileProblem(default, Directory.Exists(path)
                ? "cannot read the file: it is a directory"
                : "cannot read the file: permission denied");
            return null;
        }
        catch (IOException e)
        {
            problem = new YamlFileProblem(default, $"cannot read the file: {e.Message}");
            return null;
        }

        // Chinese names make it likely that a file was saved as GBK by a Windows editor;
        // decoding it leniently would print garbage on every ticket, so say so instead.
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        int line = 1;
        int column = 1;
        for (int i = 0; i < span.Length;)
        {
            if (Rune.DecodeFromUtf8(span[i..], out Rune rune, out int consumed) != OperationStatus.Done)
            {
                problem = new YamlFileProblem(new Mark(i, line, column), "the file is not UTF-8 text; save it as UTF-8 (GBK/GB2312 is not supported)");
                return null;
            }

            if (rune.Value == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }

            i += consumed;
        }

        return Encoding.UTF8.GetString(span);
    }

    /// <summary>
    /// Parses YAML text (comments skipped); null with <paramref name="problem"/> set, at the position the parser
    /// stopped, on any syntax error (a duplicate key included).
    /// </summary>
    public static YamlStream? Parse(string text, out YamlFileProblem problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = default;
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        var stream = new YamlStream();
        try
        {
            stream.Load(new Parser(scanner));
            return stream;
        }
        catch (YamlException e)
        {
            string message = e.Message.StartsWith("Duplicate key ", StringComparison.Ordinal)
                ? $"key \"{e.Message["Duplicate key ".Length..]}\" appears twice in the same section"
                : e.Message;
            problem = new YamlFileProblem(e.Start.Line > 0 ? e.Start : scanner.CurrentPosition, $"YAML syntax error: {message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner can fail without a position (seen with an unclosed `[`
            // followed by more keys, and with ArgumentException "the current event is of an unsupported type"
            // for a key left empty before a nested key: ` : baud: 9600`); where the scanner stopped is the best
            // place to look.
            problem = new YamlFileProblem(scanner.CurrentPosition, "YAML syntax error: cannot read on from here (is a '[', '{' or quote above left unclosed?)");
            return null;
        }
    }
}
