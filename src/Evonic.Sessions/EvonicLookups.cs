using System;

namespace Evonic.Sessions;

/// <summary>
/// The sessions Evonic itself looks up in an agent's <c>chat.db</c>, as one SQL statement that runs Evonic's own
/// filters and <c>ORDER BY updated_at DESC</c> in SQLite, so that <c>LIKE</c>, NULLs, mixed value types and text
/// ordering behave exactly as they do for the app. <c>LIMIT 1</c> picks any of the rows tied at the top, so every
/// tied row is kept (<c>RANK() = 1</c>). Each lookup is taken per <c>agent_id</c> value in the file: Evonic asks for
/// the agent's own id, and keeping the answer for each sub-agent id too only keeps more.
/// <list type="bullet">
/// <item><c>models/chat.py</c> <c>get_latest_human_session</c>: its channel query, its fallback, and the older
/// release's fallback that also skips <c>web_test</c> (<see cref="SessionProtection.LatestHumanSession"/>).</item>
/// <item><c>get_web_fallback_session</c>: when the primary above is itself a web session, escalation asks for the
/// newest web session other than it, so the two newest web sessions (<c>RANK() &lt;= 2</c>,
/// <see cref="SessionProtection.WebFallbackSession"/>).</item>
/// <item><c>backend/agent_runtime/notifier.py</c> <c>_resolve_agent_target</c>: per channel, the newest session,
/// archived rows included (<see cref="SessionProtection.ChannelRecipient"/>).</item>
/// </list>
/// </summary>
internal static class EvonicLookups
{
    private const string NotArchived = "(archived IS NULL OR archived = 0)";
    private const string NotAgentOrScheduler = "external_user_id NOT LIKE '__agent__%' AND external_user_id != '__scheduler__'";
    private const string NotSystem = NotAgentOrScheduler + " AND external_user_id != '__system__'";

    /// <summary>
    /// Rows of (session id, protection) for every session a lookup returns. <paramref name="column"/> maps a
    /// <c>chat_sessions</c> column to its expression: older schemas lack some columns, read as NULL.
    /// </summary>
    public static string Sql(Func<string, string> column) => $@"WITH s AS (
            SELECT id, agent_id, updated_at, {column("channel_id")} AS channel_id, {column("external_user_id")} AS external_user_id,
                {column("archived")} AS archived
            FROM chat_sessions WHERE id IS NOT NULL)
        {Top(SessionProtection.LatestHumanSession, $"{NotArchived} AND {NotAgentOrScheduler} AND channel_id IS NOT NULL")}
        UNION ALL {Top(SessionProtection.LatestHumanSession, $"{NotArchived} AND {NotSystem}")}
        UNION ALL {Top(SessionProtection.LatestHumanSession, $"{NotArchived} AND {NotSystem} AND external_user_id != 'web_test'")}
        UNION ALL {Top(SessionProtection.WebFallbackSession, $"{NotArchived} AND {NotSystem} AND channel_id IS NULL", rank: 2)}
        UNION ALL {Top(SessionProtection.ChannelRecipient, "channel_id IS NOT NULL", partition: "agent_id, channel_id")}";

    private static string Top(SessionProtection reason, string filter, int rank = 1, string partition = "agent_id")
        => $@"SELECT id, {(int)reason} FROM (
                SELECT id, RANK() OVER (PARTITION BY {partition} ORDER BY updated_at DESC) AS r FROM s WHERE {filter})
            WHERE r <= {rank}";
}
