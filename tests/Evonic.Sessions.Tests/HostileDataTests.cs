using System.Diagnostics;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>Timestamps in every format Evonic's data may hold, and logs no real app would write.</summary>
public sealed class HostileDataTests : TempFolderTest
{
    private readonly InstanceBuilder _builder;
    private readonly AgentBuilder _agent;

    public HostileDataTests()
    {
        _builder = new InstanceBuilder(Temp.Combine("evonic"));
        _agent = _builder.Agent("zora");
    }

    private Dictionary<string, EvonicSession> Sessions()
    {
        var store = new SessionStore(EvonicInstance.Open(_builder.Root), CleanupPolicy.FromParameter(90), Now);
        return store.GetSessions(store.GetAgents().Single()).ToDictionary(s => s.SessionId);
    }

    private void SetUpdatedAt(string sessionId, object value)
    {
        using var chat = InstanceBuilder.Connect(_agent.ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "UPDATE chat_sessions SET updated_at = $v WHERE id = $s",
            ("$v", value),
            ("$s", sessionId)
        );
        InstanceBuilder.Exec(
            chat,
            "UPDATE chat_messages SET created_at = NULL WHERE session_id = $s",
            ("$s", sessionId)
        );
    }

    [Theory]
    [InlineData("2026-03-01T10:00:00", "2026-03-01T10:00:00Z")]
    [InlineData("2026-03-01 10:00:00.123456", "2026-03-01T10:00:00Z")]
    [InlineData("2026-03-01T12:00:00+02:00", "2026-03-01T10:00:00Z")]
    [InlineData("2026-03-01T05:00:00.5-05:00", "2026-03-01T10:00:01Z")]
    [InlineData("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z")]
    [InlineData("2026-11-20T23:00:00-05:00", "2026-11-21T04:00:00Z")]
    public void Iso_timestamps_with_T_fractions_and_zone_offsets_are_dated_in_UTC(string updatedAt, string expectedUtc)
    {
        _agent.Session("zora-1", "__system__", Now);
        SetUpdatedAt("zora-1", updatedAt);

        EvonicSession session = Sessions()["zora-1"];

        Assert.Equal(
            DateTime.Parse(expectedUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            session.LastActivity
        );
        Assert.Equal(session.LastActivity < Now.AddDays(-90), session.IsRemovable);
    }

    [Theory]
    [InlineData("last tuesday")]
    [InlineData("2026-03-01T10:00:00+0200")]
    [InlineData("")]
    [InlineData(1700000000L)]
    [InlineData(2459000.5)]
    public void A_timestamp_that_cannot_be_read_protects_the_session(object updatedAt)
    {
        _agent.Session("zora-1", "__system__", Now.AddDays(-400));
        SetUpdatedAt("zora-1", updatedAt);

        EvonicSession session = Sessions()["zora-1"];

        Assert.False(session.IsRemovable);
        Assert.True(session.Protection.HasFlag(SessionProtection.UnreadableTimestamp), session.Protection.ToString());
    }

    [Fact]
    public void A_message_time_that_cannot_be_read_protects_an_otherwise_old_session()
    {
        _agent.Session("zora-1", "__system__", Now.AddDays(-400));
        using (var chat = InstanceBuilder.Connect(_agent.ChatDatabasePath))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ('zora-1', 'user', 'x', "
                    + "'yesterday-ish')"
            );

        Assert.Equal(SessionProtection.UnreadableTimestamp, Sessions()["zora-1"].Protection);
    }

    [Fact]
    public void A_log_with_a_one_gigabyte_line_is_read_in_bounded_memory_and_dated_by_its_real_lines()
    {
        _agent.Session("zora-1", "__system__", Now.AddDays(-300));
        string log = _agent.LogPath("zora-1");
        long recentTs = new DateTimeOffset(Now.AddDays(-3)).ToUnixTimeMilliseconds();
        using (var stream = new FileStream(log, FileMode.Create))
        {
            byte[] first = System.Text.Encoding.UTF8.GetBytes("{\"type\":\"user\",\"ts\":1600000000000}\n");
            stream.Write(first);
            // a sparse gigabyte of NUL bytes: one binary line, no disk used
            stream.SetLength(first.Length + (1L << 30));
            stream.Seek(0, SeekOrigin.End);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"\n\n{{\"type\":\"user\",\"ts\":{recentTs}}}\n"));
        }
        File.SetLastWriteTimeUtc(log, Now.AddDays(-300));
        // This thread only: the other test classes run in parallel and allocate too.
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();

        EvonicSession session = Sessions()["zora-1"];

        Assert.Equal(Now.AddDays(-3), session.LastActivity);
        Assert.False(session.IsOld);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(allocated < 64L << 20, $"reading the log allocated {allocated >> 20} MB");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"reading the log took {clock.Elapsed}");
    }

    [Fact]
    public void A_log_that_is_binary_or_empty_or_only_torn_lines_is_dated_by_its_file_time()
    {
        _agent.Session("zora-1", "__system__", Now.AddDays(-300));
        _agent.Session("zora-2", "__system__", Now.AddDays(-300));
        _agent.Session("zora-3", "__system__", Now.AddDays(-300));
        File.WriteAllBytes(
            _agent.LogPath("zora-1"),
            Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7 + 3)).ToArray()
        );
        File.WriteAllText(_agent.LogPath("zora-2"), "");
        File.WriteAllText(_agent.LogPath("zora-3"), "{\"type\":\"user\",\"ts\":17\n{\"ty\n\n\n");
        foreach (string id in new[] { "zora-1", "zora-2", "zora-3" })
            File.SetLastWriteTimeUtc(_agent.LogPath(id), Now.AddDays(-200));

        var sessions = Sessions();

        foreach (string id in new[] { "zora-1", "zora-2", "zora-3" })
        {
            Assert.Equal(Now.AddDays(-200), sessions[id].LastActivity);
            Assert.True(sessions[id].IsRemovable, id);
        }
    }
}
