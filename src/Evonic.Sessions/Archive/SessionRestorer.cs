using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Archive;

/// <summary>
/// Puts sessions back from Evonic's archive into one instance: the rows (<see cref="ChatDatabase.InsertRestored"/>,
/// one short transaction per session), the JSONL log byte for byte, the <c>session_index</c> row and the agent's
/// <c>session_count</c>. A session whose id is live, or whose log file exists, is refused with nothing changed.
/// Holds the instance's cleanup lock, so no cleanup runs in between; the archive entry itself stays.
/// </summary>
public sealed class SessionRestorer : IDisposable
{
    private readonly EvonicInstance _instance;
    private readonly CleanupLock _lock;
    private readonly ArchiveDatabase? _archive;
    private readonly MainDatabase _main;
    private readonly HashSet<string> _agents;
    private readonly Dictionary<string, ChatDatabase> _chats = new(StringComparer.Ordinal);

    private SessionRestorer(EvonicInstance instance, CleanupLock cleanupLock, ArchiveDatabase? archive, MainDatabase main)
    {
        _instance = instance;
        _lock = cleanupLock;
        _archive = archive;
        _main = main;
        _agents = new HashSet<string>(main.ReadAgents().Select(a => a.Id), StringComparer.Ordinal);
    }

    /// <summary>Takes the instance's cleanup lock (CleanupAlreadyRunning while a cleanup runs) and opens its databases.</summary>
    public static SessionRestorer Open(EvonicInstance instance)
    {
        CleanupLock cleanupLock = CleanupLock.Acquire(instance);
        ArchiveDatabase? archive = null;
        try
        {
            archive = ArchiveDatabase.OpenForReading(instance);
            return new SessionRestorer(instance, cleanupLock, archive, MainDatabase.Open(instance, writable: true));
        }
        catch
        {
            archive?.Dispose();
            cleanupLock.Dispose();
            throw;
        }
    }

    /// <summary>The archive entry <paramref name="archiveId"/>, checked for a restore.</summary>
    public RestorePlan Plan(long archiveId)
        => Check(_archive?.ReadEntry(archiveId)
                 ?? throw NotFound($"The session archive of '{_instance.Root}' has no entry {archiveId}."));

    /// <summary>The newest archived copy of the session, checked for a restore.</summary>
    public RestorePlan PlanNewest(string agentId, string sessionId)
    {
        long id = _archive?.FindNewest(agentId, sessionId)
                  ?? throw NotFound($"The session archive of '{_instance.Root}' holds no copy of session '{sessionId}' of agent '{agentId}'.");
        return Plan(id);
    }

    private EvonicException NotFound(string message) => new(EvonicErrorKind.ArchiveEntryNotFound, message, _instance.ArchiveDatabasePath);

    private RestorePlan Check(ArchivedSession entry)
    {
        string chatAgent = ChatAgentOf(entry);
        ChatDatabase chat = Chat(chatAgent);
        if (chat.SessionExists(entry.SessionId)) throw chat.SessionIsLive(entry.SessionId);
        // A recorded log name is used only as a name inside the agent's sessions folder, never as a path.
        string? logPath = entry.LogFileName is { } name && EvonicInstance.IsSafeFileName(name)
            ? Path.Combine(_instance.SessionsFolder(chatAgent), name)
            : _instance.ChatLogPath(chatAgent, entry.SessionId);
        if (logPath == null && entry.JsonlLines.Count > 0)
            throw new EvonicException(EvonicErrorKind.UnsafeSessionId,
                $"Session id '{entry.SessionId}' cannot name a log file safely; its {entry.JsonlLines.Count} archived log lines cannot be written back. Nothing was changed.", entry.SessionId);
        if (logPath != null && File.Exists(logPath)) throw LogExists(entry.SessionId, logPath);
        // A log that existed, even empty, comes back; Evonic's own copies say only what lines there were.
        return new RestorePlan(entry, chatAgent, entry.JsonlLines.Count > 0 || entry.LogFileName != null ? logPath : null);
    }

    private static EvonicException LogExists(string sessionId, string path)
        => new(EvonicErrorKind.ChatLogExists,
            $"A chat log of session '{sessionId}' already exists ('{path}'): restoring would overwrite or mix two conversations. Nothing was changed.", path);

