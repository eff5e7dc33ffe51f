using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Every protection is decided again inside the write transaction that deletes: a session listed as removable,
/// then put in focus, given a task, a plan, a schedule or a transfer, or made what an Evonic lookup returns, is kept
/// whole with the reason. (The code before re-checked only age and takeover: each case here removed the session.)
/// </summary>
public sealed class RecheckTests : SampleInstanceTest
{
    private string ChatDb(string agent) => Path.Combine(Sample.Builder.DataRoot, "agents", agent, "chat.db");

    [Theory]
    [InlineData("focus", "siwa", "siwa-7b2c", SessionProtection.AgentInFocus)]
    [InlineData("promoted focus", "lyra", "lyra-4", SessionProtection.AgentInFocus)]
    [InlineData("open task", "siwa", "siwa-7b2c", SessionProtection.OpenTasks)]
    [InlineData("plan file", "siwa", "siwa-7b2c", SessionProtection.PlanFile)]
    [InlineData("lookup", "juno", "juno-5", SessionProtection.ChannelRecipient)]
    [InlineData("web lookup", "echo", "echo-3", SessionProtection.WebFallbackSession)]
    [InlineData("schedule", "siwa", "siwa-7b2c", SessionProtection.ScheduledWork)]
    [InlineData("transfer", "siwa", "siwa-7b2c", SessionProtection.TransferInProgress)]
    [InlineData("takeover", "siwa", "siwa-7b2c", SessionProtection.HumanTakeover)]
    public void A_protection_that_appears_after_listing_keeps_the_session_whole(
        string change,
        string agentId,
        string sessionId,
        SessionProtection expected
    )
    {
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        AgentInfo agent = store.GetAgents().Single(a => a.Id == agentId);
        EvonicSession listed = store.GetSessions(agent).Single(s => s.SessionId == sessionId);
        Assert.True(listed.IsRemovable, listed.Protection.ToString());
        HashSet<string> before;

        using (var chat = InstanceBuilder.Connect(ChatDb(agentId)))
        {
            switch (change)
            {
                case "focus":
                    InstanceBuilder.Exec(
                        chat,
                        "UPDATE agent_state SET content = '{\"focus\": true}' WHERE session_id = '__agent__'"
                    );
                    break;
                case "promoted focus":
                    // lyra has no '__agent__' row: a newer per-session state is what Evonic promotes next.
                    InstanceBuilder.Exec(
                        chat,
                        "INSERT INTO agent_state (session_id, content, updated_at) VALUES ('lyra-2', '{\"focus\": "
                            + "true}', $t)",
                        ("$t", InstanceBuilder.Timestamp(Now.AddDays(-1)))
                    );
                    break;
                case "open task":
                    InstanceBuilder.Exec(
                        chat,
                        "INSERT INTO session_state (session_id, content) VALUES ($s, '{\"tasks\": [{\"status\": "
                            + "\"in_progress\"}]}')",
                        ("$s", sessionId)
                    );
                    break;
                case "plan file":
                    InstanceBuilder.Exec(
                        chat,
                        "INSERT INTO session_state (session_id, content) VALUES ($s, '{\"tasks\": [], \"plan_file\": "
                            + "\"plan.md\"}')",
                        ("$s", sessionId)
                    );
                    break;
                case "lookup":
                    // The newer telegram sessions go (Evonic's /clear, say): juno-5 is now what the lookups return.
                    InstanceBuilder.Exec(chat, "DELETE FROM chat_sessions WHERE id IN ('juno-1', 'juno-6')");
                    break;
                case "web lookup":
                    InstanceBuilder.Exec(chat, "UPDATE chat_sessions SET archived = 1 WHERE id = 'echo-2'");
                    break;
                case "schedule":
                    Sample.Builder.Schedule(
                        "late",
                        "poll_background_job",
                        $"{{\"session_id\": \"{sessionId}\"}}",
                        null
                    );
                    break;
                case "transfer":
                    Sample.Builder.TransferJob("late", agentId, sessionId, "pending");
                    break;
                case "takeover":
                    InstanceBuilder.Exec(
                        chat,
                        "UPDATE chat_sessions SET bot_enabled = 0 WHERE id = $s",
                        ("$s", sessionId)
                    );
                    break;
            }
        }
        before = InstanceSnapshot.Take(Sample.Root);

        SessionRemovalResult result = store.Remove(agent, new[] { listed }).Single();

        Assert.Equal(RemovalStatus.KeptProtected, result.Status);
        Assert.Equal(expected, result.Protection & expected);
        // The result says what was decided; the session the caller listed is left as it was listed.
        Assert.Equal(SessionProtection.None, listed.Protection);
        Assert.Equal(
            before.Where(l => !l.Contains("| agents |")),
            InstanceSnapshot.Take(Sample.Root).Where(l => !l.Contains("| agents |"))
        );
    }

