namespace Evonic.Sessions.SampleData;

/// <summary>Evonic's DDL, verbatim and in Evonic's order, so fixtures are the real on-disk format.</summary>
public static class EvonicSchema
{
    public const string ChatSessions =
        @"CREATE TABLE chat_sessions (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, channel_id TEXT, external_user_id
        TEXT NOT NULL,
  bot_enabled BOOLEAN DEFAULT 1, archived BOOLEAN DEFAULT 0,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);";

    public const string ChatMessages =
        @"CREATE TABLE chat_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT
        NULL,
  content TEXT, tool_calls TEXT, tool_call_id TEXT, metadata TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (session_id) REFERENCES chat_sessions(id) ON DELETE CASCADE);";

    public const string ChatSummaries =
        @"CREATE TABLE chat_summaries (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL UNIQUE, summary
        TEXT NOT NULL,
  last_message_id INTEGER NOT NULL, message_count INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (session_id) REFERENCES chat_sessions(id) ON DELETE CASCADE);";

    public const string Indexes =
        @"CREATE INDEX idx_sessions_lookup ON chat_sessions(agent_id, channel_id, external_user_id);
CREATE INDEX idx_messages_session ON chat_messages(session_id);
CREATE INDEX idx_messages_session_created ON chat_messages(session_id, created_at DESC);";

    public const string SummaryLastMessageTs = "ALTER TABLE chat_summaries ADD COLUMN last_message_ts INTEGER;";

    /// <summary>References <c>users</c>, which lives in the main DB: with foreign keys on, deletes fail.</summary>
    public const string SessionUserId = "ALTER TABLE chat_sessions ADD COLUMN user_id TEXT REFERENCES users(id);";

    public const string AgentState =
        @"CREATE TABLE agent_state (session_id TEXT PRIMARY KEY, content TEXT NOT NULL, updated_at TIMESTAMP DEFAULT
        CURRENT_TIMESTAMP,
  FOREIGN KEY (session_id) REFERENCES chat_sessions(id) ON DELETE CASCADE);";

    public const string SessionState =
        @"CREATE TABLE session_state (session_id TEXT PRIMARY KEY, content TEXT NOT NULL, updated_at TIMESTAMP DEFAULT
        CURRENT_TIMESTAMP,
  FOREIGN KEY (session_id) REFERENCES chat_sessions(id) ON DELETE CASCADE);";

    public const string Memories =
        @"CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, content TEXT NOT NULL, category TEXT DEFAULT
        'general',
  source_session_id TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT
  CURRENT_TIMESTAMP,
  expired INTEGER DEFAULT 0);
CREATE VIRTUAL TABLE memories_fts USING fts5(content, content='memories', content_rowid='id');
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN INSERT INTO memories_fts(rowid, content) VALUES (new.id,
    new.content); END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN INSERT INTO memories_fts(memories_fts, rowid, content)
    VALUES ('delete', old.id, old.content); END;
CREATE TRIGGER memories_au AFTER UPDATE ON memories BEGIN INSERT INTO memories_fts(memories_fts, rowid, content)
    VALUES ('delete', old.id, old.content); INSERT INTO memories_fts(rowid, content) VALUES (new.id, new.content);
    END;";

    /// <summary>The main DB tables the cleanup touches (Evonic's main DB has more).</summary>
    public const string MainDatabase =
        @"CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT, session_count INTEGER DEFAULT 0);
CREATE TABLE attachments (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, session_id TEXT NOT NULL,
  external_user_id TEXT, channel_id TEXT, channel_type TEXT, filename TEXT NOT NULL, original_filename TEXT,
  mime_type TEXT, file_type TEXT, size_bytes INTEGER, file_path TEXT NOT NULL, telegram_file_id TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE);
CREATE INDEX idx_attachments_session ON attachments(session_id, agent_id);
CREATE INDEX idx_attachments_created ON attachments(created_at);
CREATE INDEX idx_attachments_agent ON attachments(agent_id);
CREATE TABLE schedules (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner_type TEXT NOT NULL, owner_id TEXT NOT NULL,
  trigger_type TEXT NOT NULL, trigger_config TEXT NOT NULL, action_type TEXT NOT NULL, action_config TEXT NOT NULL,
  enabled INTEGER DEFAULT 1, created_at TEXT NOT NULL, next_run_at TEXT, last_run_at TEXT, run_count INTEGER DEFAULT 0,
  max_runs INTEGER, metadata TEXT);
CREATE INDEX idx_schedules_owner ON schedules(owner_type, owner_id);
CREATE INDEX idx_schedules_enabled ON schedules(enabled);
CREATE TABLE transfer_jobs (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, session_id TEXT NOT NULL, source_path TEXT
    NOT NULL,
  dest_path TEXT NOT NULL, source_backend_type TEXT NOT NULL, dest_backend_type TEXT NOT NULL,
  status TEXT DEFAULT 'pending' CHECK(status IN ('pending','running','completed','failed','cancelled')),
  total_bytes INTEGER DEFAULT 0, bytes_transferred INTEGER DEFAULT 0, error_msg TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, completed_at TIMESTAMP, FOREIGN KEY (agent_id) REFERENCES agents(id)
  ON DELETE CASCADE);
CREATE INDEX idx_transfer_jobs_agent ON transfer_jobs(agent_id);
CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT,
  config TEXT DEFAULT '{}', enabled BOOLEAN DEFAULT 1, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  UNIQUE(agent_id, name));";

    /// <summary>models/schema.py's session_index, verbatim, with its indexes.</summary>
    public const string SessionIndex =
        @"CREATE TABLE IF NOT EXISTS session_index (
    session_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    channel_id TEXT,
    bot_enabled INTEGER DEFAULT 1,
    archived INTEGER DEFAULT 0,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    message_count INTEGER DEFAULT 0,
    last_message TEXT,
    last_message_role TEXT
);
CREATE INDEX IF NOT EXISTS idx_session_index_agent ON session_index(agent_id);
CREATE INDEX IF NOT EXISTS idx_session_index_updated ON session_index(updated_at);
CREATE INDEX IF NOT EXISTS idx_session_index_external ON session_index(external_user_id);";
}
