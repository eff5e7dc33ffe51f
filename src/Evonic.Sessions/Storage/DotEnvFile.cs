using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Reads an Evonic <c>.env</c> file as python-dotenv (which Evonic uses) reads it: <c>export</c> prefixes,
/// single quotes (literal), double quotes (with backslash escapes, across lines), a <c>#</c> comment after a
/// quoted value or after whitespace in an unquoted one, and the last assignment of a key wins.
/// </summary>
internal static class DotEnvFile
{
    public static IReadOnlyDictionary<string, string> Read(string path) => Parse(File.ReadAllText(path));

    internal static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        while (i < text.Length)
        {
            SkipBlanks(text, ref i);
            if (i >= text.Length) break;
            if (text[i] == '#' || text[i] == '\n' || text[i] == '\r')
            {
                SkipLine(text, ref i);
                continue;
            }
            if (string.CompareOrdinal(text, i, "export", 0, 6) == 0 && i + 6 < text.Length && text[i + 6] is ' ' or '\t')
            {
                i += 6;
                SkipBlanks(text, ref i);
            }
            int keyStart = i;
            while (i < text.Length && text[i] is not ('=' or '\n' or '\r' or '#') && !char.IsWhiteSpace(text[i])) i++;
            string key = text.Substring(keyStart, i - keyStart);
            SkipBlanks(text, ref i);
            if (key.Length == 0 || i >= text.Length || text[i] != '=')
            {
                SkipLine(text, ref i); // a line python-dotenv does not assign from
                continue;
            }
            i++;
            SkipBlanks(text, ref i);
            string? value = i < text.Length && text[i] is '\'' or '"' ? ReadQuoted(text, ref i) : ReadUnquoted(text, ref i);
            if (value != null) values[key] = value;
            SkipLine(text, ref i);
        }
        return values;
    }

    /// <summary>A quoted value; null (and the line skipped) when the quote never closes or is followed by more than a comment.</summary>
    private static string? ReadQuoted(string text, ref int i)
    {
        char quote = text[i++];
        var value = new StringBuilder();
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                char next = text[i + 1];
                if (quote == '\'' && next is '\\' or '\'') { value.Append(next); i += 2; continue; }
                if (quote == '"' && Escape(next) is { } escaped) { value.Append(escaped); i += 2; continue; }
            }
            value.Append(text[i++]);
        }
        if (i >= text.Length) return null;
        i++;
        SkipBlanks(text, ref i);
        return i >= text.Length || text[i] is '#' or '\n' or '\r' ? value.ToString() : null;
    }

    private static char? Escape(char c) => c switch
    {
        '\\' => '\\', '\'' => '\'', '"' => '"', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', 'v' => '\v',
        _ => null,
    };

    /// <summary>The rest of the line, less a comment that starts after whitespace, trimmed at the end.</summary>
    private static string ReadUnquoted(string text, ref int i)
    {
        int start = i;
        while (i < text.Length && text[i] is not ('\n' or '\r')) i++;
        string value = text.Substring(start, i - start);
        for (int hash = value.IndexOf('#'); hash > 0; hash = value.IndexOf('#', hash + 1))
            if (char.IsWhiteSpace(value[hash - 1]))
            {
                value = value.Substring(0, hash);
                break;
            }
        return value.TrimEnd();
    }

    private static void SkipBlanks(string text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t') i++;
    }

    private static void SkipLine(string text, ref int i)
    {
        while (i < text.Length && text[i] != '\n') i++;
        if (i < text.Length) i++;
    }
}
