using System.Security.Cryptography;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Remove with -Archive, restore everything, and the instance is what it was: every row of every table (message ids
/// aside, summaries pointing at the same message), every log byte; the app's own lookups find the sessions again.
/// Refusals change nothing; Evonic's /clear copies restore too.
/// </summary>
public sealed class RestoreTests : TempFolderTest
{
    private static SessionStore Store(string root) =>
        new(EvonicInstance.Open(root), CleanupPolicy.FromParameter(90), Now, ArchivePolicy.FromParameter(true));

    private static List<SessionRemovalResult> RemoveAll(SessionStore store) =>
        store
            .GetAgents()
            .SelectMany(a => store.Remove(a, store.GetSessions(a).Where(s => s.IsRemovable)).ToList())
            .ToList();

    /// <summary>The sample instance after a cleanup with -Archive, and the first removed session (with rows) that
    /// <paramref name="which"/> picks.</summary>
    private (SampleInstance Sample, SessionStore Store, SessionRemovalResult Gone) SampleWithOneRemoved(
        Func<EvonicSession, bool> which
    )
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        SessionRemovalResult gone = RemoveAll(store)
            .First(r => r.Status == RemovalStatus.Removed && r.Session.Kind != SessionKind.Orphan && which(r.Session));
        return (sample, store, gone);
    }

    private static List<SessionRestoreResult> RestoreAll(SessionStore store)
    {
        List<ArchivedSessionInfo> archived = store.GetArchivedSessions().ToList();
        using SessionRestorer restorer = store.OpenRestorer();
        return archived.Select(a => restorer.Restore(restorer.Plan(a.ArchiveId))).ToList();
    }

    /// <summary>
    /// Every row of every table of the instance's databases but the archive, as text with each value's type, and
    /// the hash of every chat log. What a restore may change is left out: message and summary ids (new ones; a
    /// summary's watermark is shown as the position of the message it points at), and what a removal deletes without
    /// archiving (attachments: rows and files). Every time of a session, <c>updated_at</c> included, must come back.
    /// </summary>
    private static SortedSet<string> Content(string root, string dataRoot)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        var databases = Directory
            .EnumerateFiles(Path.Combine(dataRoot, "agents"), "chat.db", SearchOption.AllDirectories)
            .Append(Path.Combine(root, "shared", "db", "evonic.db"));
        foreach (string file in databases)
        {
            string name = Path.GetRelativePath(root, file);
            using SqliteConnection db = InstanceBuilder.Connect(file);
            foreach (
                string table in InstanceBuilder
                    .Query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'")
                    .Select(r => (string)r[0]!)
            )
            {
                if (table == "attachments")
                    continue;
                string[] skip = table switch
                {
                    "chat_messages" => new[] { "id" },
                    "chat_summaries" => new[] { "id", "last_message_id" },
                    _ => Array.Empty<string>(),
                };
                string extra =
                    table == "chat_summaries"
                        ? ", (SELECT COUNT(*) FROM chat_messages m WHERE m.session_id = t.session_id AND m.id <= "
                            + "t.last_message_id) AS watermark_position"
                        : "";
                using SqliteCommand command = db.CreateCommand();
                command.CommandText = $"SELECT t.*{extra} FROM \"{table}\" t";
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var values = new List<string>();
                    for (int i = 0; i < reader.FieldCount; i++)
                        if (!skip.Contains(reader.GetName(i)))
                            values.Add(
                                $"{reader.GetName(i)}={reader.GetDataTypeName(i)}:"
                                    + $"{Render(reader.IsDBNull(i) ? null : reader.GetValue(i))}"
                            );
                    lines.Add($"{name} | {table} | {string.Join(" , ", values)}");
                }
            }
        }
        foreach (
            string log in Directory
                .EnumerateFiles(Path.Combine(dataRoot, "agents"), "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "sessions")
        )
            lines.Add(
                $"{Path.GetRelativePath(root, log)} | {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(log)))}"
            );
        return lines;
    }

    private static string Render(object? value) =>
        value switch
        {
            null => "NULL",
            byte[] bytes => Convert.ToHexString(bytes),
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        };

    private static void AssertRoundTrip(string root, string dataRoot, int expectedRemoved)
    {
        SortedSet<string> before = Content(root, dataRoot);
        SessionStore store = Store(root);

        List<SessionRemovalResult> removed = RemoveAll(store).Where(r => r.Status == RemovalStatus.Removed).ToList();
        Assert.True(removed.Count >= expectedRemoved, $"{removed.Count} removed");
        Assert.NotEqual(before, Content(root, dataRoot));

        List<SessionRestoreResult> restored = RestoreAll(store);

        Assert.Equal(removed.Count(r => r.ArchiveId != null), restored.Count);
        SortedSet<string> after = Content(root, dataRoot);
        List<string> missing = before.Except(after).ToList(),
            changed = after.Except(before).ToList();
        Assert.True(
            missing.Count == 0 && changed.Count == 0,
            $"missing after the restore ({missing.Count}):\n{string.Join("\n", missing.Take(5))}\nnew or changed "
                + $"({changed.Count}):\n{string.Join("\n", changed.Take(5))}"
        );
        // The restored sessions are as old as they were, and held: the next run leaves them alone.
        Assert.DoesNotContain(
            store
                .GetAgents()
                .SelectMany(a =>
                    new SessionStore(
                        EvonicInstance.Open(root),
                        CleanupPolicy.FromParameter(90),
                        DateTime.UtcNow
                    ).GetSessions(a)
                ),
            s => s.IsRemovable && restored.Any(r => r.SessionId == s.SessionId && s.Kind != SessionKind.Orphan)
        );
    }

    [Fact]
    public void Sample_instance_removed_with_archive_and_restored_is_row_for_row_and_byte_for_byte_the_original()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        AssertRoundTrip(sample.Root, sample.Builder.DataRoot, sample.ExpectedRemoved.Count());
    }

    [Fact]
    public void Release_layout_sample_round_trips_too()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now, releaseLayout: true);
        AssertRoundTrip(sample.Root, sample.Builder.DataRoot, sample.ExpectedRemoved.Count());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Seeded_bulk_instance_round_trips(int seed)
    {
        BulkInstance bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents: 3, sessionsPerAgent: 150, seed);
        AssertRoundTrip(bulk.Root, bulk.Builder.DataRoot, bulk.ExpectedRemoved.Count());
    }

    [Fact]
    public void Evonic_s_own_lookups_find_a_restored_session()
    {
        var (sample, store, gone) = SampleWithOneRemoved(s => s.MessageCount > 0);
        EvonicSession session = gone.Session;
        string chatPath = Path.Combine(sample.Builder.DataRoot, "agents", session.AgentId, "chat.db");
        using (SqliteConnection chat = InstanceBuilder.Connect(chatPath))
            Assert.Empty(
                InstanceBuilder.Query(chat, "SELECT id FROM chat_sessions WHERE id = $s", ("$s", session.SessionId))
            );

        using (SessionRestorer restorer = store.OpenRestorer())
            restorer.Restore(restorer.PlanNewest(session.AgentId, session.SessionId));

        using (SqliteConnection chat = InstanceBuilder.Connect(chatPath))
        {
            // models/chat.py get_session_id / get_or_create_session (a channel-less session when channel_id is NULL).
            string lookup =
                session.ChannelId != null
                    ? "SELECT id FROM chat_sessions WHERE agent_id = $a AND channel_id = $c AND external_user_id = "
                        + "$u AND (archived IS NULL OR archived = 0)"
                    : "SELECT id FROM chat_sessions WHERE agent_id = $a AND channel_id IS NULL AND external_user_id "
                        + "= $u AND (archived IS NULL OR archived = 0)";
            if (!session.Archived)
                Assert.Equal(
                    session.SessionId,
                    InstanceBuilder
                        .Query(
                            chat,
                            lookup,
                            ("$a", session.SessionAgentId),
                            ("$c", session.ChannelId),
                            ("$u", session.ExternalUserId)
                        )
                        .Single()[0]
                );
            // get_session_messages: the newest 50 by created_at.
            Assert.Equal(
                session.MessageCount,
                InstanceBuilder
                    .Query(
                        chat,
                        "SELECT id, session_id, role, content, tool_calls, tool_call_id, metadata, created_at FROM "
                            + "chat_messages WHERE session_id = $s ORDER BY created_at DESC LIMIT 50000",
                        ("$s", session.SessionId)
                    )
                    .Count
            );
            // get_summary + get_messages_after: the tail after the watermark is the session's own.
            foreach (
                object?[] summary in InstanceBuilder.Query(
                    chat,
                    "SELECT last_message_id FROM chat_summaries WHERE session_id = $s",
                    ("$s", session.SessionId)
                )
            )
                Assert.All(
                    InstanceBuilder.Query(
                        chat,
                        "SELECT session_id FROM chat_messages WHERE session_id = $s AND id > $after",
                        ("$s", session.SessionId),
                        ("$after", summary[0])
                    ),
                    m => Assert.Equal(session.SessionId, m[0])
                );
        }
        using SqliteConnection main = InstanceBuilder.Connect(Path.Combine(sample.Root, "shared", "db", "evonic.db"));
        if (InstanceBuilder.Query(main, "SELECT name FROM sqlite_master WHERE name = 'session_index'").Count > 0)
        {
            // chat_delegation.py _find_agent_for_session.
            Assert.Single(
                InstanceBuilder.Query(
                    main,
                    "SELECT agent_id FROM session_index WHERE session_id = $s",
                    ("$s", session.SessionId)
                )
            );
        }
        Assert.Equal(
            CountSessions(chatPath),
            InstanceBuilder
                .Query(main, "SELECT session_count FROM agents WHERE id = $a", ("$a", session.AgentId))
                .Single()[0]
        );
    }

    private static object? CountSessions(string chatPath)
    {
        using SqliteConnection chat = InstanceBuilder.Connect(chatPath);
        return InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions").Single()[0];
    }

    [Fact]
    public void A_live_session_id_or_an_existing_log_is_refused_and_nothing_changes()
    {
        var (sample, store, gone) = SampleWithOneRemoved(s => s.JsonlPath != null);
        EvonicSession session = gone.Session;
        string chatPath = Path.Combine(sample.Builder.DataRoot, "agents", session.AgentId, "chat.db");

        // A log of that name exists (the user talked again, under the same slug).
        File.WriteAllText(session.JsonlPath!, "{\"type\":\"user\",\"content\":\"new\"}\n");
        HashSet<string> before = Data(sample.Root);
        using (SessionRestorer restorer = store.OpenRestorer())
            Assert.Equal(
                EvonicErrorKind.ChatLogExists,
                Assert.Throws<EvonicException>(() => restorer.PlanNewest(session.AgentId, session.SessionId)).Kind
            );
        Assert.Equal(before, Data(sample.Root));

        // The id is live again.
        File.Delete(session.JsonlPath!);
        using (SqliteConnection chat = InstanceBuilder.Connect(chatPath))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_sessions (id, agent_id, external_user_id) VALUES ($s, $a, 'someone')",
                ("$s", session.SessionId),
                ("$a", session.SessionAgentId)
            );
        before = Data(sample.Root);
        using (SessionRestorer restorer = store.OpenRestorer())
            Assert.Equal(
                EvonicErrorKind.SessionExists,
                Assert.Throws<EvonicException>(() => restorer.Plan(gone.ArchiveId!.Value)).Kind
            );
        Assert.Equal(before, Data(sample.Root));
    }

    /// <summary>
    /// Everything of the instance but the cleanup lock file: the restorer takes the lock, and the file's owner line
    /// ("pid ... since &lt;time&gt;") is rewritten each time, which is no change to the instance's data.
    /// </summary>
    private static HashSet<string> Data(string root)
    {
        HashSet<string> snapshot = InstanceSnapshot.Take(root);
        snapshot.RemoveWhere(line => line.StartsWith(CleanupLock.FileName + " |", StringComparison.Ordinal));
        return snapshot;
    }

    [Fact]
    public void A_session_that_becomes_live_between_the_check_and_the_restore_is_refused_and_no_log_is_left()
    {
        var (sample, store, gone) = SampleWithOneRemoved(s => s.JsonlPath != null);
        using SessionRestorer restorer = store.OpenRestorer();
        RestorePlan plan = restorer.Plan(gone.ArchiveId!.Value);
        using (
            SqliteConnection chat = InstanceBuilder.Connect(
                Path.Combine(sample.Builder.DataRoot, "agents", plan.AgentId, "chat.db")
            )
        )
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_sessions (id, agent_id, external_user_id) VALUES ($s, $a, 'someone')",
                ("$s", plan.SessionId),
                ("$a", plan.SessionAgentId)
            );

        Assert.Equal(EvonicErrorKind.SessionExists, Assert.Throws<EvonicException>(() => restorer.Restore(plan)).Kind);
        Assert.False(File.Exists(plan.ChatLogPath));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(plan.ChatLogPath)!, "*.restoring"));
    }

    [Fact]
    public void The_newest_copy_is_restored_unless_one_is_chosen()
    {
        var (sample, store, gone) = SampleWithOneRemoved(s => s.MessageCount > 1);
        EvonicSession session = gone.Session;
        // Restore, change the conversation, archive it again: two copies, the newer one with one more message.
        SessionRestoreResult first;
        // Without a hold (-HoldDays 0) the restored session is judged by its age at once.
        using (SessionRestorer restorer = store.OpenRestorer())
            first = restorer.Restore(restorer.Plan(gone.ArchiveId!.Value), holdDays: 0);
        Assert.Null(first.HeldUntil);
        if (first.ChatLogPath != null)
            File.SetLastWriteTimeUtc(first.ChatLogPath, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string chatPath = Path.Combine(sample.Builder.DataRoot, "agents", session.AgentId, "chat.db");
        using (SqliteConnection chat = InstanceBuilder.Connect(chatPath))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, 'user', 'one more', "
                    + "'2020-01-01 00:00:00'); UPDATE chat_sessions SET updated_at = '2020-01-01 00:00:00' WHERE id "
                    + "= $s",
                ("$s", session.SessionId)
            );
        SessionRemovalResult again = store
            .Remove(
                store.GetAgents().Single(a => a.Id == session.AgentId),
                store
                    .GetSessions(store.GetAgents().Single(a => a.Id == session.AgentId))
                    .Where(s => s.SessionId == session.SessionId)
            )
            .Single();
        Assert.Equal(RemovalStatus.Removed, again.Status);
        Assert.NotEqual(gone.ArchiveId, again.ArchiveId);
        Assert.Equal(2, store.GetArchivedSessions().Count(a => a.SessionId == session.SessionId));

        using (SessionRestorer restorer = store.OpenRestorer())
        {
            RestorePlan newest = restorer.PlanNewest(session.AgentId, session.SessionId);
            Assert.Equal(again.ArchiveId, newest.ArchiveId);
            Assert.Equal(session.MessageCount + 1, newest.MessageCount);
            // the older copy, when chosen
            Assert.Equal(session.MessageCount, restorer.Plan(gone.ArchiveId!.Value).MessageCount);
        }
    }

    [Fact]
    public void An_archive_written_the_way_Evonic_s_clear_writes_it_is_restored()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        string archivePath = Path.Combine(sample.Root, "shared", "db", "session_archive.db");
        using (SqliteConnection archive = InstanceBuilder.Connect(archivePath))
        {
            // models/session_archive.py: _SCHEMA_SQL, then _write_archive's INSERTs (json.dumps of each JSONL entry).
            InstanceBuilder.Exec(archive, ArchiveSchema.EvonicDdl);
            InstanceBuilder.Exec(
                archive,
                "INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled) "
                    + "VALUES ('siwa-cleared', 'siwa', NULL, 'u-77', 1)"
            );
            foreach (
                var (role, content, at) in new[]
                {
                    ("user", "hello", "2026-01-01 10:00:00"),
                    ("assistant", "hi", "2026-01-01 10:00:05"),
                    ("user", "bye", "2026-01-01 10:01:00"),
                }
            )
                InstanceBuilder.Exec(
                    archive,
                    "INSERT INTO archive_messages (archive_id, role, content, tool_calls, tool_call_id, metadata, "
                        + "created_at) VALUES (1, $r, $c, NULL, NULL, NULL, $t)",
                    ("$r", role),
                    ("$c", content),
                    ("$t", at)
                );
            InstanceBuilder.Exec(
                archive,
                "INSERT INTO archive_summaries (archive_id, summary, last_message_id, message_count, created_at) "
                    + "VALUES (1, 'greeted', 812, 2, '2026-01-01 10:00:30')"
            );
            InstanceBuilder.Exec(
                archive,
                "INSERT INTO archive_session_state (archive_id, content) VALUES (1, '{\"mode\": \"chat\"}')"
            );
            InstanceBuilder.Exec(
                archive,
                "INSERT INTO archive_jsonl (archive_id, line_number, entry_type, entry_json, ts) VALUES (1, 1, "
                    + "'user', '{\"type\": \"user\", \"content\": \"hello\", \"ts\": 1767261600000}', 1767261600000)"
            );
        }

        SessionStore store = Store(sample.Root);
        ArchivedSessionInfo info = store.GetArchivedSessions().Single();
        Assert.Null(info.ArchivedBy);
        SessionRestoreResult result;
        using (SessionRestorer restorer = store.OpenRestorer())
            result = restorer.Restore(restorer.Plan(info.ArchiveId));

        Assert.Equal("siwa", result.AgentId);
        using SqliteConnection chat = InstanceBuilder.Connect(
            Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "chat.db")
        );
        List<object?[]> messages = InstanceBuilder.Query(
            chat,
            "SELECT id, role, content, created_at FROM chat_messages WHERE session_id = 'siwa-cleared' ORDER BY id"
        );
        Assert.Equal(new[] { "hello", "hi", "bye" }, messages.Select(m => (string)m[2]!));
        // No old ids in Evonic's copy: the watermark goes by position (message_count = 2 -> the second message).
        Assert.Equal(
            messages[1][0],
            InstanceBuilder
                .Query(chat, "SELECT last_message_id FROM chat_summaries WHERE session_id = 'siwa-cleared'")
                .Single()[0]
        );
        Assert.Equal(
            "{\"mode\": \"chat\"}",
            InstanceBuilder.Query(chat, "SELECT content FROM session_state WHERE session_id = 'siwa-cleared'").Single()[
                0
            ]
        );
        object?[] row = InstanceBuilder
            .Query(chat, "SELECT agent_id, external_user_id, created_at FROM chat_sessions WHERE id = 'siwa-cleared'")
            .Single();
        Assert.Equal(new object?[] { "siwa", "u-77", "2026-01-01 10:00:00" }, row); // created_at: its first message's
        Assert.Equal(
            "{\"type\": \"user\", \"content\": \"hello\", \"ts\": 1767261600000}\n",
            File.ReadAllText(result.ChatLogPath!)
        );
    }

    [Theory]
    [InlineData(new long[] { 7, 10, 20, 30 }, 10L, 502L)] // the old id of the second message
    [InlineData(new long[] { 7, 10, 20, 30 }, 15L, 502L)] // between two messages: the last one at or below it
    [InlineData(new long[] { 7, 10, 20, 30 }, 99L, 504L)]
    [InlineData(new long[] { 107, 110, 120, 130 }, 5L, 0L)] // below every message: Evonic's "nothing summarized"
    public void The_summary_watermark_moves_to_the_new_id_of_the_same_message(
        long[] oldIds,
        long watermark,
        long expected
    ) =>
        Assert.Equal(
            expected,
            SummaryWatermark.Remap(
                watermark,
                3L,
                oldIds.Select(i => (long?)i).ToList(),
                new List<long> { 501, 502, 503, 504 }
            )
        );

    [Fact]
    public void Without_old_ids_the_watermark_goes_by_Evonic_s_message_count()
    {
        var newIds = new List<long> { 501, 502, 503, 504 };
        Assert.Equal(503L, SummaryWatermark.Remap(812L, 3L, new List<long?> { null, null, null, null }, newIds));
        Assert.Equal(504L, SummaryWatermark.Remap(812L, 9L, Array.Empty<long?>(), newIds));
        Assert.Equal(0L, SummaryWatermark.Remap(812L, 0L, Array.Empty<long?>(), newIds));
        Assert.Null(SummaryWatermark.Remap(null, 3L, Array.Empty<long?>(), newIds));
    }

    [Fact]
    public void A_restored_session_is_held_from_the_cleanup_until_its_hold_ends_or_is_removed()
    {
        var (_, store, gone) = SampleWithOneRemoved(_ => true);
        SessionRestoreResult restored;
        using (SessionRestorer restorer = store.OpenRestorer())
            restored = restorer.Restore(restorer.Plan(gone.ArchiveId!.Value), holdDays: 10);
        Assert.Equal(restored.RestoredAt.AddDays(10), restored.HeldUntil);
        AgentInfo agent = store.GetAgents().Single(a => a.Id == gone.AgentId);

        // As old as it was, and held: listed with the reason, and kept by a removal.
        EvonicSession held = new SessionStore(store.Instance, store.Policy, DateTime.UtcNow)
            .GetSessions(agent)
            .Single(s => s.SessionId == gone.SessionId);
        Assert.True(held.IsOld);
        Assert.Equal(SessionProtection.RestoredHold, held.Protection);
        var now = new SessionStore(store.Instance, store.Policy, DateTime.UtcNow);
        Assert.Equal(RemovalStatus.KeptProtected, now.Remove(agent, new[] { held }).Single().Status);
        // Once the hold ends (here: eleven days on), the cleanup judges it by its age again.
        var later = new SessionStore(store.Instance, store.Policy, DateTime.UtcNow.AddDays(11));
        Assert.True(later.GetSessions(agent).Single(s => s.SessionId == gone.SessionId).IsRemovable);
        // Removing the hold ends it now; a second removal finds none.
        Assert.True(now.RemoveHold(agent.Id, gone.SessionId));
        Assert.False(now.RemoveHold(agent.Id, gone.SessionId));
        Assert.True(now.GetSessions(agent).Single(s => s.SessionId == gone.SessionId).IsRemovable);
    }

    [Fact]
    public void A_session_that_had_no_session_index_row_gets_none_back_and_one_that_had_gets_its_own()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        using (SqliteConnection main = InstanceBuilder.Connect(sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(
                main,
                "DELETE FROM session_index WHERE session_id IN ('siwa-7b2c', 'siwa_sub_1-3d89d735'); UPDATE "
                    + "session_index SET last_message = 'as Evonic left it' WHERE session_id = 'nova-2'"
            );
        List<object?[]> IndexRows()
        {
            using SqliteConnection main = InstanceBuilder.Connect(sample.Builder.MainDatabasePath);
            return InstanceBuilder.Query(main, "SELECT * FROM session_index ORDER BY session_id");
        }
        string before = string.Join("\n", IndexRows().Select(r => string.Join("|", r)));
        SessionStore store = Store(sample.Root);
        RemoveAll(store);

        RestoreAll(store);

        Assert.Equal(before, string.Join("\n", IndexRows().Select(r => string.Join("|", r))));
    }

    [Fact]
    public void A_restore_stopped_after_its_rows_is_held_and_the_next_restore_finishes_it()
    {
        var (sample, store, gone) = SampleWithOneRemoved(s => s.JsonlPath != null);
        // The main database refuses the session_index row, as a full disk would, after chat.db committed the rows.
        using (SqliteConnection main = InstanceBuilder.Connect(sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(
                main,
                "CREATE TRIGGER full_disk BEFORE INSERT ON session_index BEGIN SELECT RAISE(ABORT, 'database or disk "
                    + "is full'); END"
            );
        using (SessionRestorer restorer = store.OpenRestorer())
            Assert.Equal(
                EvonicErrorKind.DatabaseWriteFailed,
                Assert.Throws<EvonicException>(() => restorer.Restore(restorer.Plan(gone.ArchiveId!.Value))).Kind
            );
        AgentInfo agent = store.GetAgents().Single(a => a.Id == gone.AgentId);
        Assert.Equal(
            SessionProtection.RestoredHold,
            store.GetSessions(agent).Single(s => s.SessionId == gone.SessionId).Protection
        );

        using (SqliteConnection main = InstanceBuilder.Connect(sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(main, "DROP TRIGGER full_disk");
        SessionRestoreResult finished;
        using (SessionRestorer restorer = store.OpenRestorer())
        {
            RestorePlan plan = restorer.PlanNewest(gone.AgentId, gone.SessionId);
            Assert.True(plan.Resumes);
            finished = restorer.Restore(plan);
        }

        Assert.Equal(gone.SessionId, finished.SessionId);
        using SqliteConnection chat = InstanceBuilder.Connect(
            Path.Combine(sample.Builder.DataRoot, "agents", gone.AgentId, "chat.db")
        );
        Assert.Equal(
            (long)gone.Session.MessageCount,
            InstanceBuilder.Query(
                chat,
                "SELECT COUNT(*) FROM chat_messages WHERE session_id = $s",
                ("$s", gone.SessionId)
            )[0][0]
        );
        using SqliteConnection after = InstanceBuilder.Connect(sample.Builder.MainDatabasePath);
        Assert.Equal(
            1L,
            InstanceBuilder.Query(
                after,
                "SELECT COUNT(*) FROM session_index WHERE session_id = $s",
                ("$s", gone.SessionId)
            )[0][0]
        );
        Assert.True(File.Exists(gone.Session.JsonlPath));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(gone.Session.JsonlPath)!, "*.restoring"));
        // Finished now: a third restore is refused as live, changing nothing.
        using (SessionRestorer restorer = store.OpenRestorer())
            Assert.Equal(
                EvonicErrorKind.SessionExists,
                Assert.Throws<EvonicException>(() => restorer.PlanNewest(gone.AgentId, gone.SessionId)).Kind
            );
    }

    [Fact]
    public void A_log_left_by_a_killed_run_is_not_copied_again_when_a_full_copy_exists_and_that_copy_is_restored()
    {
        // Seen: a session cleared with /clear has an empty log; a run killed between its rows and its files left that
        // log; the next run copied it alone, and Restore -SessionId then picked that newest, empty copy.
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        AgentInfo agent = store.GetAgents().Single(a => a.Id == "siwa");
        EvonicSession session = store
            .GetSessions(agent)
            .First(s => s.IsRemovable && s.Kind != SessionKind.Orphan && s.JsonlPath != null && s.MessageCount > 0);
        File.WriteAllBytes(session.JsonlPath!, Array.Empty<byte>());
        File.SetLastWriteTimeUtc(session.JsonlPath!, Now.AddDays(-200));
        SessionRemovalResult first = store
            .Remove(agent, store.GetSessions(agent).Where(s => s.SessionId == session.SessionId))
            .Single();
        Assert.Equal(RemovalStatus.Removed, first.Status);
        // What the killed run never did after its commit: the session_index row and the log are still there.
        File.WriteAllBytes(session.JsonlPath!, Array.Empty<byte>());
        File.SetLastWriteTimeUtc(session.JsonlPath!, Now.AddDays(-200));
        using (SqliteConnection main = InstanceBuilder.Connect(sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(
                main,
                "INSERT INTO session_index (session_id, agent_id, external_user_id, updated_at) VALUES ($s, 'siwa', "
                    + "'x', '2026-01-01 00:00:00')",
                ("$s", session.SessionId)
            );

        EvonicSession orphan = store
            .GetSessions(agent)
            .Single(s => s.SessionId == session.SessionId && s.Kind == SessionKind.Orphan);
        SessionRemovalResult second = store.Remove(agent, new[] { orphan }).Single();

        Assert.Equal(RemovalStatus.Removed, second.Status);
        Assert.Equal(first.ArchiveId, second.ArchiveId);
        Assert.Single(store.GetArchivedSessions(), a => a.SessionId == session.SessionId);
        using SessionRestorer restorer = store.OpenRestorer();
        RestorePlan plan = restorer.PlanNewest("siwa", session.SessionId);
        Assert.Equal(first.ArchiveId, plan.ArchiveId);
        Assert.Equal(session.MessageCount, plan.MessageCount);
    }

    [Fact]
    public void A_log_line_that_is_not_UTF8_comes_back_byte_for_byte()
    {
        // Seen: a byte that is not UTF-8 came back as EF BF BD (the replacement character).
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        AgentInfo agent = store.GetAgents().Single(a => a.Id == "siwa");
        EvonicSession session = store
            .GetSessions(agent)
            .First(s => s.IsRemovable && s.Kind != SessionKind.Orphan && s.JsonlPath != null);
        byte[] original = File.ReadAllBytes(session.JsonlPath!)
            .Concat(
                new byte[]
                {
                    (byte)'{',
                    (byte)'"',
                    (byte)'x',
                    (byte)'"',
                    (byte)':',
                    (byte)'"',
                    0xFF,
                    0xC3,
                    (byte)'"',
                    (byte)'}',
                    (byte)'\n',
                }
            )
            .Concat(System.Text.Encoding.UTF8.GetBytes("{\"type\": \"note\", \"text\": \"caf\u00e9\"}"))
            .ToArray(); // and a torn last line
        File.WriteAllBytes(session.JsonlPath!, original);
        File.SetLastWriteTimeUtc(session.JsonlPath!, Now.AddDays(-200));
        SessionRemovalResult removed = store
            .Remove(agent, store.GetSessions(agent).Where(s => s.SessionId == session.SessionId))
            .Single();
        Assert.Equal(RemovalStatus.Removed, removed.Status);
        Assert.False(File.Exists(session.JsonlPath));

        using (SessionRestorer restorer = store.OpenRestorer())
            restorer.Restore(restorer.Plan(removed.ArchiveId!.Value));

        Assert.Equal(original, File.ReadAllBytes(session.JsonlPath!));
        using SqliteConnection archive = InstanceBuilder.Connect(
            Path.Combine(sample.Root, "shared", "db", "session_archive.db")
        );
        List<object?[]> types = InstanceBuilder.Query(
            archive,
            "SELECT typeof(entry_json), COUNT(*) FROM archive_jsonl WHERE archive_id = $a GROUP BY 1 ORDER BY 1",
            ("$a", removed.ArchiveId)
        );
        // only the line that is not UTF-8; Evonic's readers get text for the rest
        Assert.Equal(new object?[] { "blob", 1L }, types[0]);
        Assert.Equal("text", types[1][0]);
    }

    [Fact]
    public void A_log_that_cannot_be_written_fails_that_session_only_and_changes_nothing_of_it()
    {
        // Seen: the log's IOException stopped the whole pipeline and left a .restoring file.
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        List<SessionRemovalResult> removed = RemoveAll(store)
            .Where(r =>
                r.Status == RemovalStatus.Removed && r.Session.Kind != SessionKind.Orphan && r.Session.JsonlPath != null
            )
            .Take(2)
            .ToList();
        string blocked = removed[0].Session.JsonlPath!;
        Directory.CreateDirectory(blocked + ".restoring"); // as a full disk would, the temporary log cannot be created

        using SessionRestorer restorer = store.OpenRestorer();
        EvonicException error = Assert.Throws<EvonicException>(() =>
            restorer.Restore(restorer.Plan(removed[0].ArchiveId!.Value))
        );
        SessionRestoreResult other = restorer.Restore(restorer.Plan(removed[1].ArchiveId!.Value));

        Assert.Equal(EvonicErrorKind.FileWriteFailed, error.Kind);
        Assert.Contains(blocked + ".restoring", error.Message);
        Assert.False(File.Exists(blocked));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(blocked)!, "*.restoring"));
        AgentInfo agent = store.GetAgents().Single(a => a.Id == removed[0].AgentId);
        Assert.DoesNotContain(store.GetSessions(agent), s =>
            s.SessionId == removed[0].SessionId && s.Kind != SessionKind.Orphan
        );
        Assert.Equal(removed[1].SessionId, other.SessionId);
        Assert.True(File.Exists(removed[1].Session.JsonlPath));
    }
}
