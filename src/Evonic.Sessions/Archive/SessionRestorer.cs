using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
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

    /// <summary>The copy each plan of this restorer was checked from (the plan users see carries no archive
    /// internals).</summary>
    private readonly Dictionary<RestorePlan, ArchivedSession> _planned = new();

    private SessionRestorer(
        EvonicInstance instance,
        CleanupLock cleanupLock,
        ArchiveDatabase? archive,
        MainDatabase main
    )
    {
        _instance = instance;
        _lock = cleanupLock;
        _archive = archive;
        _main = main;
        _agents = new HashSet<string>(main.ReadAgents().Select(a => a.Id), StringComparer.Ordinal);
    }

    /// <summary>Takes the instance's cleanup lock (CleanupAlreadyRunning while a cleanup runs) and opens its
    /// databases.</summary>
    public static SessionRestorer Open(EvonicInstance instance)
    {
        CleanupLock cleanupLock = CleanupLock.Acquire(instance);
        ArchiveDatabase? archive = null;
        try
        {
            // Writable: the restore records its hold in the module's own table of the archive.
            archive = System.IO.File.Exists(instance.ArchiveDatabasePath)
                ? ArchiveDatabase.OpenForWriting(instance)
                : null;
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
    public RestorePlan Plan(long archiveId) =>
        Check(
            _archive?.ReadEntry(archiveId)
                ?? throw NotFound($"The session archive of '{_instance.Root}' has no entry {archiveId}.")
        );

    /// <summary>The newest archived copy of the session, checked for a restore.</summary>
    public RestorePlan PlanNewest(string agentId, string sessionId)
    {
        long id = _archive?.FindNewest(agentId, sessionId)
            ?? throw NotFound(
                $"The session archive of '{_instance.Root}' holds no copy of session '{sessionId}' of agent "
                    + $"'{agentId}'."
            );
        return Plan(id);
    }

    private EvonicException NotFound(string message) =>
        new(EvonicErrorKind.ArchiveEntryNotFound, message, _instance.ArchiveDatabasePath);

    private RestorePlan Check(ArchivedSession entry)
    {
        string chatAgent = ChatAgentOf(entry);
        ChatDatabase chat = Chat(chatAgent);
        bool resumes = _archive?.Holds.FindUnfinished(chatAgent, entry.SessionId) == entry.ArchiveId;
        if (!resumes && chat.SessionExists(entry.SessionId))
            throw chat.SessionIsLive(entry.SessionId);
        // A recorded log name is used only as a name inside the agent's sessions folder, never as a path.
        string? logPath =
            entry.LogFileName is { } name && EvonicInstance.IsSafeFileName(name)
                ? Path.Combine(_instance.SessionsFolder(chatAgent), name)
                : _instance.ChatLogPath(chatAgent, entry.SessionId);
        if (logPath == null && entry.JsonlLines.Count > 0)
            throw new EvonicException(
                EvonicErrorKind.UnsafeSessionId,
                $"Session id '{entry.SessionId}' cannot name a log file safely; its {entry.JsonlLines.Count} "
                    + $"archived log lines cannot be written back. Nothing was changed.",
                entry.SessionId
            );
        if (!resumes && logPath != null && File.Exists(logPath))
            throw LogExists(entry.SessionId, logPath);
        // A log that existed, even empty, comes back; Evonic's own copies say only what lines there were.
        var plan = new RestorePlan(
            entry.ArchiveId,
            entry.SessionId,
            chatAgent,
            entry.AgentId,
            entry.ArchivedAtUtc,
            entry.Messages.Count,
            entry.JsonlLines.Count,
            entry.JsonlLines.Count > 0 || entry.LogFileName != null ? logPath : null,
            resumes
        );
        _planned[plan] = entry;
        return plan;
    }

    private static EvonicException LogExists(string sessionId, string path) =>
        new(
            EvonicErrorKind.ChatLogExists,
            $"A chat log of session '{sessionId}' already exists ('{path}'): restoring would overwrite or mix two "
                + $"conversations. Nothing was changed.",
            path
        );

    /// <summary>
    /// The agent whose <c>chat.db</c> held the session: recorded in the module's copies; for Evonic's own, the agent
    /// named in the archive row, or the parent of the sub-agent it names.
    /// </summary>
    private string ChatAgentOf(ArchivedSession entry)
    {
        if (entry.ChatAgentId is { } recorded && _agents.Contains(recorded))
            return recorded;
        if (_agents.Contains(entry.AgentId))
            return entry.AgentId;
        foreach (string agent in _agents)
            if (new AgentFamily(agent, _agents).IsSubAgent(entry.AgentId))
                return agent;
        throw new EvonicException(
            EvonicErrorKind.AgentNotFound,
            $"Agent '{entry.ChatAgentId ?? entry.AgentId}' of archived session '{entry.SessionId}' is not an agent "
                + $"of '{_instance.Root}'; nothing was restored.",
            entry.AgentId
        );
    }

    private ChatDatabase Chat(string agentId)
    {
        if (_chats.TryGetValue(agentId, out ChatDatabase? chat))
            return chat;
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
        if (!Directory.Exists(folder))
            return;
        SafePath.Resolve(_instance.Root, folder);
        foreach (string stale in Directory.EnumerateFiles(folder, "*" + TemporarySuffix))
        {
            try
            {
                File.Delete(stale);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EvonicException(
                    EvonicErrorKind.FileDeleteFailed,
                    $"The temporary log '{stale}' of an interrupted restore cannot be deleted: {e.Message}",
                    stale,
                    e
                );
            }
        }
    }

    /// <summary>
    /// Restores a planned session, then holds it for <paramref name="holdDays"/> (0: no hold). The hold is recorded
    /// first, so a restore stopped halfway (a crash, a full disk) is kept from the cleanup and finished by the next
    /// restore of the same copy: rows are written once (one transaction), the log is written unless it is there, then
    /// <c>session_index</c> and <c>session_count</c>. The log goes to a temporary file first and is renamed into place
    /// after the rows commit, so a restored session never has half a log. A failure is an <see cref="EvonicException"/>
    /// for this session only.
    /// </summary>
    public SessionRestoreResult Restore(RestorePlan plan, int holdDays = DefaultHoldDays)
    {
        if (!_planned.TryGetValue(plan, out ArchivedSession? entry))
            throw new ArgumentException("The plan was made by another restorer.", nameof(plan));
        ChatDatabase chat = Chat(plan.AgentId);
        DateTime restoredAt = DateTime.UtcNow;
        DateTime? heldUntil = holdDays > 0 ? restoredAt.AddDays(holdDays) : null;
        if (_archive == null)
            throw NotFound($"The instance '{_instance.Root}' has no session archive.");
        _archive.Holds.Begin(plan.AgentId, entry.SessionId, entry.ArchiveId, heldUntil ?? restoredAt);
        bool rowsThere = plan.Resumes && chat.SessionExists(entry.SessionId);
        bool logThere = plan.ChatLogPath != null && plan.Resumes && File.Exists(plan.ChatLogPath);
        string? temporary = null;
        int messages;
        try
        {
            if (plan.ChatLogPath != null && !logThere)
                temporary = WriteLog(plan.ChatLogPath, entry, _instance.Root);
            // An orphan log archived alone had no rows: only its log comes back.
            messages = entry.LogOnly || rowsThere ? entry.Messages.Count : chat.InsertRestored(entry);
        }
        catch
        {
            if (temporary != null)
                TryDelete(temporary);
            // Nothing of the session was written: no unfinished restore to hold or resume.
            if (!rowsThere)
                _archive.Holds.Finish(plan.AgentId, entry.SessionId, hold: false);
            throw;
        }
        if (temporary != null)
        {
            // The log's modification time dates a session too: it is set to the session's last activity, not the
            // moment of the restore (the hold, not a new time, keeps it from the next cleanup).
            DateTime? lastActivity = entry.LogOnly
                ? entry.ArchivedAtUtc
                : chat.LastActivityOfRows(entry.SessionId) ?? entry.ArchivedAtUtc;
            if (lastActivity is { } time)
                File.SetLastWriteTimeUtc(temporary, time);
            MoveIntoPlace(temporary, plan.ChatLogPath!, entry.SessionId);
        }
        if (!entry.LogOnly)
        {
            // The session_index row it had, as it was; none when it had none (copies that did not record it: as Evonic
            // would write it from the row).
            if ((entry.IndexRecorded ? entry.IndexRow : chat.ReadIndexRow(entry.SessionId)) is { } index)
                _main.WriteIndexRow(index);
            _main.UpdateSessionCount(plan.AgentId, chat.CountSessions());
            chat.Checkpoint();
        }
        _archive.Holds.Finish(plan.AgentId, entry.SessionId, hold: heldUntil != null);
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
            HeldUntil = heldUntil,
        };
    }

    /// <summary>How long a restored session is held by default: a month to look at it before the cleanup may take it
    /// again.</summary>
    public const int DefaultHoldDays = 30;

    private static void MoveIntoPlace(string temporary, string path, string sessionId)
    {
        try
        {
            File.Move(temporary, path);
        }
        catch (IOException e) when (File.Exists(path))
        {
            File.Delete(temporary);
            throw new EvonicException(
                EvonicErrorKind.ChatLogExists,
                $"A log of session '{sessionId}' appeared at '{path}' while it was restored; it was left as it is. "
                    + $"Its rows are back: run the restore again after moving that log away to finish it.",
                path,
                e
            );
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new EvonicException(
                EvonicErrorKind.FileWriteFailed,
                $"The log of session '{sessionId}' cannot be written to '{path}': {e.Message}. Its rows are back: "
                    + $"run the restore again to finish it.",
                path,
                e
            );
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next restore of the agent, which deletes stale temporary logs first.
        }
    }

    /// <summary>The archived lines, byte for byte, each with its line break but a torn last one, in a new file beside
    /// the log's place.</summary>
    private static string WriteLog(string path, ArchivedSession entry, string root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + TemporarySuffix;
        var content = new MemoryStream();
        for (int i = 0; i < entry.JsonlLines.Count; i++)
        {
            content.Write(entry.JsonlLines[i], 0, entry.JsonlLines[i].Length);
            if (i < entry.JsonlLines.Count - 1 || !entry.JsonlUnterminated)
                content.WriteByte((byte)'\n');
        }
        byte[] bytes = content.ToArray();
        try
        {
            using FileStream stream = NoFollowFile.CreateNew(temporary, root);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new EvonicException(
                EvonicErrorKind.FileWriteFailed,
                $"The log of session '{entry.SessionId}' cannot be written to '{temporary}': {e.Message}. Nothing of "
                    + $"the session was restored.",
                temporary,
                e
            );
        }
        return temporary;
    }

    public void Dispose()
    {
        foreach (ChatDatabase chat in _chats.Values)
            chat.Dispose();
        _main.Dispose();
        _archive?.Dispose();
        _lock.Dispose();
    }
}
