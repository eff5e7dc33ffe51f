using System.Globalization;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The property Evonic relies on: every lookup the app makes on an agent's chat.db returns the same row after a
/// cleanup as before it. The queries below are Evonic's own, copied from its sources (models/chat.py,
/// backend/agent_runtime/notifier.py, backend/tools/agent_messaging.py) with only the parameter syntax changed;
/// none of the module's rule code is used to decide what to expect. Each seed builds a different instance: flat
/// or release layout, both chat schemas, sub-agent rows, archived rows, several channels, web_test, system users
/// (and ids that SQLite's LIKE '__agent__%' matches through its '_' wildcard), updated_at values that tie, and
/// updated_at values that are NULL, a number or text that is no date (which SQLite orders by storage class).
/// The property has two directions: nothing a lookup returns is removed, and nothing old is kept for a lookup that
/// does not return it (Evonic's <c>LIMIT 1</c> may return any row tied at the top, so each tied row counts).
/// </summary>
public sealed class EvonicLookupPropertyTests : TempFolderTest
{
    // models/chat.py, get_latest_human_session (current release): priority 1, then the fallback.
    private const string LatestHumanChannel =
        @"
                SELECT id, agent_id, channel_id, external_user_id, bot_enabled, archived, created_at, updated_at FROM
                chat_sessions
                WHERE agent_id = $agent_id AND (archived IS NULL OR archived = 0)
                  AND external_user_id NOT LIKE '__agent__%'
                  AND external_user_id != '__scheduler__'
                  AND channel_id IS NOT NULL
                ORDER BY updated_at DESC LIMIT 1";

    private const string LatestHumanFallback =
        @"
                SELECT id, agent_id, channel_id, external_user_id, bot_enabled, archived, created_at, updated_at FROM
                chat_sessions
                WHERE agent_id = $agent_id AND (archived IS NULL OR archived = 0)
                  AND external_user_id NOT LIKE '__agent__%'
                  AND external_user_id != '__scheduler__'
                  AND external_user_id != '__system__'
                ORDER BY updated_at DESC LIMIT 1";

    // models/chat.py, get_web_fallback_session; escalate_to_user passes the primary session's id as exclude_session_id.
    private const string WebFallback =
        @"
                SELECT id, agent_id, channel_id, external_user_id, bot_enabled, archived, created_at, updated_at FROM
                chat_sessions
                WHERE agent_id = $agent_id AND (archived IS NULL OR archived = 0)
                  AND external_user_id NOT LIKE '__agent__%'
                  AND external_user_id != '__scheduler__'
                  AND external_user_id != '__system__'
                  AND channel_id IS NULL
            ";

    // backend/agent_runtime/notifier.py, _resolve_agent_target.
    private const string ChannelRecipient =
        @"
                SELECT external_user_id FROM chat_sessions
                WHERE agent_id = $agent_id AND channel_id = $channel_id
                ORDER BY updated_at DESC
                LIMIT 1";

    private static readonly string[] Users =
    {
        "alice",
        "bob",
        "carol",
        "web_test",
        "web_test",
        "__scheduler__",
        "__system__",
        "__agent__siwa",
        "__agent__",
        "xxagentyy",
        "__AGENT__ops",
        "__scheduler__digest",
        "__system__x",
        "dave",
    };

    private static readonly string?[] Channels = { null, null, "telegram", "telegram", "whatsapp", "discord" };

