using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.SampleData;

/// <summary>One agent of an <see cref="InstanceBuilder"/>: its chat.db, logs and attachments.</summary>
public sealed class AgentBuilder
{
    private readonly InstanceBuilder _instance;
    private readonly Dictionary<string, DateTime> _lastActivity = new(StringComparer.Ordinal);

    internal AgentBuilder(InstanceBuilder instance, string id, ChatSchemaOptions schema)
    {
        _instance = instance;
        Id = id;
        Schema = schema;
        Directory.CreateDirectory(SessionsFolder);
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        InstanceBuilder.Exec(chat, "PRAGMA journal_mode = WAL;");
        InstanceBuilder.Exec(chat, EvonicSchema.ChatSessions);
        InstanceBuilder.Exec(chat, EvonicSchema.ChatMessages);
        InstanceBuilder.Exec(chat, EvonicSchema.ChatSummaries);
        InstanceBuilder.Exec(chat, EvonicSchema.Indexes);
        InstanceBuilder.Exec(chat, EvonicSchema.SummaryLastMessageTs);
        if (schema.WithUserId)
            InstanceBuilder.Exec(chat, EvonicSchema.SessionUserId);
        InstanceBuilder.Exec(chat, EvonicSchema.AgentState);
        if (schema.WithSessionState)
            InstanceBuilder.Exec(chat, EvonicSchema.SessionState);
        InstanceBuilder.Exec(chat, EvonicSchema.Memories);
    }

    public string Id { get; }
    public ChatSchemaOptions Schema { get; }
    public string Folder => Path.Combine(_instance.DataRoot, "agents", Id);
    public string ChatDatabasePath => Path.Combine(Folder, "chat.db");
    public string SessionsFolder => Path.Combine(Folder, "sessions");

