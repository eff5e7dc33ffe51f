using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Evonic.Sessions.Storage;

/// <summary>
/// What the cleanup needs from a JSONL chat log: the last <c>ts</c>, whether a turn is still open, and the
/// session id it names. Unparsable lines (a torn last line after a crash, binary junk, lines too long to be
/// real events) are skipped.
/// </summary>
internal sealed class ChatLog
{
    /// <summary>Longer lines are skipped unread: no real event is that large, and reading one would cost the
    /// memory.</summary>
    internal const int MaxLineBytes = 8 * 1024 * 1024;

    private ChatLog(string path) => Path = path;

    public string Path { get; }
    public long Size { get; private set; }
    public DateTime LastWriteUtc { get; private set; }
    public DateTime? LastTimestamp { get; private set; }
    public bool TurnInProgress { get; private set; }
    public string? SessionId { get; private set; }

    /// <summary>The later of the last <c>ts</c> and the file's modification time.</summary>
    public DateTime LastActivity => LastTimestamp is { } ts && ts > LastWriteUtc ? ts : LastWriteUtc;

    /// <summary>Size and modification time only, for logs whose content cannot change the verdict.</summary>
    public static ChatLog Stat(string path)
    {
        var info = new FileInfo(path);
        return new ChatLog(path) { Size = info.Length, LastWriteUtc = info.LastWriteTimeUtc };
    }

    public static ChatLog Read(string path) => Read(Stat(path));

    /// <summary>Reads the content of a log already <see cref="Stat"/>ed, so the file is not looked up twice.</summary>
    public static ChatLog Read(ChatLog stat)
    {
        string path = stat.Path;
        var log = new ChatLog(path) { Size = stat.Size, LastWriteUtc = stat.LastWriteUtc };
        using var stream = new FileStream(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete,
            1,
            FileOptions.SequentialScan
        );
        // Most logs are a few KB: size the buffers to the file, not to the largest log there could be.
        byte[] chunk = new byte[(int)Math.Min(64 * 1024, Math.Max(512, log.Size + 1))];
        byte[] pending = new byte[(int)Math.Min(4096, Math.Max(256, log.Size + 1))];
        int pendingLength = 0;
        bool skipping = false;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            int start = 0;
            while (true)
            {
                int newline = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                int end = newline < 0 ? read : newline;
                if (!skipping)
                {
                    if (pendingLength == 0 && newline >= 0)
                    {
                        log.Consume(new ReadOnlySpan<byte>(chunk, start, end - start));
                    }
                    else if (pendingLength + (end - start) > MaxLineBytes)
                    {
                        skipping = true;
                        pendingLength = 0;
                    }
                    else
                    {
                        if (pendingLength + (end - start) > pending.Length)
                            Array.Resize(
                                ref pending,
                                Math.Min(MaxLineBytes, Math.Max(pending.Length * 2, pendingLength + end - start))
                            );
                        Buffer.BlockCopy(chunk, start, pending, pendingLength, end - start);
                        pendingLength += end - start;
                        if (newline >= 0)
                        {
                            log.Consume(new ReadOnlySpan<byte>(pending, 0, pendingLength));
                            pendingLength = 0;
                        }
                    }
                }
                if (newline < 0)
                    break;
                skipping = false;
                start = newline + 1;
            }
        }
        if (!skipping && pendingLength > 0)
            log.Consume(new ReadOnlySpan<byte>(pending, 0, pendingLength));
        return log;
    }

    private void Consume(ReadOnlySpan<byte> line)
    {
        string? type = null,
            sessionId = null;
        DateTime? ts = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0))
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                    continue;
                if (reader.ValueTextEquals("type"))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                        type = reader.GetString();
                }
                else if (reader.ValueTextEquals("session_id"))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                        sessionId = reader.GetString();
                }
                else if (reader.ValueTextEquals("ts"))
                {
                    reader.Read();
                    ts = ReadTimestamp(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                return; // torn line
        }
        catch (JsonException)
        {
            return;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        if (ts is { } t && (LastTimestamp is not { } last || t > last))
            LastTimestamp = t;
        if (SessionId == null && !string.IsNullOrEmpty(sessionId))
            SessionId = sessionId;
        if (type == "turn_begin")
            TurnInProgress = true;
        else if (type == "turn_end")
            TurnInProgress = false;
    }

    /// <summary>
    /// Evonic writes epoch milliseconds; ISO text is accepted too. Text without a zone is UTC, as SQLite reads
    /// such text and as Evonic writes it (never the local time of the machine that runs the cleanup).
    /// </summary>
    private static DateTime? ReadTimestamp(ref Utf8JsonReader reader)
    {
        const long minMs = -62135596800000,
            maxMs = 253402300799999;
        if (
            reader.TokenType == JsonTokenType.Number
            && reader.TryGetDouble(out double ms)
            && ms >= minMs
            && ms <= maxMs
        )
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms).UtcDateTime;
        if (reader.TokenType != JsonTokenType.String)
            return null;
        if (reader.TryGetDateTime(out DateTime at))
        {
            if (at.Kind == DateTimeKind.Unspecified)
                return DateTime.SpecifyKind(at, DateTimeKind.Utc);
            return reader.TryGetDateTimeOffset(out DateTimeOffset withZone) ? withZone.UtcDateTime : null;
        }
        // SQLite's own text form, "YYYY-MM-DD HH:MM:SS[.fff]", which System.Text.Json does not take.
        return DateTime.TryParseExact(
            reader.GetString(),
            SqliteTextFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out DateTime sqlite
        )
            ? sqlite
            : null;
    }

    private static readonly string[] SqliteTextFormats =
    {
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm",
    };

    /// <summary>
    /// Every line of the log as its exact bytes (without the line break), for the archive: what a restore writes
    /// back, byte for byte, also a byte that is not UTF-8. A last line without a line break (a torn write) is a line
    /// too, and <paramref name="unterminated"/> says so.
    /// </summary>
    public static List<byte[]> ReadLines(string path, out bool unterminated)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n')
                continue;
            lines.Add(Slice(bytes, start, i));
            start = i + 1;
        }
        unterminated = start < bytes.Length;
        if (unterminated)
            lines.Add(Slice(bytes, start, bytes.Length));
        return lines;
    }

    private static byte[] Slice(byte[] bytes, int start, int end)
    {
        var line = new byte[end - start];
        Array.Copy(bytes, start, line, 0, line.Length);
        return line;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true
    );

    /// <summary>The line as text when it is valid UTF-8 (what Evonic's archive holds), else null: it is kept as
    /// bytes.</summary>
    public static string? TextOf(byte[] line)
    {
        try
        {
            return StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
