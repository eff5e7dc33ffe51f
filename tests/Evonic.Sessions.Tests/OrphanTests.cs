using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A cleanup stopped after a chat.db commit leaves the session's main-database rows, attachments and log behind.
/// The next run lists them as one <see cref="SessionKind.Orphan"/> and removes them; nothing of a live session goes.
/// </summary>
public sealed class OrphanTests : SampleInstanceTest
{
    private readonly SessionStore _store;
    private readonly AgentInfo _siwa;

    public OrphanTests()
    {
        _store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        _siwa = _store.GetAgents().Single(a => a.Id == "siwa");
    }

    private string ChatDb => Path.Combine(Sample.Root, "agents", "siwa", "chat.db");
    private string BobFolder => Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-7b2c");
    private string BobLog => Path.Combine(Sample.Root, "agents", "siwa", "sessions", "7b2c.jsonl");

    /// <summary>What a cleanup killed right after committing bob's chat rows leaves: everything outside
    /// chat.db.</summary>
    private void CommitChatRowsOnly(string sessionId)
    {
        using var chat = InstanceBuilder.Connect(ChatDb);
        foreach (string table in new[] { "chat_messages", "chat_summaries", "session_state" })
            InstanceBuilder.Exec(chat, $"DELETE FROM {table} WHERE session_id = $s", ("$s", sessionId));
        InstanceBuilder.Exec(chat, "DELETE FROM chat_sessions WHERE id = $s", ("$s", sessionId));
    }

    private long MainRows(string sql)
    {
        using var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        return (long)InstanceBuilder.Query(main, sql)[0][0]!;
    }

    [Fact]
    public void The_rows_files_and_log_of_a_session_removed_from_chat_db_are_one_orphan_that_the_next_run_removes()
    {
        CommitChatRowsOnly("siwa-7b2c");

        EvonicSession orphan = _store.GetSessions(_siwa).Single(s => s.SessionId == "siwa-7b2c");
        Assert.Equal(SessionKind.Orphan, orphan.Kind);
        Assert.True(orphan.IsRemovable, orphan.Protection.ToString());
        Assert.Equal(2, orphan.AttachmentCount);
        Assert.Equal(BobLog, orphan.JsonlPath);
        Assert.Equal(Now.AddDays(-200), orphan.LastActivity);

        SessionRemovalResult result = _store.Remove(_siwa, new[] { orphan }).Single();

        Assert.Equal(RemovalStatus.Removed, result.Status);
        Assert.Equal(3, result.FilesRemoved);
        Assert.Equal(0, MainRows("SELECT COUNT(*) FROM attachments WHERE session_id = 'siwa-7b2c'"));
        Assert.Equal(0, MainRows("SELECT COUNT(*) FROM session_index WHERE session_id = 'siwa-7b2c'"));
        Assert.False(Directory.Exists(BobFolder));
        Assert.False(File.Exists(BobLog));
        Assert.DoesNotContain(_store.GetSessions(_siwa), s => s.SessionId == "siwa-7b2c");
    }

