using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

public sealed class SessionStoreTests : TempFolderTest
{
    private static SessionStore Store(string root, int maxAgeDays = SampleInstance.MaxAgeDays) =>
        new(EvonicInstance.Open(root), CleanupPolicy.FromParameter(maxAgeDays), Now);

    private static List<EvonicSession> AllSessions(SessionStore store) =>
        store.GetAgents().SelectMany(store.GetSessions).ToList();

    /// <summary>A fresh sample instance, a store over it, and its richest agent.</summary>
    private (SampleInstance Sample, SessionStore Store, AgentInfo Siwa) SampleWithSiwa()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        return (sample, store, store.GetAgents().Single(a => a.Id == "siwa"));
    }

    private static string Key(EvonicSession s) => s.AgentId + "/" + s.SessionId;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lists_exactly_the_unprotected_old_sessions_with_the_reason_for_each_kept_one(bool releaseLayout)
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now, releaseLayout);
        List<EvonicSession> sessions = AllSessions(Store(sample.Root));

        Assert.Equal(
            sample.ExpectedRemoved,
            sessions.Where(s => s.IsRemovable).Select(Key).OrderBy(k => k, StringComparer.Ordinal)
        );
        Assert.Equal(sample.Expectations.Keys.OrderBy(k => k), sessions.Select(Key).OrderBy(k => k));
        foreach (EvonicSession session in sessions)
        {
            string expected = sample.Expectations[Key(session)];
            if (expected.StartsWith("recent", StringComparison.Ordinal))
                Assert.False(session.IsOld, Key(session));
            else if (expected != "remove")
                Assert.True(
                    session.Protection.HasFlag(Enum.Parse<SessionProtection>(expected)),
                    $"{Key(session)}: {session.Protection}, expected {expected}"
                );
        }
    }

    [Fact]
    public void Describes_each_session_kind_and_its_files()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        Dictionary<string, EvonicSession> byKey = AllSessions(Store(sample.Root)).ToDictionary(Key);

        Assert.Equal(SessionKind.Human, byKey["siwa/siwa-7b2c"].Kind);
        Assert.Equal(SessionKind.Web, byKey["siwa/siwa-web-1"].Kind);
        Assert.True(byKey["siwa/siwa-web-1"].Archived);
        Assert.Equal(SessionKind.Scheduler, byKey["siwa/siwa-a008"].Kind);
        Assert.Equal(SessionKind.System, byKey["siwa/siwa-a009"].Kind);
        Assert.Equal(SessionKind.Agent, byKey["siwa/siwa-b001"].Kind);
        Assert.Equal(SessionKind.SubAgent, byKey["siwa/siwa_sub_1-3d89d735"].Kind);
        Assert.Equal(SessionKind.Orphan, byKey["siwa/siwa-0rphan01"].Kind);
        EvonicSession bob = byKey["siwa/siwa-7b2c"];
        Assert.Equal(12, bob.MessageCount);
        Assert.Equal(2, bob.AttachmentCount);
        Assert.Equal(200, bob.AgeDays);
        Assert.EndsWith(Path.Combine("agents", "siwa", "sessions", "7b2c.jsonl"), bob.JsonlPath);
        Assert.True(bob.JsonlSize > 0);
        Assert.EndsWith(
            Path.Combine("sessions", "siwa_sub_1-3d89d735.jsonl"),
            byKey["siwa/siwa_sub_1-3d89d735"].JsonlPath
        );
        Assert.Equal(1, byKey["siwa/siwa_sub_1-3d89d735"].AttachmentCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Removes_old_sessions_with_everything_that_belongs_to_them_and_nothing_else(bool releaseLayout)
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now, releaseLayout);
        SessionStore store = Store(sample.Root);
        HashSet<string> before = InstanceSnapshot.Take(sample.Root);

        List<SessionRemovalResult> results = store
            .GetAgents()
            .SelectMany(agent => store.Remove(agent, store.GetSessions(agent).Where(s => s.IsRemovable)))
            .ToList();

        Assert.Equal(
            sample.ExpectedRemoved,
            results.Select(r => Key(r.Session)).OrderBy(k => k, StringComparer.Ordinal)
        );
        Assert.All(results, r => Assert.Equal(RemovalStatus.Removed, r.Status));
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(12, results.Single(r => r.SessionId == "siwa-7b2c").MessagesRemoved);
        Assert.Equal(3, results.Single(r => r.SessionId == "siwa-7b2c").FilesRemoved); // log + 2 attachments

        HashSet<string> after = InstanceSnapshot.Take(sample.Root);
        var removedIds = sample.ExpectedRemoved.Select(k => k.Split('/')[1]).ToHashSet(StringComparer.Ordinal);
        string dataPrefix = releaseLayout ? "shared/" : "";

        // Only the cached session counts changed in place.
        Assert.All(after.Except(before), line => Assert.StartsWith("shared/db/evonic.db | agents | ", line));
        // Everything that went belonged to a removed session (or was a stale session count).
        foreach (string line in before.Except(after))
        {
            bool ok =
                line.StartsWith("shared/db/evonic.db | agents | ", StringComparison.Ordinal)
                || removedIds.Any(id => line.Split(" | ").Last().Split(" , ").Contains(id))
                || removedIds.Any(id =>
                    line.StartsWith($"{dataPrefix}data/attachments/", StringComparison.Ordinal)
                    && line.Contains($"/{id}/")
                )
                || (
                    (line.Contains("/sessions/") || line.Contains("/llm_traces/"))
                    && line.Contains(".jsonl")
                    && removedIds.Any(id => LogBelongsTo(line, id))
                );
            Assert.True(ok, "removed but not part of a removed session: " + line);
        }
        // Nothing of a removed session is left, except long-term memories and Evonic's own history of finished
        // work (a disabled schedule, a completed transfer), which are not the session's, and the per-session agent
        // state Evonic will promote to the agent's own (asserted below).
        foreach (
            string line in after.Where(l =>
                !l.Contains("| memories")
                && !l.Contains("| schedules |")
                && !l.Contains("| transfer_jobs |")
                && !l.Contains("agents/lyra/chat.db | agent_state | lyra-3")
            )
        )
            Assert.DoesNotContain(removedIds, id => line.Split(" | ").Last().Split(" , ").Contains(id));
        Assert.Contains(after, l =>
            l.Contains("| memories |") && l.Contains("Bob prefers short answers") && l.Contains("siwa-7b2c")
        );
        Assert.Contains(after, l => l.Contains("agents/siwa/chat.db | agent_state | __agent__"));
        Assert.False(
            Directory.Exists(Path.Combine(sample.Builder.DataRoot, "data", "attachments", "siwa", "siwa-7b2c"))
        );
        Assert.False(
            Directory.Exists(
                Path.Combine(sample.Builder.DataRoot, "data", "attachments", "siwa_sub_1", "siwa_sub_1-3d89d735")
            )
        );
        Assert.False(
            File.Exists(Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "sessions", "0rphan01.jsonl"))
        );
        // The trace goes with its session; the recent session's trace, and a stray log named after it, stay.
        Assert.False(File.Exists(Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "llm_traces", "9d4f.jsonl")));
        Assert.True(File.Exists(Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "llm_traces", "3f1a.jsonl")));
        Assert.True(
            File.Exists(Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "sessions", "siwa-3f1a.jsonl"))
        );
        // Rows of siwa-9d4f that point at another session's file, or outside the attachments, go; the files stay.
        SessionRemovalResult dave = results.Single(r => r.SessionId == "siwa-9d4f");
        Assert.True(
            File.Exists(Path.Combine(sample.Builder.DataRoot, "data", "attachments", "siwa", "siwa-3f1a", "avatar.png"))
        );
        Assert.True(File.Exists(Path.Combine(sample.Builder.DataRoot, "data", "shared-assets", "logo.png")));
        Assert.Equal(
            new[] { "data/attachments/siwa/siwa-3f1a/avatar.png", "data/shared-assets/logo.png" },
            dave.KeptFiles.OrderBy(f => f, StringComparer.Ordinal)
        );
        // The real agent siwa_sub_team keeps its attachment: it is not a orphan of siwa.
        Assert.True(
            File.Exists(
                Path.Combine(
                    sample.Builder.DataRoot,
                    "data",
                    "attachments",
                    "siwa_sub_team",
                    "siwa_sub_team-1",
                    "roster.xlsx"
                )
            )
        );
        // lyra's per-session state that Evonic promotes stays with the session gone; the older one goes.
        Assert.Contains(after, l => l.Contains("agents/lyra/chat.db | agent_state | lyra-3"));
        Assert.DoesNotContain(after, l => l.Contains("agents/lyra/chat.db | agent_state | lyra-4"));

        using var main = InstanceBuilder.Connect(Path.Combine(sample.Root, "shared", "db", "evonic.db"));
        foreach (object?[] agent in InstanceBuilder.Query(main, "SELECT id, session_count FROM agents"))
        {
            using var chat = InstanceBuilder.Connect(
                Path.Combine(sample.Builder.DataRoot, "agents", (string)agent[0]!, "chat.db")
            );
            Assert.Equal(InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions")[0][0], agent[1]);
        }
    }

    private static bool LogBelongsTo(string line, string sessionId)
    {
        string file = line.Split(" | ")[0];
        string agent = file.Split('/')[^3];
        string name = Path.GetFileNameWithoutExtension(file);
        return sessionId == name || sessionId == agent + "-" + name;
    }

    [Fact]
    public void A_second_run_finds_nothing_more_to_remove()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        SessionStore store = Store(sample.Root);
        foreach (AgentInfo agent in store.GetAgents())
            _ = store.Remove(agent, store.GetSessions(agent).Where(s => s.IsRemovable)).ToList();

        Assert.DoesNotContain(AllSessions(Store(sample.Root)), s => s.IsRemovable);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void A_session_touched_between_listing_and_removal_survives_whole(bool newMessage, bool bumpUpdatedAt)
    {
        var (sample, store, siwa) = SampleWithSiwa();
        EvonicSession bob = store.GetSessions(siwa).Single(s => s.SessionId == "siwa-7b2c");
        Assert.True(bob.IsRemovable);

        // The live app writes after the listing.
        using (var chat = InstanceBuilder.Connect(Path.Combine(sample.Root, "agents", "siwa", "chat.db")))
        {
            if (newMessage)
                InstanceBuilder.Exec(
                    chat,
                    "INSERT INTO chat_messages (session_id, role, content) VALUES ('siwa-7b2c', 'user', 'back again')"
                );
            if (bumpUpdatedAt)
                InstanceBuilder.Exec(
                    chat,
                    "UPDATE chat_sessions SET updated_at = CURRENT_TIMESTAMP, archived = 0 WHERE id = 'siwa-7b2c'"
                );
        }
        HashSet<string> before = InstanceSnapshot.Take(sample.Root);

        SessionRemovalResult result = store.Remove(siwa, new[] { bob }).Single();

        Assert.Equal(RemovalStatus.KeptActive, result.Status);
        Assert.Equal(before, InstanceSnapshot.Take(sample.Root));
    }

    [Fact]
    public void A_log_appended_to_after_listing_keeps_the_session()
    {
        var (sample, store, siwa) = SampleWithSiwa();
        EvonicSession dave = store.GetSessions(siwa).Single(s => s.SessionId == "siwa-9d4f");
        File.AppendAllText(
            dave.JsonlPath!,
            $"{{\"type\":\"user\",\"session_id\":\"siwa-9d4f\",\"ts\":"
                + $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}\n"
        );
        HashSet<string> before = InstanceSnapshot.Take(sample.Root);

        Assert.Equal(RemovalStatus.KeptActive, store.Remove(siwa, new[] { dave }).Single().Status);
        Assert.Equal(before, InstanceSnapshot.Take(sample.Root));
    }

    [Fact]
    public void Protected_or_recent_sessions_handed_to_remove_are_kept()
    {
        var (sample, store, siwa) = SampleWithSiwa();
        List<EvonicSession> kept = store.GetSessions(siwa).Where(s => !s.IsRemovable).ToList();
        HashSet<string> before = InstanceSnapshot.Take(sample.Root);

        Assert.All(store.Remove(siwa, kept).ToList(), r =>
            Assert.Equal(r.Session.IsOld ? RemovalStatus.KeptProtected : RemovalStatus.KeptActive, r.Status)
        );
        Assert.Equal(
            before.Where(l => !l.Contains("| agents |")),
            InstanceSnapshot.Take(sample.Root).Where(l => !l.Contains("| agents |"))
        );
    }

    [Fact]
    public void The_fixture_has_the_foreign_key_trap_that_the_store_avoids()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        string chatPath = Path.Combine(sample.Root, "agents", "siwa", "chat.db");
        using (var withForeignKeys = new SqliteConnection($"Data Source={chatPath};Pooling=False;Foreign Keys=True"))
        {
            withForeignKeys.Open();
            using var delete = withForeignKeys.CreateCommand();
            delete.CommandText = "DELETE FROM chat_sessions WHERE id = 'siwa-7b2c'";
            Assert.Contains(
                "no such table: main.users",
                Assert.Throws<SqliteException>(() => delete.ExecuteNonQuery()).Message
            );
        }
        SessionStore store = Store(sample.Root);
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");
        Assert.Equal(
            RemovalStatus.Removed,
            store.Remove(siwa, store.GetSessions(siwa).Where(s => s.SessionId == "siwa-7b2c")).Single().Status
        );
    }

    [Fact]
    public void Max_age_zero_days_or_a_huge_age_finds_nothing_old()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        Assert.DoesNotContain(AllSessions(Store(sample.Root, CleanupPolicy.LongestMaxAgeDays)), s => s.IsOld);
        Assert.True(CleanupPolicy.FromParameter(0).IsDisabled);
    }

    [Fact]
    public void An_agent_with_a_missing_or_corrupt_chat_database_fails_alone()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        File.Delete(Path.Combine(sample.Root, "agents", "nova", "chat.db"));
        File.WriteAllText(
            Path.Combine(sample.Root, "agents", "echo", "chat.db"),
            "this is not a database, it is a text file that is long enough"
        );
        SessionStore store = Store(sample.Root);
        var agents = store.GetAgents().ToDictionary(a => a.Id);

        Assert.Equal(
            EvonicErrorKind.AgentDatabaseMissing,
            Assert.Throws<EvonicException>(() => store.GetSessions(agents["nova"])).Kind
        );
        Assert.Equal(
            EvonicErrorKind.AgentDatabaseUnreadable,
            Assert.Throws<EvonicException>(() => store.GetSessions(agents["echo"])).Kind
        );
        Assert.Contains(store.GetSessions(agents["siwa"]), s => s.IsRemovable);
        Assert.False(
            File.Exists(Path.Combine(sample.Root, "agents", "nova", "chat.db")),
            "reading must never create a missing database"
        );
    }

    [Theory]
    [InlineData(100, 400, 12)] // too slow for the live app: shrink to about 50 ms
    [InlineData(100, 100, 50)]
    [InlineData(100, 50, 100)]
    [InlineData(100, 10, 200)] // fast: grow, but at most double
    [InlineData(2000, 1, 2000)] // never past the largest batch
    [InlineData(20, 60000, 10)] // never below ten sessions
    public void Each_write_transaction_is_sized_from_the_last_ones_time(int sessions, int tookMs, int next) =>
        Assert.Equal(next, SessionRemover.NextBatch(sessions, TimeSpan.FromMilliseconds(tookMs)));

    [Fact]
    public void A_batch_that_cannot_be_written_still_reports_every_session_removed_before_it()
    {
        var bulk = BulkInstance.Create(
            Temp.Combine("bulk"),
            DateTime.UtcNow,
            agents: 1,
            // Enough old sessions for four write transactions, whatever each one's time: the first holds
            // FirstBatchMessages messages (about 360 of these sessions), each later one at most twice the last.
            sessionsPerAgent: 4000,
            seed: 5
        );
        var store = new SessionStore(EvonicInstance.Open(bulk.Root), CleanupPolicy.FromParameter(90));
        AgentInfo agent = store.GetAgents().Single();
        string chatDb = Path.Combine(bulk.Root, "agents", agent.Id, "chat.db");
        long CountSessions()
        {
            using var chat = InstanceBuilder.Connect(chatDb);
            return (long)InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions")[0][0]!;
        }
        long before = CountSessions();
        // The first write transaction takes sessions until they hold FirstBatchMessages messages.
        int firstBatch = 0;
        long messages = 0;
        foreach (EvonicSession session in store.GetSessions(agent).Where(s => s.IsRemovable))
        {
            firstBatch++;
            messages += session.MessageCount;
            if (messages >= SessionRemover.FirstBatchMessages)
                break;
        }
        var reported = new List<SessionRemovalResult>();
        SqliteConnection? holder = null;
        EvonicException error;
        try
        {
            error = Assert.Throws<EvonicException>(() =>
            {
                foreach (
                    SessionRemovalResult result in store.Remove(
                        agent,
                        store.GetSessions(agent).Where(s => s.IsRemovable)
                    )
                )
                {
                    reported.Add(result);
                    if (holder != null)
                        continue;
                    // From the first result on, another writer holds the lock: a later batch cannot be written.
                    holder = InstanceBuilder.Connect(chatDb);
                    InstanceBuilder.Exec(holder, "BEGIN IMMEDIATE");
                }
            });
        }
        finally
        {
            holder?.Dispose();
        }

        Assert.Equal(EvonicErrorKind.DatabaseLocked, error.Kind);
        long gone = before - CountSessions();
        // Results come a batch late (once the batch's files are gone): the first arrived after a second batch
        // committed.
        Assert.True(gone > firstBatch, $"{gone} removed, the first batch held {firstBatch}");
        Assert.Equal(gone, reported.Count(r => r.Status == RemovalStatus.Removed));
        Assert.All(reported, r =>
            Assert.False(r.Session.JsonlPath != null && File.Exists(r.Session.JsonlPath), r.Session.SessionId)
        );
    }
}
