using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

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
        using var sha = SHA256.Create();
        byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
        var hex = new StringBuilder(hash.Length * 2);
        foreach (byte b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return hex.ToString();
    }
}
