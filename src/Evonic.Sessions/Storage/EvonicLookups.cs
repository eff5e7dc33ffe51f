using System;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The sessions Evonic itself looks up in an agent's <c>chat.db</c>, as one SQL statement that runs Evonic's own
/// filters in SQLite, so that <c>LIKE</c> (its <c>_</c> wildcard, its case folding), NULLs, mixed value types and the
/// text ordering of <c>updated_at</c> behave exactly as they do for the app. Evonic's <c>ORDER BY updated_at DESC
/// LIMIT 1</c> may return any row tied at the top, so every tied row is kept: the rows whose <c>updated_at IS</c> the
/// group's <c>MAX(updated_at)</c>, which SQLite defines as the value an <c>ORDER BY</c> puts last (NULL only when every
/// row of the group is NULL, and then every row ties). Aggregates instead of window functions: no sort, a few
/// linear passes (about 4 ms per 1 000 sessions). Only rows of the file's own agent count (<c>$agent</c>): Evonic
/// asks each lookup with <c>agent_id = ?</c> of the agent whose <c>chat.db</c> it opens; a sub-agent's lookups open
/// the sub-agent's own database (<c>models/chat.py</c> <c>AgentChatDB.__init__</c>), never its parent's.
/// <list type="bullet">
/// <item><c>models/chat.py</c> <c>get_latest_human_session</c>: its channel query; its fallback only when the
/// channel query finds nothing (<see cref="EvonicLookup.LatestHumanSession"/>).</item>
/// <item><c>get_web_fallback_session</c>, as <c>escalate_to_user</c> (<c>backend/tools/agent_messaging.py</c>) calls
/// it: excluding the primary session above. When a human channel session exists, the primary is that one, and the
/// fallback the newest web session; only when none exists is the primary itself the newest web session, and the
/// fallback the second newest (<see cref="EvonicLookup.WebFallbackSession"/>).</item>
/// <item><c>backend/agent_runtime/notifier.py</c> <c>_resolve_agent_target</c>: per channel, the newest session,
/// archived rows included (<see cref="EvonicLookup.ChannelRecipient"/>).</item>
/// </list>
/// </summary>
internal static class EvonicLookups
{
    /// <summary>The parameter that carries the agent id whose <c>chat.db</c> this is.</summary>
    public const string AgentParameter = "$agent";

    /// <summary>
    /// Rows of (session id, <see cref="EvonicLookup"/>) for every session a lookup returns. <paramref name="column"/>
    /// maps a <c>chat_sessions</c> column to its expression: older schemas lack some columns, read as NULL.
    /// </summary>
    public static string Sql(Func<string, string> column) =>
        $@"WITH s AS (
            SELECT id, agent_id, updated_at, {column("channel_id")} AS channel_id,
                IFNULL(({column("archived")} IS NULL OR {column("archived")} = 0)
                    AND {column("external_user_id")} NOT LIKE '__agent__%' AND {column("external_user_id")} !=
                    '__scheduler__', 0) AS human,
                IFNULL({column("external_user_id")} != '__system__', 0) AS not_system
            FROM chat_sessions WHERE id IS NOT NULL AND agent_id = {AgentParameter}),
        tops AS (
            SELECT agent_id,
                SUM(human AND channel_id IS NOT NULL) AS channel_rows,
                MAX(CASE WHEN human AND channel_id IS NOT NULL THEN updated_at END) AS channel_top,
                MAX(CASE WHEN human AND not_system THEN updated_at END) AS fallback_top,
                MAX(CASE WHEN human AND not_system AND channel_id IS NULL THEN updated_at END) AS web_top
            FROM s GROUP BY agent_id),
        web AS (
            SELECT tops.agent_id, MAX(CASE WHEN s.updated_at < tops.web_top THEN s.updated_at END) AS web_second,
                SUM(s.updated_at IS tops.web_top) AS web_top_rows
            FROM s JOIN tops ON s.agent_id = tops.agent_id
            WHERE s.human AND s.not_system AND s.channel_id IS NULL GROUP BY tops.agent_id),
        channels AS (
            SELECT agent_id, channel_id, MAX(updated_at) AS top FROM s WHERE channel_id IS NOT NULL GROUP BY agent_id,
            channel_id)
        SELECT s.id, {(int)EvonicLookup.LatestHumanSession} FROM s JOIN tops ON s.agent_id = tops.agent_id
        WHERE s.human AND ((s.channel_id IS NOT NULL AND s.updated_at IS tops.channel_top)
            OR (tops.channel_rows = 0 AND s.not_system AND s.updated_at IS tops.fallback_top))
        UNION ALL
        SELECT s.id, {(int)EvonicLookup.WebFallbackSession} FROM s JOIN tops ON s.agent_id = tops.agent_id JOIN web ON
        s.agent_id = web.agent_id
        WHERE s.human AND s.not_system AND s.channel_id IS NULL
            AND (s.updated_at IS tops.web_top
                OR (tops.channel_rows = 0 AND web.web_top_rows < 2 AND s.updated_at IS web.web_second))
        UNION ALL
        SELECT s.id, {(int)EvonicLookup.ChannelRecipient} FROM s JOIN channels ON s.agent_id = channels.agent_id AND
        s.channel_id = channels.channel_id
        WHERE s.updated_at IS channels.top";
}
