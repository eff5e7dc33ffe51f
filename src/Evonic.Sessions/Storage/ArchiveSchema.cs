using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The tables of Evonic's session archive: Evonic's own (<c>models/session_archive.py</c>, verbatim, so that Evonic's
/// readers understand what the cleanup archives), the module's <c>evonic_sessions_archive</c> beside them, and the
/// restore holds (<see cref="RestoreHolds"/>).
/// </summary>
internal static class ArchiveSchema
{
    /// <summary>Evonic's DDL, verbatim.</summary>
    internal const string EvonicDdl =
        @"
CREATE TABLE IF NOT EXISTS archive_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    channel_id TEXT,
    external_user_id TEXT NOT NULL,
    bot_enabled BOOLEAN DEFAULT 1,
    archived_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS archive_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT,
    tool_calls TEXT,
    tool_call_id TEXT,
    metadata TEXT,
    created_at TEXT,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL UNIQUE,
    summary TEXT NOT NULL,
    last_message_id INTEGER,
    message_count INTEGER,
    created_at TEXT,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_session_state (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL UNIQUE,
    content TEXT NOT NULL,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_jsonl (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    entry_json TEXT NOT NULL,
    ts INTEGER,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);
";

    /// <summary>
    /// The module's own record of what it archived, and indexes that let an entry be found, restored or purged
    /// without scanning every archived message (Evonic's DDL has none).
    /// </summary>
    internal const string ModuleDdl =
        @"
CREATE TABLE IF NOT EXISTS evonic_sessions_archive (
    archive_id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    archived_by TEXT NOT NULL,
    jsonl_unterminated INTEGER NOT NULL DEFAULT 0,
    chat_agent_id TEXT,
    original_columns TEXT,
    pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_session ON evonic_sessions_archive(chat_agent_id, session_id);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_messages ON archive_messages(archive_id);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_jsonl ON archive_jsonl(archive_id);
";

    public const string ArchivedBy = "Evonic.Sessions";

    /// <summary>Creates whatever of the archive's tables and indexes is missing.</summary>
    public static void Create(SqliteConnection connection)
    {
        SqliteDatabase.Execute(connection, EvonicDdl);
        SqliteDatabase.Execute(connection, ModuleDdl);
        SqliteDatabase.Execute(connection, RestoreHolds.Ddl);
    }
}