    /// <summary>Seeds 1..60 shaped the rules; 1001..1050 are held out, never looked at while writing them.</summary>
    [Theory]
    [InlineData(1, 60)]
    [InlineData(1001, 50)]
    public void Each_lookup_returns_its_row_after_cleanup_and_restore_and_none_is_kept_for_a_lookup_not_returning_it(
        int firstSeed,
        int seeds
    )
    {
        int removed = 0,
            lookupsOnOldRows = 0,
            keptForLookups = 0,
            restoredSessions = 0;
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
        {
            var random = new Random(seed);
            var builder = new InstanceBuilder(
                Temp.Combine($"i{seed}"),
                releaseLayout: seed % 2 == 0,
                withSessionIndex: seed % 3 != 0
            );
            var agentIds = new List<string>();
            for (int a = 0; a < 1 + random.Next(2); a++)
            {
                string id = $"ag{a}";
                agentIds.Add(id);
                AgentBuilder agent = builder.Agent(
                    id,
                    new ChatSchemaOptions(WithUserId: random.Next(2) == 0, WithSessionState: random.Next(2) == 0)
                );
                // A small pool of update times: many rows tie, some recent, most old.
                DateTime[] times = Enumerable
                    .Range(0, 6)
                    .Select(_ =>
                        Now.AddDays(-(random.Next(3) == 0 ? random.Next(80) : 91 + random.Next(300)))
                            .AddSeconds(-random.Next(86400))
                    )
                    .ToArray();
                for (int i = 0; i < 12 + random.Next(14); i++)
                {
                    DateTime last = times[random.Next(times.Length)];
                    last = new DateTime(last.Ticks - last.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
                    agent.Session(
                        $"{id}-{i:x3}",
                        Users[random.Next(Users.Length)],
                        last,
                        messages: random.Next(3),
                        channelId: Channels[random.Next(Channels.Length)],
                        archived: random.Next(4) == 0,
                        sessionAgentId: random.Next(6) == 0 ? id + "_sub_1" : null,
                        botEnabled: random.Next(10) != 0
                    );
                }
                // Values SQLite orders by storage class, not as dates: NULL first, then numbers, then text.
                using SqliteConnection chat = InstanceBuilder.Connect(agent.ChatDatabasePath);
                foreach (object?[] row in InstanceBuilder.Query(chat, "SELECT id FROM chat_sessions"))
                {
                    object? odd = random.Next(14) switch
                    {
                        0 => DBNull.Value,
                        1 => 1_700_000_000L,
                        2 => "last tuesday",
                        _ => null,
                    };
                    if (odd != null)
                        InstanceBuilder.Exec(
                            chat,
                            "UPDATE chat_sessions SET updated_at = $v WHERE id = $id",
                            ("$v", odd),
                            ("$id", row[0])
                        );
                }
            }

            // Some sessions have no session_index row (Evonic drops it for sub-agents and on /clear).
            if (seed % 3 != 0)
                using (SqliteConnection main = InstanceBuilder.Connect(builder.MainDatabasePath))
                    foreach (object?[] row in InstanceBuilder.Query(main, "SELECT session_id FROM session_index"))
                        if (random.Next(5) == 0)
                            InstanceBuilder.Exec(
                                main,
                                "DELETE FROM session_index WHERE session_id = $s",
                                ("$s", row[0])
                            );
            Dictionary<string, string> indexBefore = IndexRows(builder);

            Dictionary<string, string?> before = Lookups(builder, agentIds);
            HashSet<string> returnable = Returnable(builder, agentIds);
            var store = new SessionStore(
                EvonicInstance.Open(builder.Root),
                CleanupPolicy.FromParameter(90),
                Now,
                ArchivePolicy.FromParameter(true)
            );
            var old = new HashSet<string>(StringComparer.Ordinal);
            foreach (AgentInfo agent in store.GetAgents())
            {
                List<EvonicSession> sessions = store.GetSessions(agent).ToList();
                foreach (EvonicSession session in sessions.Where(s => s.IsOld))
                    old.Add(session.SessionId);
                removed += store
                    .Remove(agent, sessions.Where(s => s.IsRemovable))
                    .Count(r => r.Status == RemovalStatus.Removed);
            }
            Dictionary<string, string?> after = Lookups(builder, agentIds);

            AssertSameLookups(before, after, $"seed {seed}, after the cleanup");
            foreach (AgentInfo agent in store.GetAgents())
            foreach (EvonicSession kept in store.GetSessions(agent).Where(s => s.IsOld && s.Kind != SessionKind.Orphan))
            {
                Assert.True(
                    kept.Protection != SessionProtection.None,
                    $"seed {seed}: {kept} is old, unprotected and still there"
                );
                if ((kept.Protection & LookupProtections) == 0)
                    continue;
                keptForLookups++;
                Assert.True(
                    returnable.Contains(kept.SessionId),
                    $"seed {seed}: {kept} is kept as {kept.Protection}, but none of Evonic's lookups can return it"
                );
            }
            lookupsOnOldRows += before.Values.Count(id => id != null && old.Contains(id));

            // Restore any subset of what went: each lookup returns what it returned just before, and each restored
            // session has the session_index row it had (none when it had none).
            List<ArchivedSessionInfo> chosen = store.GetArchivedSessions().Where(_ => random.Next(2) == 0).ToList();
            using (SessionRestorer restorer = store.OpenRestorer())
                foreach (ArchivedSessionInfo archived in chosen)
                    restorer.Restore(restorer.Plan(archived.ArchiveId));
            AssertSameLookups(
                after,
                Lookups(builder, agentIds),
                $"seed {seed}, after restoring {chosen.Count} session(s)"
            );
            Dictionary<string, string> indexAfter = IndexRows(builder);
            foreach (ArchivedSessionInfo archived in chosen)
                Assert.True(
                    indexBefore.TryGetValue(archived.SessionId, out string? was)
                        == indexAfter.TryGetValue(archived.SessionId, out string? now)
                        && was == now,
                    $"seed {seed}: session_index of {archived.SessionId} was '{was}', is '{now}' after its restore"
                );
            restoredSessions += chosen.Count;
        }
        // The property is not vacuous: sessions went and came back, and lookups did return old rows that had to stay.
        Assert.True(restoredSessions > 2 * seeds, $"only {restoredSessions} sessions restored");
        Assert.True(removed > 4 * seeds, $"only {removed} sessions removed");
        Assert.True(lookupsOnOldRows > seeds, $"only {lookupsOnOldRows} lookups returned an old session");
        Assert.True(keptForLookups > seeds, $"only {keptForLookups} old sessions kept for a lookup");
    }

    private static void AssertSameLookups(
        Dictionary<string, string?> expected,
        Dictionary<string, string?> actual,
        string when
    ) =>
        Assert.True(
            expected.Count == actual.Count
                && expected.All(kv => actual.TryGetValue(kv.Key, out string? v) && v == kv.Value),
            $"{when}: "
                + string.Join(
                    "; ",
                    expected
                        .Where(kv => !actual.TryGetValue(kv.Key, out string? v) || v != kv.Value)
                        .Select(kv =>
                            $"{kv.Key}: {kv.Value} -> {(actual.TryGetValue(kv.Key, out string? v) ? v : "(none)")}"
                        )
                )
        );

    /// <summary>Every session_index row, by session id, as text (empty when the instance has no such table).</summary>
    private static Dictionary<string, string> IndexRows(InstanceBuilder builder)
    {
        using SqliteConnection main = InstanceBuilder.Connect(builder.MainDatabasePath);
        if (InstanceBuilder.Query(main, "SELECT name FROM sqlite_master WHERE name = 'session_index'").Count == 0)
            return new Dictionary<string, string>();
        return InstanceBuilder
            .Query(main, "SELECT * FROM session_index")
            .ToDictionary(
                r => Convert.ToString(r[0], CultureInfo.InvariantCulture)!,
                r => string.Join("|", r.Select(v => v is null ? "NULL" : $"{v.GetType().Name}:{v}"))
            );
    }

    private const SessionProtection LookupProtections =
        SessionProtection.LatestHumanSession
        | SessionProtection.WebFallbackSession
        | SessionProtection.ChannelRecipient;

    /// <summary>
    /// Every session id one of Evonic's calls can return, ties included: <c>get_latest_human_session</c> (its fallback
    /// only when the channel query finds nothing), <c>get_web_fallback_session</c> excluding whichever primary that
    /// returned (<c>escalate_to_user</c>), and the notifier's newest row per channel.
    /// </summary>
    private static HashSet<string> Returnable(InstanceBuilder builder, IEnumerable<string> agentIds)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (string agentId in agentIds)
        {
            using SqliteConnection chat = InstanceBuilder.Connect(
                Path.Combine(builder.DataRoot, "agents", agentId, "chat.db")
            );
            List<string> primaries = Tied(chat, LatestHumanChannel, agentId);
            if (primaries.Count == 0)
                primaries = Tied(chat, LatestHumanFallback, agentId);
            ids.UnionWith(primaries);
            foreach (string primary in primaries)
                ids.UnionWith(
                    Tied(
                        chat,
                        WebFallback + " AND id != $exclude ORDER BY updated_at DESC LIMIT 1",
                        agentId,
                        ("$exclude", primary)
                    )
                );
            foreach (
                object?[] channel in InstanceBuilder.Query(
                    chat,
                    "SELECT DISTINCT channel_id FROM chat_sessions WHERE channel_id IS NOT NULL AND agent_id = $a",
                    ("$a", agentId)
                )
            )
                ids.UnionWith(
                    Tied(
                        chat,
                        ChannelRecipient.Replace("SELECT external_user_id", "SELECT id"),
                        agentId,
                        ("$channel_id", channel[0])
                    )
                );
        }
        return ids;
    }

