using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

public sealed class ChatLogTests : TempFolderTest
{
    private ChatLog Write(string content)
    {
        string path = Temp.Combine("log.jsonl");
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        return ChatLog.Read(path);
    }

    private static string Line(string type, long ts) =>
        $"{{\"type\":\"{type}\",\"session_id\":\"siwa-1\",\"ts\":{ts}}}\n";

    [Fact]
    public void Takes_the_last_timestamp_and_skips_a_torn_last_line()
    {
        ChatLog log = Write(
            Line("user", 1_700_000_000_000)
                + Line("final", 1_700_000_500_000)
                + "{\"type\":\"user\",\"ts\":1800000000000"
        );
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_500_000).UtcDateTime, log.LastTimestamp);
        Assert.Equal("siwa-1", log.SessionId);
        Assert.False(log.TurnInProgress);
    }

    [Fact]
    public void A_turn_begin_without_a_later_turn_end_is_in_progress()
    {
        Assert.True(
            Write(
                Line("turn_begin", 1) + Line("turn_end", 2) + Line("turn_begin", 3) + Line("tool_call", 4)
            ).TurnInProgress
        );
        Assert.False(Write(Line("turn_begin", 1) + Line("tool_call", 2) + Line("turn_end", 3)).TurnInProgress);
    }

    [Fact]
    public void Skips_binary_empty_and_oversized_lines()
    {
        string huge =
            "{\"type\":\"user\",\"ts\":1900000000000,\"content\":\"" + new string('x', ChatLog.MaxLineBytes) + "\"}\n";
        ChatLog log = Write("\n\u0001\u0002\u00ff garbage\n" + huge + Line("final", 1_700_000_000_000) + "\r\n\n");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000).UtcDateTime, log.LastTimestamp);
    }

    [Fact]
    public void Reads_iso_timestamps_and_ignores_other_types()
    {
        ChatLog log = Write(
            "{\"type\":\"user\",\"ts\":\"2024-05-01T10:00:00+02:00\"}\n{\"type\":\"user\",\"ts\":true}\n"
        );
        Assert.Equal(new DateTime(2024, 5, 1, 8, 0, 0, DateTimeKind.Utc), log.LastTimestamp);
        Assert.Equal(new DateTime(2024, 5, 1, 8, 0, 0, DateTimeKind.Utc), log.LastActivity);
    }
}

/// <summary>Runs alone: it changes the process's local time zone, as a cleanup host east of UTC would have
/// it.</summary>
[CollectionDefinition(nameof(LocalTimeZone), DisableParallelization = true)]
public sealed class LocalTimeZone { }

[Collection(nameof(LocalTimeZone))]
public sealed class ChatLogTimeZoneTests : TempFolderTest
{
    /// <summary>
    /// ISO text without a zone is UTC, as SQLite reads it. Before, it was read as the host's local time: at UTC+7
    /// a session's last activity came out 7 hours early, enough to make a session old that is not.
    /// </summary>
    [Theory]
    [InlineData("\"2026-11-20T10:00:00\"", "2026-11-20T10:00:00Z")]
    [InlineData("\"2026-11-20T10:00:00.250\"", "2026-11-20T10:00:00.250Z")]
    [InlineData("\"2026-11-20 10:00:00\"", "2026-11-20T10:00:00Z")]
    [InlineData("\"2026-11-20T17:00:00+07:00\"", "2026-11-20T10:00:00Z")]
    [InlineData("\"2026-11-20T10:00:00Z\"", "2026-11-20T10:00:00Z")]
    public void Iso_text_without_a_zone_is_utc_whatever_the_local_time_zone(string ts, string expectedUtc)
    {
        string? zone = Environment.GetEnvironmentVariable("TZ");
        Environment.SetEnvironmentVariable("TZ", "Asia/Jakarta");
        TimeZoneInfo.ClearCachedData();
        try
        {
            Assert.NotEqual(TimeSpan.Zero, TimeZoneInfo.Local.BaseUtcOffset);
            string path = Temp.Combine("log.jsonl");
            File.WriteAllText(path, "{\"type\":\"user\",\"ts\":" + ts + "}\n");
            ChatLog log = ChatLog.Read(path);
            DateTime expected = DateTime.Parse(
                expectedUtc,
                System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal
                    | System.Globalization.DateTimeStyles.AssumeUniversal
            );
            Assert.Equal(expected, log.LastTimestamp);
            Assert.Equal(DateTimeKind.Utc, log.LastTimestamp!.Value.Kind);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", zone);
            TimeZoneInfo.ClearCachedData();
        }
    }
}
