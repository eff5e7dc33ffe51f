using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Everything of one session that Evonic's archive holds (<c>models/session_archive.py</c>): its
/// <c>chat_sessions</c> row, messages, summary, <c>session_state</c> and every JSONL line, each line's text exactly
/// as it was in the log; read back for a restore. To archive, the cleanup fills in the log alone: the rows are
/// copied in SQL (<see cref="ArchiveWriter.Write"/>).
/// </summary>
internal sealed class ArchivedSession
{
    public string SessionId = "";
    public string AgentId = "";
    public string? ChannelId;
    public string ExternalUserId = "";
    public object? BotEnabled;
    public readonly List<object?[]> Messages = new(); // role, content, tool_calls, tool_call_id, metadata, created_at
    public object?[]? Summary; // summary, last_message_id, message_count, created_at
    public string? State;

    /// <summary>Each log line's exact bytes, without its line break.</summary>
    public readonly List<byte[]> JsonlLines = new();

    /// <summary>The log's last line had no line break (a torn write): a restore writes it back the same.</summary>
    public bool JsonlUnterminated;

    /// <summary>The agent whose <c>chat.db</c> held the session (a sub-agent's sessions live in its parent's); null
    /// when not recorded.</summary>
    public string? ChatAgentId;

    /// <summary><c>archive_sessions.id</c> and <c>archived_at</c> (UTC), when read back from the archive.</summary>
    public long ArchiveId;
    public DateTime? ArchivedAtUtc;

    // What Evonic's archive has no column for, kept by this module for its own copies so that a restore puts back
    // every row as it was: the rest of the chat_sessions row (archived, created_at, user_id, ...), each message's
    // old id and any further columns, the rest of the summary and session_state rows, and a per-session agent_state
    // row. Null (Evonic's /clear copies, which lack them) means a restore fills in what it can.
    public Dictionary<string, object?>? SessionColumns;

    /// <summary>An orphan log archived alone (its session had no rows left): a restore writes the log back, no
    /// rows.</summary>
    public bool LogOnly;

    /// <summary>The log's file name in the agent's <c>sessions/</c> folder, as it was; null when not
    /// recorded.</summary>
    public string? LogFileName;
    public readonly List<Dictionary<string, object?>> MessageColumns = new();
    public Dictionary<string, object?>? SummaryColumns;
    public Dictionary<string, object?>? StateColumns;
    public Dictionary<string, object?>? AgentStateRow;

    /// <summary>The copy says whether the session had a <c>session_index</c> row (copies before that was recorded do
    /// not).</summary>
    public bool IndexRecorded;

    /// <summary>Its <c>session_index</c> row as it was; null when it had none (or <see cref="IndexRecorded"/> is
    /// false).</summary>
    public Dictionary<string, object?>? IndexRow;

    /// <summary>The columns of each table that Evonic's archive holds: the module's own record
    /// (<c>original_columns</c>) keeps the rest.</summary>
    internal static readonly string[] ArchivedSessionColumns =
    {
        "id",
        "agent_id",
        "channel_id",
        "external_user_id",
        "bot_enabled",
    };
    internal static readonly string[] ArchivedMessageColumns =
    {
        "session_id",
        "role",
        "content",
        "tool_calls",
        "tool_call_id",
        "metadata",
        "created_at",
    };
    internal static readonly string[] ArchivedSummaryColumns =
    {
        "id",
        "session_id",
        "summary",
        "last_message_id",
        "message_count",
        "created_at",
    };
    internal static readonly string[] ArchivedStateColumns = { "session_id", "content" };

    public bool HasOriginalColumns => SessionColumns != null;

    /// <summary>Reads the module's record of what Evonic's tables lack
    /// (<c>evonic_sessions_archive.original_columns</c>).</summary>
    public void ReadOriginalColumns(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        Dictionary<string, object?>? Row(string name) =>
            root.TryGetProperty(name, out JsonElement row) && row.ValueKind == JsonValueKind.Object
                ? ColumnValues.Read(row)
                : null;
        LogOnly = root.TryGetProperty("log_only", out JsonElement logOnly) && logOnly.ValueKind == JsonValueKind.True;
        LogFileName =
            root.TryGetProperty("log_file", out JsonElement logFile) && logFile.ValueKind == JsonValueKind.String
                ? logFile.GetString()
                : null;
        SessionColumns = Row("session");
        MessageColumns.Clear();
        if (root.TryGetProperty("messages", out JsonElement messages) && messages.ValueKind == JsonValueKind.Array)
            foreach (JsonElement message in messages.EnumerateArray())
                MessageColumns.Add(ColumnValues.Read(message));
        SummaryColumns = Row("summary");
        StateColumns = Row("session_state");
        AgentStateRow = Row("agent_state");
        IndexRecorded = root.TryGetProperty("session_index", out _);
        IndexRow = Row("session_index");
    }
}