    /// <summary>Every row an <c>ORDER BY updated_at DESC LIMIT 1</c> query may return: those tied with its first
    /// row.</summary>
    private static List<string> Tied(
        SqliteConnection connection,
        string sql,
        string agentId,
        params (string Name, object? Value)[] more
    )
    {
        string all = System
            .Text.RegularExpressions.Regex.Replace(
                sql,
                @"^\s*SELECT .*? FROM",
                "SELECT id, updated_at FROM",
                System.Text.RegularExpressions.RegexOptions.Singleline
            )
            .Replace("LIMIT 1", "");
        List<object?[]> rows = InstanceBuilder.Query(
            connection,
            all,
            new[] { ("$agent_id", (object?)agentId) }.Concat(more).ToArray()
        );
        return rows.Where(r => Equals(r[1], rows[0][1]))
            .Select(r => Convert.ToString(r[0], CultureInfo.InvariantCulture)!)
            .ToList();
    }

    /// <summary>What each lookup returns, per agent: "agent/lookup" → session id (the notifier: the recipient's row
    /// id).</summary>
    private static Dictionary<string, string?> Lookups(InstanceBuilder builder, IEnumerable<string> agentIds)
    {
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string agentId in agentIds)
        {
            using SqliteConnection chat = InstanceBuilder.Connect(
                Path.Combine(builder.DataRoot, "agents", agentId, "chat.db")
            );
            string? primary = First(chat, LatestHumanChannel, agentId) ?? First(chat, LatestHumanFallback, agentId);
            found[agentId + "/latest_human"] = primary;
            found[agentId + "/web_fallback"] = First(chat, WebFallback + " ORDER BY updated_at DESC LIMIT 1", agentId);
            if (primary != null)
                found[agentId + "/escalation_secondary"] = First(
                    chat,
                    WebFallback + " AND id != $exclude ORDER BY updated_at DESC LIMIT 1",
                    agentId,
                    ("$exclude", primary)
                );
            foreach (
                object?[] channel in InstanceBuilder.Query(
                    chat,
                    "SELECT DISTINCT channel_id FROM chat_sessions WHERE channel_id IS NOT NULL AND agent_id = $a",
                    ("$a", agentId)
                )
            )
            {
                // The notifier reads external_user_id; the row behind it must be the same one, not just the same user.
                string recipient = First(chat, ChannelRecipient, agentId, ("$channel_id", channel[0])) ?? "";
                string? row = First(
                    chat,
                    ChannelRecipient.Replace("SELECT external_user_id", "SELECT id"),
                    agentId,
                    ("$channel_id", channel[0])
                );
                found[$"{agentId}/notifier/{channel[0]}"] = row + " -> " + recipient;
            }
        }
        return found;
    }

    private static string? First(
        SqliteConnection connection,
        string sql,
        string agentId,
        params (string Name, object? Value)[] more
    )
    {
        List<object?[]> rows = InstanceBuilder.Query(
            connection,
            sql,
            new[] { ("$agent_id", (object?)agentId) }.Concat(more).ToArray()
        );
        return rows.Count == 0 ? null : Convert.ToString(rows[0][0], CultureInfo.InvariantCulture);
    }
}
