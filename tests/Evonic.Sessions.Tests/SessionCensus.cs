using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Tests;

/// <summary>How many rows each session has in each table of its chat.db and the main DB, and which files it
/// has.</summary>
public sealed record SessionRows(
    long Messages,
    long Summaries,
    long States,
    long Attachments,
    long Indexed,
    bool Log,
    bool AttachmentFolder
);

/// <summary>
/// A census of every session of an instance, to tell whether a stopped or disturbed cleanup left any session half
/// removed: each session must be either whole (as before) or gone from chat.db with none of its chat rows left.
/// </summary>
public sealed class SessionCensus
{
    private SessionCensus(Dictionary<string, SessionRows> sessions, Dictionary<string, long> orphanChatRows)
    {
        Sessions = sessions;
        OrphanChatRows = orphanChatRows;
    }

    /// <summary>"agent/session" → its rows, for sessions that have a chat_sessions row.</summary>
    public IReadOnlyDictionary<string, SessionRows> Sessions { get; }

    /// <summary>Per "agent/table": chat rows whose session row is gone. Must stay 0: a session goes whole or not at
    /// all.</summary>
    public IReadOnlyDictionary<string, long> OrphanChatRows { get; }

    public static SessionCensus Take(string root, IEnumerable<string> agentIds)
    {
        var sessions = new Dictionary<string, SessionRows>(StringComparer.Ordinal);
        var orphans = new Dictionary<string, long>(StringComparer.Ordinal);
        var attachments = new Dictionary<string, long>(StringComparer.Ordinal);
        var indexed = new HashSet<string>(StringComparer.Ordinal);
        using (var main = InstanceBuilder.Connect(Path.Combine(root, "shared", "db", "evonic.db")))
        {
            foreach (
                object?[] row in InstanceBuilder.Query(
                    main,
                    "SELECT agent_id || '/' || session_id, COUNT(*) FROM attachments GROUP BY agent_id, session_id"
                )
            )
                attachments[(string)row[0]!] = (long)row[1]!;
            foreach (
                object?[] row in InstanceBuilder.Query(main, "SELECT agent_id || '/' || session_id FROM session_index")
            )
                indexed.Add((string)row[0]!);
        }
        foreach (string agent in agentIds)
        {
            using var chat = InstanceBuilder.Connect(Path.Combine(root, "agents", agent, "chat.db"));
            Dictionary<string, long> Count(string table) =>
                InstanceBuilder
                    .Query(chat, $"SELECT session_id, COUNT(*) FROM {table} GROUP BY session_id")
                    .ToDictionary(r => (string)r[0]!, r => (long)r[1]!, StringComparer.Ordinal);
            Dictionary<string, long> messages = Count("chat_messages"),
                summaries = Count("chat_summaries"),
                states = Count("session_state");
            var ids = InstanceBuilder
                .Query(chat, "SELECT id FROM chat_sessions")
                .Select(r => (string)r[0]!)
                .ToHashSet(StringComparer.Ordinal);
            foreach (string id in ids)
            {
                string key = agent + "/" + id;
                string log = Path.Combine(
                    root,
                    "agents",
                    agent,
                    "sessions",
                    (id.StartsWith(agent + "-", StringComparison.Ordinal) ? id[(agent.Length + 1)..] : id) + ".jsonl"
                );
                sessions[key] = new SessionRows(
                    messages.GetValueOrDefault(id),
                    summaries.GetValueOrDefault(id),
                    states.GetValueOrDefault(id),
                    attachments.GetValueOrDefault(key),
                    indexed.Contains(key) ? 1 : 0,
                    File.Exists(log),
                    Directory.Exists(Path.Combine(root, "data", "attachments", agent, id))
                );
            }
            orphans[agent + "/chat_messages"] = messages.Where(m => !ids.Contains(m.Key)).Sum(m => m.Value);
            orphans[agent + "/chat_summaries"] = summaries.Where(m => !ids.Contains(m.Key)).Sum(m => m.Value);
            orphans[agent + "/session_state"] = states.Where(m => !ids.Contains(m.Key)).Sum(m => m.Value);
        }
        return new SessionCensus(sessions, orphans);
    }

    /// <summary>
    /// Asserts that every session of <paramref name="before"/> is still whole or gone, that no chat row lost its
    /// session, and that every session outside <paramref name="removable"/> is still here. Sessions in
    /// <paramref name="changedByOthers"/> (a live writer's) are left to the caller.
    /// </summary>
    public void AssertWholeOrGone(
        SessionCensus before,
        IEnumerable<string> removable,
        IEnumerable<string>? changedByOthers = null
    )
    {
        var mayGo = removable.ToHashSet(StringComparer.Ordinal);
        var skip = (changedByOthers ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal);
        Assert.All(OrphanChatRows, orphan =>
            Assert.True(orphan.Value == 0, $"{orphan.Value} row(s) of {orphan.Key} lost their session")
        );
        foreach (var (key, rows) in before.Sessions)
        {
            if (skip.Contains(key))
                continue;
            if (Sessions.TryGetValue(key, out SessionRows? now))
                Assert.True(now == rows, $"{key} is half removed: {rows} before, {now} now");
            else
                Assert.True(mayGo.Contains(key), $"{key} was removed but must be kept");
        }
    }
}