    [Fact]
    public void A_left_over_empty_attachment_folder_is_removed_and_a_fresh_upload_is_kept()
    {
        Directory.CreateDirectory(Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-gone"));
        string fresh = Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-new", "upload.png");
        Directory.CreateDirectory(Path.GetDirectoryName(fresh)!);
        File.WriteAllText(fresh, "uploaded a minute ago, the session row comes next");

        var sessions = _store.GetSessions(_siwa).ToDictionary(s => s.SessionId);
        Assert.True(sessions["siwa-gone"].IsRemovable);
        Assert.False(sessions["siwa-new"].IsOld);

        var results = _store.Remove(_siwa, sessions.Values.Where(s => s.Kind == SessionKind.Orphan)).ToList();

        Assert.False(Directory.Exists(Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-gone")));
        Assert.True(File.Exists(fresh));
        Assert.Equal(RemovalStatus.KeptActive, results.Single(r => r.SessionId == "siwa-new").Status);
    }

    [Fact]
    public void A_stray_log_that_names_a_live_session_removes_only_itself()
    {
        // siwa-a001 is old but protected (a human took over); the stray log claims its id.
        string stray = Path.Combine(Sample.Root, "agents", "siwa", "sessions", "stray-copy.jsonl");
        File.WriteAllText(stray, "{\"type\":\"user\",\"session_id\":\"siwa-a001\",\"ts\":1600000000000}\n");
        File.SetLastWriteTimeUtc(stray, Now.AddDays(-500));
        string a001Folder = Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-a001");
        Directory.CreateDirectory(a001Folder);
        File.WriteAllText(Path.Combine(a001Folder, "contract.pdf"), "keep");
        HashSet<string> before = InstanceSnapshot.Take(Sample.Root);

        EvonicSession orphan = _store.GetSessions(_siwa).Single(s => s.JsonlPath == stray);
        Assert.Equal("stray-copy", orphan.SessionId);
        SessionRemovalResult result = _store.Remove(_siwa, new[] { orphan }).Single();

        Assert.Equal(RemovalStatus.Removed, result.Status);
        before.RemoveWhere(line => line.StartsWith("agents/siwa/sessions/stray-copy.jsonl", StringComparison.Ordinal));
        Assert.Equal(before, InstanceSnapshot.Take(Sample.Root));
    }

    [Fact]
    public void A_left_over_whose_session_id_comes_back_before_removal_is_kept_whole()
    {
        CommitChatRowsOnly("siwa-7b2c");
        EvonicSession orphan = _store.GetSessions(_siwa).Single(s => s.SessionId == "siwa-7b2c");
        using (var chat = InstanceBuilder.Connect(ChatDb))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_sessions (id, agent_id, external_user_id) VALUES ('siwa-7b2c', 'siwa', 'bob')"
            );
        HashSet<string> before = InstanceSnapshot.Take(Sample.Root);

        SessionRemovalResult result = _store.Remove(_siwa, new[] { orphan }).Single();

        Assert.Equal(RemovalStatus.KeptActive, result.Status);
        before.RemoveWhere(line => line.StartsWith("shared/db/evonic.db | agents |", StringComparison.Ordinal));
        HashSet<string> after = InstanceSnapshot.Take(Sample.Root);
        after.RemoveWhere(line => line.StartsWith("shared/db/evonic.db | agents |", StringComparison.Ordinal));
        Assert.Equal(before, after);
    }

    /// <summary>
    /// session_index.agent_id holds the parent in some Evonic versions and the sub-agent in others: both are the
    /// parent's orphans. An id of a real agent that merely looks like a sub-agent is that agent's own. (Before,
    /// siwa took siwa_sub_team's index rows and attachments as its own orphans.)
    /// </summary>
    [Fact]
    public void Index_rows_of_the_parent_or_a_sub_agent_are_the_parents_and_a_real_agents_are_its_own()
    {
        using (var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath))
            foreach (
                var (id, agent) in new[]
                {
                    ("gone-parent", "siwa"),
                    ("gone-sub", "siwa_sub_3"),
                    ("gone-explorer", "siwa_explorer_1"),
                    ("gone-team", "siwa_sub_team"),
                }
            )
                InstanceBuilder.Exec(
                    main,
                    "INSERT INTO session_index (session_id, agent_id, external_user_id, updated_at) VALUES ($s, $a, "
                        + "'x', '2025-01-01 00:00:00')",
                    ("$s", id),
                    ("$a", agent)
                );

        var siwaOrphans = _store
            .GetSessions(_siwa)
            .Where(s => s.Kind == SessionKind.Orphan)
            .Select(s => s.SessionId)
            .ToHashSet();
        AgentInfo team = _store.GetAgents().Single(a => a.Id == "siwa_sub_team");
        var teamOrphans = _store
            .GetSessions(team)
            .Where(s => s.Kind == SessionKind.Orphan)
            .Select(s => s.SessionId)
            .ToList();

        Assert.Superset(new HashSet<string> { "gone-parent", "gone-sub", "gone-explorer" }, siwaOrphans);
        Assert.DoesNotContain("gone-team", siwaOrphans);
        Assert.DoesNotContain("siwa_sub_team-1", siwaOrphans);
        Assert.Equal(new[] { "gone-team" }, teamOrphans);
    }

    /// <summary>
    /// Each agent's listing reads its index and attachment rows through Evonic's own indexes on <c>agent_id</c>
    /// (models/schema.py), sub-agents' rows included: a filter SQLite cannot serve from an index reads the whole
    /// table once per agent (30 000 index rows read ten times over at 10 agents).
    /// </summary>
    [Fact]
    public void An_agents_main_rows_are_read_through_Evonics_indexes_on_agent_id()
    {
        using var main = MainDatabase.Open(EvonicInstance.Open(Sample.Root), writable: false);
        foreach (
            (string sql, string index) in new[]
            {
                (MainDatabase.IndexOfAgentSql, "idx_session_index_agent"),
                (main.AttachmentsOfAgentSql, "idx_attachments_agent"),
            }
        )
        {
            using var plan = main.Connection.CreateCommand();
            plan.CommandText = "EXPLAIN QUERY PLAN " + sql;
            plan.Parameters.AddWithValue("$agent", "siwa");
            plan.Parameters.AddWithValue("$sub", "siwa_");
            plan.Parameters.AddWithValue("$subEnd", "siwa`");
            var steps = new List<string>();
            using (var reader = plan.ExecuteReader())
                while (reader.Read())
                    steps.Add(reader.GetString(3));

            Assert.DoesNotContain(steps, step => step.StartsWith("SCAN", StringComparison.Ordinal));
            Assert.Contains(steps, step => step.Contains(index, StringComparison.Ordinal));
        }
    }
}