    /// <summary>
    /// The agent whose <c>chat.db</c> held the session: recorded in the module's copies; for Evonic's own, the agent
    /// named in the archive row, or the parent of the sub-agent it names.
    /// </summary>
    private string ChatAgentOf(ArchivedSession entry)
    {
        if (entry.ChatAgentId is { } recorded && _agents.Contains(recorded)) return recorded;
        if (_agents.Contains(entry.AgentId)) return entry.AgentId;
        foreach (string agent in _agents)
            if (new AgentFamily(agent, _agents).IsSubAgent(entry.AgentId)) return agent;
        throw new EvonicException(EvonicErrorKind.AgentNotFound,
            $"Agent '{entry.ChatAgentId ?? entry.AgentId}' of archived session '{entry.SessionId}' is not an agent of '{_instance.Root}'; nothing was restored.", entry.AgentId);
    }

    private ChatDatabase Chat(string agentId)
    {
        if (_chats.TryGetValue(agentId, out ChatDatabase? chat)) return chat;
        _chats[agentId] = chat = ChatDatabase.Open(_instance, agentId, writable: true);
        RemoveStaleTemporaryLogs(agentId);
        return chat;
    }

    private const string TemporarySuffix = ".restoring";

    /// <summary>
    /// A restore killed between writing a log and renaming it into place leaves its temporary file: under the lock no
    /// other restore is writing one, so every such file of the agent goes (a link there is unlinked, never followed).
    /// </summary>
    private void RemoveStaleTemporaryLogs(string agentId)
    {
        string folder = _instance.SessionsFolder(agentId);
        if (!Directory.Exists(folder)) return;
        SafePath.Resolve(_instance.Root, folder);
        foreach (string stale in Directory.EnumerateFiles(folder, "*" + TemporarySuffix))
        {
            try
            {
                File.Delete(stale);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EvonicException(EvonicErrorKind.FileDeleteFailed,
                    $"The temporary log '{stale}' of an interrupted restore cannot be deleted: {e.Message}", stale, e);
            }
        }
    }

    /// <summary>
    /// Restores a planned session. The log is written to a temporary file first and renamed into place after the rows
    /// commit, so a failed transaction leaves no log behind and a restored session never has half a log.
    /// </summary>
    public SessionRestoreResult Restore(RestorePlan plan)
    {
        ArchivedSession entry = plan.Entry;
        ChatDatabase chat = Chat(plan.AgentId);
        string? temporary = plan.ChatLogPath != null ? WriteLog(plan.ChatLogPath, entry, _instance.Root) : null;
        DateTime restoredAt = DateTime.UtcNow;
        int messages;
        try
        {
            // An orphan log archived alone had no rows: only its log comes back.
            messages = entry.LogOnly ? 0 : chat.InsertRestored(entry, restoredAt);
        }
        catch
        {
            if (temporary != null) File.Delete(temporary);
            throw;
        }
        if (temporary != null)
        {
            try
            {
                File.Move(temporary, plan.ChatLogPath!);
            }
            catch (IOException e)
            {
                throw new EvonicException(EvonicErrorKind.ChatLogExists,
                    $"Session '{entry.SessionId}' was restored, but a log of its name appeared meanwhile at '{plan.ChatLogPath}'; the archived log is at '{temporary}'.", temporary, e);
            }
        }
        if (!entry.LogOnly)
        {
            if (chat.ReadIndexRow(entry.SessionId) is { } index) _main.WriteIndexRow(index);
            _main.UpdateSessionCount(plan.AgentId, chat.CountSessions());
            chat.Checkpoint();
        }
        return new SessionRestoreResult
        {
            InstanceRoot = _instance.Root,
            AgentId = plan.AgentId,
            SessionId = entry.SessionId,
            ArchiveId = entry.ArchiveId,
            MessageCount = messages,
            SummaryRestored = entry.Summary != null,
            StateRestored = !string.IsNullOrEmpty(entry.State),
            ChatLogPath = plan.ChatLogPath,
            JsonlLineCount = entry.JsonlLines.Count,
            RestoredAt = restoredAt,
        };
    }

    /// <summary>The archived lines, each with its line break but a torn last one, as UTF-8 in a new file beside the log's place.</summary>
    private static string WriteLog(string path, ArchivedSession entry, string root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + TemporarySuffix;
        var text = new StringBuilder();
        for (int i = 0; i < entry.JsonlLines.Count; i++)
        {
            text.Append(entry.JsonlLines[i]);
            if (i < entry.JsonlLines.Count - 1 || !entry.JsonlUnterminated) text.Append('\n');
        }
        byte[] bytes = new UTF8Encoding(false).GetBytes(text.ToString());
        using (FileStream stream = NoFollowFile.CreateNew(temporary, root))
        {
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
        }
        return temporary;
    }

    public void Dispose()
    {
        foreach (ChatDatabase chat in _chats.Values) chat.Dispose();
        _main.Dispose();
        _archive?.Dispose();
        _lock.Dispose();
    }
}
