using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Reads an Evonic <c>.env</c> file exactly as Evonic's own loader does: <c>backend/dotenv_loader.py</c>
/// (<c>load_dotenv</c>, <c>_parse_and_set</c>, <c>_parse_quoted_value</c>, <c>_parse_unquoted_value</c>), which
/// replaced python-dotenv in Evonic commit 0f32e72 (2026-05-14) and is unchanged at upstream main c5aad6f
/// (2026-06-28). Its rules, quirks included: one line at a time (no multi-line values); the first assignment of a
/// key wins (<c>override=False</c>); an unquoted value ends at the first <c>#</c> not preceded by <c>\</c>; a
/// quoted value ends at the next quote of its kind, escaped or not, and anything after it is ignored; no
/// interpolation.
/// </summary>
internal static class DotEnvFile
{
    // Python's open(..., encoding="utf-8"): a BOM is not stripped (it becomes part of the first key).
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static IReadOnlyDictionary<string, string> Read(string path) =>
        Parse(Utf8.GetString(File.ReadAllBytes(path)));

    internal static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in Lines(text))
            if (ParseLine(line) is { } assignment && !values.ContainsKey(assignment.Key))
                values.Add(assignment.Key, assignment.Value);
        return values;
    }

    /// <summary>Python's text-mode iteration (universal newlines): lines end at <c>\n</c>, <c>\r\n</c> or
    /// <c>\r</c>.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is not ('\n' or '\r'))
                continue;
            yield return text.Substring(start, i - start);
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                i++;
            start = i + 1;
        }
        if (start < text.Length)
            yield return text.Substring(start);
    }

    /// <summary><c>_parse_and_set</c>: the key and value a line assigns, or null for a line that assigns
    /// nothing.</summary>
    private static KeyValuePair<string, string>? ParseLine(string line)
    {
        line = Strip(line);
        if (line.Length == 0)
            return null;
        if (line.StartsWith("export ", StringComparison.Ordinal))
            line = StripStart(line.Substring(7));
        if (line.StartsWith("#", StringComparison.Ordinal))
            return null;
        int equals = line.IndexOf('=');
        if (equals < 0)
            return null;
        string key = StripEnd(line.Substring(0, equals));
        if (key.Length == 0)
            return null;
        string raw = StripStart(line.Substring(equals + 1));
        string value =
            raw.Length == 0 ? ""
            : raw[0] is '"' or '\'' ? ParseQuoted(raw)
            : ParseUnquoted(raw);
        return new KeyValuePair<string, string>(key, value);
    }

    /// <summary><c>_parse_quoted_value</c>: up to the next quote of the same kind (or the end), then its replacements
    /// in its order.</summary>
    private static string ParseQuoted(string raw)
    {
        char quote = raw[0];
        int closing = raw.IndexOf(quote, 1);
        string inner = closing >= 0 ? raw.Substring(1, closing - 1) : raw.Substring(1);
        if (quote == '"')
            return inner
                .Replace("\\n", "\n")
                .Replace("\\r", "\r")
                .Replace("\\t", "\t")
                .Replace("\\\"", "\"")
                .Replace("\\\\", "\\")
                .Replace("\\$", "$");
        return inner.Replace("\\\\", "\\").Replace("\\'", "'");
    }

    /// <summary><c>_parse_unquoted_value</c>: up to the first <c>#</c> not escaped as <c>\#</c>, trailing whitespace
    /// removed.</summary>
    private static string ParseUnquoted(string raw)
    {
        var value = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length && raw[i + 1] == '#')
            {
                value.Append('#');
                i++;
                continue;
            }
            if (raw[i] == '#')
                break;
            value.Append(raw[i]);
        }
        return StripEnd(value.ToString());
    }

    // Python's str.strip() with no argument removes what str.isspace() calls whitespace: .NET's set plus the
    // four information separators U+001C..U+001F.
    private static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static string Strip(string s) => StripEnd(StripStart(s));

    private static string StripStart(string s)
    {
        int start = 0;
        while (start < s.Length && IsPythonWhitespace(s[start]))
            start++;
        return s.Substring(start);
    }

    private static string StripEnd(string s)
    {
        int end = s.Length;
        while (end > 0 && IsPythonWhitespace(s[end - 1]))
            end--;
        return s.Substring(0, end);
    }
}
