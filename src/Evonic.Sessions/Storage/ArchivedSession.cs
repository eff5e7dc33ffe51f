using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Everything of one session that Evonic's archive holds (<c>models/session_archive.py</c>): its
/// <c>chat_sessions</c> row, messages, summary, <c>session_state</c> and every JSONL line, each line's text exactly
/// as it was in the log.
/// </summary>
internal sealed class ArchivedSession
{
    public string SessionId = "";
    public string AgentId = "";
    public string? ChannelId;
    public string ExternalUserId = "";
    public object? BotEnabled;
    public readonly List<object?[]> Messages = new(); // role, content, tool_calls, tool_call_id, metadata, created_at
    public object?[]? Summary;                        // summary, last_message_id, message_count, created_at
    public string? State;
    public readonly List<string> JsonlLines = new();

    /// <summary>The log's last line had no line break (a torn write): a restore writes it back the same.</summary>
    public bool JsonlUnterminated;

    /// <summary>The agent whose <c>chat.db</c> held the session (a sub-agent's sessions live in its parent's); null when not recorded.</summary>
    public string? ChatAgentId;

    /// <summary><c>archive_sessions.id</c> and <c>archived_at</c> (UTC), when read back from the archive.</summary>
    public long ArchiveId;
    public DateTime? ArchivedAtUtc;

    // What Evonic's archive has no column for, kept by this module for its own copies so that a restore puts back
    // every row as it was: the rest of the chat_sessions row (archived, created_at, user_id, ...), each message's
    // old id and any further columns, the rest of the summary and session_state rows, and a per-session agent_state
    // row. Null (Evonic's /clear copies, which lack them) means a restore fills in what it can.
    public Dictionary<string, object?>? SessionColumns;

    /// <summary>An orphan log archived alone (its session had no rows left): a restore writes the log back, no rows.</summary>
    public bool LogOnly;

    /// <summary>The log's file name in the agent's <c>sessions/</c> folder, as it was; null when not recorded.</summary>
    public string? LogFileName;
    public readonly List<Dictionary<string, object?>> MessageColumns = new();
    public Dictionary<string, object?>? SummaryColumns;
    public Dictionary<string, object?>? StateColumns;
    public Dictionary<string, object?>? AgentStateRow;

    /// <summary>The columns of each table that Evonic's archive holds (read from there, not from <see cref="OriginalColumnsJson"/>).</summary>
    internal static readonly string[] ArchivedSessionColumns = { "id", "agent_id", "channel_id", "external_user_id", "bot_enabled" };
    internal static readonly string[] ArchivedMessageColumns = { "session_id", "role", "content", "tool_calls", "tool_call_id", "metadata", "created_at" };
    internal static readonly string[] ArchivedSummaryColumns = { "id", "session_id", "summary", "last_message_id", "message_count", "created_at" };
    internal static readonly string[] ArchivedStateColumns = { "session_id", "content" };

    public bool HasOriginalColumns => SessionColumns != null;

    /// <summary>The module's record of the columns Evonic's archive lacks, as one JSON object (<see cref="ColumnValues"/>).</summary>
    public string? OriginalColumnsJson()
    {
        if (SessionColumns == null && !LogOnly) return null;
        using var buffer = new System.IO.MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (LogOnly) writer.WriteBoolean("log_only", true);
            if (LogFileName != null) writer.WriteString("log_file", LogFileName);
            if (SessionColumns != null)
            {
                writer.WritePropertyName("session");
                ColumnValues.Write(writer, SessionColumns);
            }
            writer.WriteStartArray("messages");
            foreach (Dictionary<string, object?> message in MessageColumns) ColumnValues.Write(writer, message);
            writer.WriteEndArray();
            if (SummaryColumns != null)
            {
                writer.WritePropertyName("summary");
                ColumnValues.Write(writer, SummaryColumns);
            }
            if (StateColumns != null)
            {
                writer.WritePropertyName("session_state");
                ColumnValues.Write(writer, StateColumns);
            }
            if (AgentStateRow != null)
            {
                writer.WritePropertyName("agent_state");
                ColumnValues.Write(writer, AgentStateRow);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void ReadOriginalColumns(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        LogOnly = root.TryGetProperty("log_only", out JsonElement logOnly) && logOnly.ValueKind == JsonValueKind.True;
        LogFileName = root.TryGetProperty("log_file", out JsonElement logFile) ? logFile.GetString() : null;
        SessionColumns = root.TryGetProperty("session", out JsonElement session) ? ColumnValues.Read(session) : null;
        MessageColumns.Clear();
        if (root.TryGetProperty("messages", out JsonElement messages))
            foreach (JsonElement message in messages.EnumerateArray()) MessageColumns.Add(ColumnValues.Read(message));
        SummaryColumns = root.TryGetProperty("summary", out JsonElement summary) ? ColumnValues.Read(summary) : null;
        StateColumns = root.TryGetProperty("session_state", out JsonElement state) ? ColumnValues.Read(state) : null;
        AgentStateRow = root.TryGetProperty("agent_state", out JsonElement agentState) ? ColumnValues.Read(agentState) : null;
    }

    /// <summary>
    /// A digest of everything archived: a run killed between the archive's commit and the session's deletion finds
    /// the same digest next time and reuses that copy instead of writing a second one.
    /// </summary>
    public string ContentHash()
    {
        var text = new StringBuilder();
        void Add(object? value) => text.Append(value is null ? "\u0001" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('\u0000');
        Add(AgentId); Add(SessionId); Add(ChannelId); Add(ExternalUserId); Add(BotEnabled);
        foreach (object?[] message in Messages) foreach (object? value in message) Add(value);
        Add("summary");
        if (Summary != null) foreach (object? value in Summary) Add(value);
        Add(State);
        foreach (string line in JsonlLines) Add(line);
        Add(JsonlUnterminated);
        Add(OriginalColumnsJson());
        using var sha = SHA256.Create();
        byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
        var hex = new StringBuilder(hash.Length * 2);
        foreach (byte b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return hex.ToString();
    }
}