    /// <summary>
    /// One decider for the listing and the transaction: every old session the sample's listing keeps, forced through
    /// the deleting transaction without its listing, is kept there for the same reasons (all but those only a listing
    /// reads: the log's open turn, a time that cannot be read), and nothing is deleted.
    /// </summary>
    [Fact]
    public void The_listing_and_the_transaction_keep_the_same_sessions_for_the_same_reasons()
    {
        const SessionProtection ListingOnly = SessionProtection.TurnInProgress | SessionProtection.UnreadableTimestamp;
        EvonicInstance instance = EvonicInstance.Open(Sample.Root);
        var store = new SessionStore(instance, CleanupPolicy.FromParameter(90), Now);
        int compared = 0;
        foreach (AgentInfo agent in store.GetAgents())
        {
            List<EvonicSession> kept = store
                .GetSessions(agent)
                .Where(s =>
                    s.IsOld
                    && s.Kind != SessionKind.Orphan
                    && (s.Protection & ~ListingOnly) != SessionProtection.None
                    && (s.Protection & ListingOnly) == 0
                )
                .ToList();
            if (kept.Count == 0)
                continue;
            HashSet<string> held;
            using (ArchiveDatabase? archive = ArchiveDatabase.OpenForReading(instance))
                held = archive?.Holds.ReadHeld(agent.Id, Now) ?? new HashSet<string>();
            var decision = new BatchDecision();
            List<string> ids = kept.Select(s => s.SessionId).ToList();
            using MainDatabase main = MainDatabase.Open(instance, writable: false);
            using ChatDatabase chat = ChatDatabase.Open(instance, agent.Id, writable: true);

            Dictionary<string, long> removed = chat.RemoveSessions(
                ids.ToDictionary(id => id, _ => store.CutoffUtc),
                facts =>
                    decision.Decide(
                        ids,
                        facts,
                        () => ProtectionRules.OfBatch(facts, main.ReadPendingWork(), held),
                        _ => false,
                        null
                    ),
                withFingerprints: false
            );

            Assert.Empty(removed);
            foreach (EvonicSession session in kept)
            {
                Assert.Equal($"{session}: {session.Protection}", $"{session}: {decision.Kept[session.SessionId]}");
                compared++;
            }
        }
        Assert.True(compared >= 10, $"only {compared} protected old sessions in the sample");
    }

    /// <summary>
    /// One definition of a takeover for the listing and the transaction: Evonic's <c>bool(bot_enabled)</c> is false
    /// for NULL, 0, 0.0 and ''; the text '0' or 'false' counts too (the doubtful case keeps the session).
    /// </summary>
    [Theory]
    [InlineData("NULL", true)]
    [InlineData("0", true)]
    [InlineData("0.0", true)]
    [InlineData("''", true)]
    [InlineData("'0'", true)]
    [InlineData("' False '", true)]
    [InlineData("1", false)]
    [InlineData("'1'", false)]
    [InlineData("'true'", false)]
    public void A_takeover_is_the_same_to_the_listing_and_to_the_transaction(string botEnabled, bool takenOver)
    {
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");
        EvonicSession listedBefore = store.GetSessions(siwa).Single(s => s.SessionId == "siwa-7b2c");
        using (var chat = InstanceBuilder.Connect(ChatDb("siwa")))
            InstanceBuilder.Exec(chat, $"UPDATE chat_sessions SET bot_enabled = {botEnabled} WHERE id = 'siwa-7b2c'");

        EvonicSession listedAfter = store.GetSessions(siwa).Single(s => s.SessionId == "siwa-7b2c");
        SessionRemovalResult result = store.Remove(siwa, new[] { listedBefore }).Single();

        Assert.Equal(takenOver, (listedAfter.Protection & SessionProtection.HumanTakeover) != 0);
        Assert.Equal(takenOver ? RemovalStatus.KeptProtected : RemovalStatus.Removed, result.Status);
    }

    [Fact]
    public void The_agent_state_Evonic_will_promote_is_never_deleted_with_its_session()
    {
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        AgentInfo lyra = store.GetAgents().Single(a => a.Id == "lyra");

        List<SessionRemovalResult> results = store
            .Remove(lyra, store.GetSessions(lyra).Where(s => s.IsRemovable))
            .ToList();

        Assert.Equal(
            new[] { "lyra-3", "lyra-4" },
            results.Where(r => r.Status == RemovalStatus.Removed).Select(r => r.SessionId).OrderBy(s => s)
        );
        using var chat = InstanceBuilder.Connect(ChatDb("lyra"));
        // What Evonic's get_agent_state reads next: no '__agent__' row, so the newest per-session row, lyra-3's.
        List<object?[]> promoted = InstanceBuilder.Query(
            chat,
            "SELECT session_id, content FROM agent_state WHERE session_id != '__agent__' ORDER BY updated_at DESC "
                + "LIMIT 1"
        );
        Assert.Equal("lyra-3", promoted.Single()[0]);
        Assert.Equal("{\"focus\": false}", promoted.Single()[1]);
        Assert.Empty(InstanceBuilder.Query(chat, "SELECT 1 FROM agent_state WHERE session_id = 'lyra-4'"));
    }
}
