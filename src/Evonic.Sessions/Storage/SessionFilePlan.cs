using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Storage;

/// <summary>The files of one session, every path resolved and checked before anything is deleted.</summary>
internal sealed class SessionFilePlan
{
    public string? ChatLogPath;

    /// <summary>The log as it was when the session was listed as old (modification time and size).</summary>
    public DateTime? ListedChatLogWriteUtc;
    public long ListedChatLogSize;

    /// <summary>The session's LLM trace (<c>agents/&lt;id&gt;/llm_traces/&lt;name&gt;.jsonl</c>, in some Evonic
    /// versions).</summary>
    public string? TracePath;
    public readonly List<string> AttachmentFiles = new();
    public readonly List<string> AttachmentFolders = new();

    /// <summary>Files of the session's attachment rows that lie outside its own attachment folder: their rows go, the
    /// files stay.</summary>
    public readonly List<string> ForeignAttachmentFiles = new();
}