    /// <summary>Adds a session row with <paramref name="messages"/> messages, the last one at <paramref
    /// name="lastActivity"/>.</summary>
    public AgentBuilder Session(
        string sessionId,
        string externalUserId,
        DateTime lastActivity,
        int messages = 3,
        string? channelId = null,
        string? sessionAgentId = null,
        bool botEnabled = true,
        bool archived = false,
        string? updatedAtText = null,
        bool withSummary = true,
        bool withAgentState = false
    )
    {
        _lastActivity[sessionId] = lastActivity;
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        using SqliteTransaction tx = chat.BeginTransaction();
        string created = InstanceBuilder.Timestamp(lastActivity.AddDays(-30));
        string sql = Schema.WithUserId
            ? "INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, bot_enabled, archived, "
                + "created_at, updated_at, user_id) VALUES ($id, $agent, $channel, $user, $bot, $archived, $created, "
                + "$updated, 'u1')"
            : "INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, bot_enabled, archived, "
                + "created_at, updated_at) VALUES ($id, $agent, $channel, $user, $bot, $archived, $created, $updated)";
        InstanceBuilder.Exec(
            chat,
            sql,
            ("$id", sessionId),
            ("$agent", sessionAgentId ?? Id),
            ("$channel", channelId),
            ("$user", externalUserId),
            ("$bot", botEnabled ? 1 : 0),
            ("$archived", archived ? 1 : 0),
            ("$created", created),
            ("$updated", updatedAtText ?? InstanceBuilder.Timestamp(lastActivity))
        );
        long lastId = 0;
        for (int i = 0; i < messages; i++)
        {
            DateTime at = lastActivity.AddMinutes(-(messages - 1 - i));
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, $role, $content, $at)",
                ("$s", sessionId),
                ("$role", i % 2 == 0 ? "user" : "assistant"),
                ("$content", $"message {i} of {sessionId}"),
                ("$at", InstanceBuilder.Timestamp(at))
            );
            lastId = (long)InstanceBuilder.Query(chat, "SELECT last_insert_rowid()")[0][0]!;
        }
        if (withSummary && messages > 0)
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_summaries (session_id, summary, last_message_id, message_count, last_message_ts) "
                    + "VALUES ($s, 'summary', $last, $n, $ts)",
                ("$s", sessionId),
                ("$last", lastId),
                ("$n", messages),
                ("$ts", new DateTimeOffset(lastActivity).ToUnixTimeMilliseconds())
            );
        if (withAgentState)
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO agent_state (session_id, content) VALUES ($s, '{\"scratch\": 1}')",
                ("$s", sessionId)
            );
        tx.Commit();
        AddToSessionIndex(sessionId, sessionAgentId ?? Id, externalUserId, channelId, lastActivity);
        return this;
    }

    private void AddToSessionIndex(string sessionId, string agentId, string user, string? channel, DateTime at)
    {
        using SqliteConnection main = InstanceBuilder.Connect(_instance.MainDatabasePath);
        if (InstanceBuilder.Query(main, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'session_index'")[0][0] is 0L)
            return;
        InstanceBuilder.Exec(
            main,
            "INSERT INTO session_index (session_id, agent_id, external_user_id, channel_id, updated_at) VALUES ($s, "
                + "$a, $u, $c, $t)",
            ("$s", sessionId),
            ("$a", agentId),
            ("$u", user),
            ("$c", channel),
            ("$t", InstanceBuilder.Timestamp(at))
        );
    }

    public AgentBuilder SessionState(string sessionId, string json)
    {
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "INSERT INTO session_state (session_id, content) VALUES ($s, $c)",
            ("$s", sessionId),
            ("$c", json)
        );
        return this;
    }

    /// <summary>The agent's global <c>'__agent__'</c> state row.</summary>
    public AgentBuilder AgentState(string json)
    {
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "INSERT INTO agent_state (session_id, content) VALUES ('__agent__', $c)",
            ("$c", json)
        );
        return this;
    }

    /// <summary>A per-session <c>agent_state</c> row of an Evonic release before the global <c>'__agent__'</c>
    /// key.</summary>
    public AgentBuilder LegacyAgentState(string sessionId, string json, DateTime updated)
    {
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "INSERT INTO agent_state (session_id, content, updated_at) VALUES ($s, $c, $t)",
            ("$s", sessionId),
            ("$c", json),
            ("$t", InstanceBuilder.Timestamp(updated))
        );
        return this;
    }

    /// <summary>The LLM trace some Evonic versions write beside the chat log:
    /// <c>llm_traces/&lt;name&gt;.jsonl</c>.</summary>
    public string Trace(string sessionId, DateTime at)
    {
        string path = Path.Combine(Folder, "llm_traces", Path.GetFileName(LogPath(sessionId)));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"ts\":" + new DateTimeOffset(at).ToUnixTimeMilliseconds() + ",\"model\":\"m\"}\n");
        File.SetLastWriteTimeUtc(path, at);
        return path;
    }

    /// <summary>A file in the sessions folder that no session owns by Evonic's naming rule.</summary>
    public string StrayLog(string fileName, string sessionIdInside, DateTime at)
    {
        string path = Path.Combine(SessionsFolder, fileName);
        File.WriteAllText(
            path,
            "{\"type\":\"user\",\"session_id\":"
                + JsonSerializer.Serialize(sessionIdInside)
                + ",\"ts\":"
                + new DateTimeOffset(at).ToUnixTimeMilliseconds()
                + "}\n"
        );
        File.SetLastWriteTimeUtc(path, at);
        return path;
    }

    /// <summary>An attachment row whose <c>file_path</c> points wherever it is told, with no file written for
    /// it.</summary>
    public AgentBuilder AttachmentRow(string sessionId, string filePath)
    {
        using SqliteConnection main = InstanceBuilder.Connect(_instance.MainDatabasePath);
        InstanceBuilder.Exec(
            main,
            "INSERT INTO attachments (agent_id, session_id, filename, size_bytes, file_path, created_at) VALUES "
                + "($a, $s, $f, 1, $p, $t)",
            ("$a", Id),
            ("$s", sessionId),
            ("$f", Path.GetFileName(filePath)),
            ("$p", filePath),
            (
                "$t",
                InstanceBuilder.Timestamp(_lastActivity.TryGetValue(sessionId, out DateTime at) ? at : DateTime.UtcNow)
            )
        );
        return this;
    }

    public AgentBuilder Memory(string content, string? sourceSessionId)
    {
        using SqliteConnection chat = InstanceBuilder.Connect(ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "INSERT INTO memories (content, source_session_id) VALUES ($c, $s)",
            ("$c", content),
            ("$s", sourceSessionId)
        );
        return this;
    }

    /// <summary>The JSONL log path Evonic uses: the id without the "agent-" prefix, else the full id.</summary>
    public string LogPath(string sessionId) =>
        Path.Combine(
            SessionsFolder,
            (sessionId.StartsWith(Id + "-", StringComparison.Ordinal) ? sessionId[(Id.Length + 1)..] : sessionId)
                + ".jsonl"
        );

    /// <summary>Writes a JSONL log of complete turns ending at <paramref name="lastActivity"/>; optionally a torn last
    /// line or an open turn.</summary>
    public string Log(
        string sessionId,
        DateTime lastActivity,
        int turns = 2,
        bool openTurn = false,
        bool tornLastLine = false
    )
    {
        var text = new StringBuilder();
        void Line(string type, DateTime at, string extra = "") =>
            text.Append("{\"type\":\"")
                .Append(type)
                .Append("\",\"session_id\":")
                .Append(JsonSerializer.Serialize(sessionId))
                .Append(",\"ts\":")
                .Append(new DateTimeOffset(at).ToUnixTimeMilliseconds())
                .Append(extra)
                .Append("}\n");
        DateTime t = lastActivity.AddMinutes(-10 * turns - 5);
        for (int i = 0; i < turns; i++)
        {
            Line("user", t, ",\"content\":\"hello\"");
            Line("turn_begin", t = t.AddSeconds(1));
            Line("tool_call", t = t.AddSeconds(1), ",\"name\":\"search\"");
            Line("tool_output", t = t.AddSeconds(1), ",\"output\":\"ok\"");
            Line("final", t = t.AddSeconds(1), ",\"content\":\"done\"");
            Line("turn_end", t = t.AddSeconds(1));
            t = t.AddMinutes(10);
        }
        if (openTurn)
            Line("turn_begin", lastActivity.AddSeconds(-1));
        Line("user", lastActivity, ",\"content\":\"last\"");
        if (tornLastLine)
            text.Append("{\"type\":\"final\",\"session_id\":\"x\",\"ts\":17");
        string path = LogPath(sessionId);
        File.WriteAllText(path, text.ToString());
        File.SetLastWriteTimeUtc(path, lastActivity);
        return path;
    }

    /// <summary>
    /// Adds an attachment row and its file under <c>data/attachments/&lt;agent&gt;/&lt;session&gt;/</c>, uploaded at
    /// the session's last activity (or now, for a session this builder did not add).
    /// </summary>
    public string Attachment(
        string sessionId,
        string fileName,
        int bytes = 1024,
        string? sessionAgentId = null,
        DateTime? uploadedAt = null
    )
    {
        DateTime uploaded = uploadedAt
            ?? (_lastActivity.TryGetValue(sessionId, out DateTime at) ? at : DateTime.UtcNow);
        string agent = sessionAgentId ?? Id;
        string relative = Path.Combine("data", "attachments", agent, sessionId, fileName);
        string path = Path.Combine(_instance.DataRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Enumerable.Range(0, bytes).Select(i => (byte)(i * 31)).ToArray());
        File.SetLastWriteTimeUtc(path, uploaded);
        using SqliteConnection main = InstanceBuilder.Connect(_instance.MainDatabasePath);
        InstanceBuilder.Exec(
            main,
            "INSERT INTO attachments (agent_id, session_id, filename, size_bytes, file_path, created_at) VALUES "
                + "($a, $s, $f, $n, $p, $t)",
            ("$a", agent),
            ("$s", sessionId),
            ("$f", fileName),
            ("$n", bytes),
            ("$p", relative.Replace('\\', '/')),
            ("$t", InstanceBuilder.Timestamp(uploaded))
        );
        return path;
    }
}
