using System.Text;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Bench;

/// <summary>
/// EXPLAIN QUERY PLAN of every statement the store runs for a cleanup, on an instance's first agent: each must reach
/// rows through a primary key or one of Evonic's own indexes (<c>idx_messages_session</c>,
/// <c>idx_messages_session_created</c>, <c>idx_session_index_agent</c>, <c>idx_attachments_agent</c>), except the scans
/// of whole tables that run once per agent, never per session.
/// </summary>
public static class QueryPlans
{
    public static string Markdown(string root)
    {
        var instance = EvonicInstance.Open(root);
        string agent = new SessionStore(instance, CleanupPolicy.FromParameter(90)).GetAgents()[0].Id;
        var text = new StringBuilder();
        using (ChatDatabase chat = ChatDatabase.Open(instance, agent, writable: false))
        {
            Append(
                text,
                chat.Connection,
                "Evonic's own lookups, read before the sessions stream (per agent; again in a batch's write "
                    + "transaction when another connection wrote since)",
                chat.ReadLookupsSql
            );
            Append(
                text,
                chat.Connection,
                "session states, kept only as the ids they protect (per agent)",
                ChatDatabase.ReadStatesSql
            );
            Append(
                text,
                chat.Connection,
                "the agent state Evonic reads: '__agent__', else the newest per-session row (per agent, and per batch)",
                ChatDatabase.ReadAgentStatesSql
            );
            Append(
                text,
                chat.Connection,
                "list sessions with message statistics (per agent, streamed)",
                chat.ReadSessionsSql
            );
            Append(
                text,
                chat.Connection,
                "re-check a batch inside the write transaction: age, takeover, session state (per batch)",
                chat.StillOldSql
            );
            foreach (string delete in chat.DeleteSql)
                Append(text, chat.Connection, "delete a batch (per batch)", delete);
            Append(
                text,
                chat.Connection,
                "is an id the main database names still in chat.db (per session_index row of the agent while "
                    + "listing; per left-over before removing it)",
                ChatDatabase.SessionExistsSql
            );
            Append(text, chat.Connection, "count an agent's sessions (per agent)", ChatDatabase.CountSessionsSql);
        }
        using (MainDatabase main = MainDatabase.Open(instance, writable: false))
        {
            Append(text, main.Connection, "attachment rows of an agent (per agent)", main.AttachmentsOfAgentSql);
            Append(text, main.Connection, "session_index rows of an agent (per agent)", MainDatabase.IndexOfAgentSql);
            Append(
                text,
                main.Connection,
                "every attachment row's file, for files shared between rows (per agent)",
                MainDatabase.AttachmentPathsSql
            );
            Append(text, main.Connection, "enabled schedules (per agent, and per batch)", main.ScheduledWorkSql);
            Append(
                text,
                main.Connection,
                "transfers in progress (per agent, and per batch)",
                MainDatabase.TransfersInProgressSql
            );
            Append(
                text,
                main.Connection,
                "delete a batch's attachment rows (per batch)",
                MainDatabase.DeleteAttachmentsSql
            );
            Append(
                text,
                main.Connection,
                "delete removed sessions' session_index rows (per 2 000 to 20 000 sessions, timed as the batches)",
                MainDatabase.DeleteIndexSql
            );
            Append(
                text,
                main.Connection,
                "update the agent's session_count (per agent)",
                MainDatabase.UpdateSessionCountSql
            );
        }
        return text.ToString();
    }

    private static void Append(StringBuilder text, SqliteConnection connection, string what, string sql)
    {
        text.Append("**").Append(what).Append("**\n\n```sql\n").Append(Flatten(sql)).Append("\n```\n```\n");
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (
            string name in new[]
            {
                "$id",
                "$ids",
                "$cutoff",
                "$cutoffs",
                "$agent",
                "$sub",
                "$sessions",
                "$attachments",
                "$count",
                "$key",
            }
        )
            if (sql.Contains(name))
                command.Parameters.AddWithValue(
                    name,
                    name is "$ids" or "$sessions" or "$attachments" ? "[]"
                        : name == "$cutoffs" ? "{}"
                        : "x"
                );
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
            text.Append(reader.GetString(3)).Append('\n');
        text.Append("```\n\n");
    }

    private static string Flatten(string sql) =>
        string.Join(" ", sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
