using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Erasure;

/// <summary>
/// A person's copy of their data (issue 24): every session whose <c>external_user_id</c> is theirs, in every agent's
/// <c>chat.db</c> (sub-agents' too), with its messages, summary, JSONL log lines (each as stored), the names of its
/// attachments, and the memories Evonic drew from it; one JSON document, <see cref="Format"/>, documented in
/// about_EvonicUserData. Read-only on the instance; the file is created new, readable by its owner only, never through
/// a link, and replaces an existing one only when asked.
/// </summary>
public static class UserDataExport
{
    public const string Format = "evonic-user-data/1";

    /// <summary>A log is copied line by line; a longer one is not a chat log.</summary>
    private const long LargestLog = 256L * 1024 * 1024;

    public static UserDataExportResult Write(
        EvonicInstance instance,
        IReadOnlyList<AgentInfo> agents,
        string externalUserId,
        string path,
        bool overwrite,
        DateTime nowUtc
    )
    {
        if (string.IsNullOrEmpty(externalUserId))
            throw new ArgumentException("An external user id is needed.", nameof(externalUserId));
        path = Path.GetFullPath(path);
        if (!overwrite && (File.Exists(path) || Directory.Exists(path)))
            throw new EvonicException(
                EvonicErrorKind.FileExists,
                $"'{path}' exists: nothing was written. Give another path, or -Force to replace it.",
                path
            );
        var result = new UserDataExportResult(path, externalUserId);
        try
        {
            NoFollowFile.WriteWhole(path, null, ownerOnly: true, stream =>
            {
                using (
                    var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Encoder })
                )
                    WriteDocument(json, instance, agents, externalUserId, nowUtc, result);
                result.Bytes = stream.Length;
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvonicException(
                EvonicErrorKind.FileWriteFailed,
                $"The copy of '{externalUserId}''s data cannot be written to '{path}': {e.Message}.",
                path,
                e
            );
        }
        return result;
    }

    /// <summary>Text as it is (a person reads their copy), with only what JSON itself needs escaped.</summary>
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static void WriteDocument(
        Utf8JsonWriter json,
        EvonicInstance instance,
        IReadOnlyList<AgentInfo> agents,
        string externalUserId,
        DateTime nowUtc,
        UserDataExportResult result
    )
    {
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteString("exportedAt", nowUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        json.WriteString("instance", instance.Root);
        json.WriteString("externalUserId", externalUserId);
        json.WriteStartArray("sessions");
        var memories =
            new List<(string Agent, (string? Content, string? Category, string? CreatedAt, string SessionId) Row)>();
        var attachmentsOf = new Dictionary<string, List<string?[]>>(StringComparer.Ordinal);
        using MainDatabase main = MainDatabase.Open(instance, writable: false);
        foreach (AgentInfo agent in agents)
        {
            using ChatDatabase chat = ChatDatabase.Open(instance, agent.Id, writable: false);
            chat.BeginSnapshot();
            List<UserSessionRow> sessions = chat.ReadUserSessions(externalUserId);
            if (sessions.Count == 0)
                continue;
            List<string> ids = sessions.Select(s => s.Id).ToList();
            foreach (IGrouping<string?, string?[]> rows in main.ReadAttachmentNames(ids).GroupBy(r => r[0]))
                attachmentsOf[agent.Id + "/" + rows.Key] = rows.ToList();
            foreach (UserSessionRow session in sessions)
                WriteSession(json, instance, chat, agent.Id, session, attachmentsOf, result);
            memories.AddRange(chat.ReadMemories(ids).Select(m => (agent.Id, m)));
        }
        json.WriteEndArray();
        json.WriteStartArray("memories");
        foreach ((string agent, (string? content, string? category, string? createdAt, string sessionId)) in memories)
        {
            json.WriteStartObject();
            json.WriteString("agentId", agent);
            json.WriteString("sessionId", sessionId);
            json.WriteString("category", category);
            json.WriteString("createdAt", createdAt);
            json.WriteString("content", content);
            json.WriteEndObject();
            result.Memories++;
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSession(
        Utf8JsonWriter json,
        EvonicInstance instance,
        ChatDatabase chat,
        string agentId,
        UserSessionRow session,
        Dictionary<string, List<string?[]>> attachmentsOf,
        UserDataExportResult result
    )
    {
        result.Sessions++;
        json.WriteStartObject();
        json.WriteString("agentId", agentId);
        json.WriteString("sessionAgentId", session.AgentId);
        json.WriteString("sessionId", session.Id);
        json.WriteString("channelId", session.ChannelId);
        json.WriteString("createdAt", session.CreatedAt);
        json.WriteString("updatedAt", session.UpdatedAt);
        json.WriteBoolean("archived", session.Archived);
        json.WriteString("summary", chat.ReadSummary(session.Id));
        json.WriteStartArray("messages");
        foreach ((string? role, string? content, string? createdAt) in chat.ReadMessages(session.Id))
        {
            json.WriteStartObject();
            json.WriteString("role", role);
            json.WriteString("createdAt", createdAt);
            json.WriteString("content", content);
            json.WriteEndObject();
            result.Messages++;
        }
        json.WriteEndArray();
        json.WriteStartArray("log");
        foreach (string line in ReadLog(instance, agentId, session.Id))
        {
            json.WriteStringValue(line);
            result.LogLines++;
        }
        json.WriteEndArray();
        json.WriteStartArray("attachments");
        if (attachmentsOf.TryGetValue(agentId + "/" + session.Id, out List<string?[]>? rows))
            foreach (string?[] row in rows)
            {
                json.WriteStartObject();
                json.WriteString("filename", row[1]);
                json.WriteString("originalFilename", row[2]);
                json.WriteString("mimeType", row[3]);
                if (long.TryParse(row[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out long size))
                    json.WriteNumber("sizeBytes", size);
                else
                    json.WriteNull("sizeBytes");
                json.WriteString("filePath", row[5]);
                json.WriteEndObject();
                result.Attachments++;
            }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The session's JSONL log, line by line as stored (none when it has no log); never through a
    /// link.</summary>
    private static List<string> ReadLog(EvonicInstance instance, string agentId, string sessionId)
    {
        var lines = new List<string>();
        string? path = instance.ChatLogPath(agentId, sessionId);
        if (path == null)
            return lines;
        using FileStream? stream = NoFollowFile.OpenRead(path, instance.Root);
        if (stream == null)
            return lines;
        if (!stream.CanSeek || stream.Length > LargestLog)
            throw new EvonicException(
                EvonicErrorKind.UnsafePath,
                $"The chat log '{path}' is not a regular file of at most {LargestLog / 1024 / 1024} MB: nothing was "
                    + "exported.",
                path
            );
        using var reader = new StreamReader(stream, new UTF8Encoding(false), true);
        string? line;
        while ((line = reader.ReadLine()) != null)
            if (line.Length > 0)
                lines.Add(line);
        return lines;
    }
}
