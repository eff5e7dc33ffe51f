using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Archive;

/// <summary>
/// Copies sessions into Evonic's archive (<see cref="ArchiveDatabase"/>) before they are removed: their rows from
/// <c>chat.db</c> and every line of their JSONL log, committed durably before the batch's delete. A session the
/// delete then keeps (it became active or protected) loses the copy again, so the archive holds removed sessions
/// only. Attachments are not in Evonic's archive format: each result names their paths and sizes instead.
/// </summary>
internal sealed class SessionArchiver : IDisposable
{
    private readonly ArchiveDatabase _archive;
    private readonly Dictionary<string, long> _writtenNow = new(StringComparer.Ordinal);

    private SessionArchiver(ArchiveDatabase archive) => _archive = archive;

    public static SessionArchiver Open(EvonicInstance instance) => new(ArchiveDatabase.OpenForWriting(instance));

    public void Archive(ChatDatabase chat, IReadOnlyList<(EvonicSession Session, SessionFilePlan Plan, SessionRemovalResult Result)> sessions)
    {
        _writtenNow.Clear();
        Dictionary<string, ArchivedSession> rows = chat.ReadForArchive(sessions.Where(s => s.Session.Kind != SessionKind.Orphan).Select(s => s.Session.SessionId).ToList());
        var entries = new List<ArchivedSession>();
        foreach (var (session, plan, _) in sessions)
        {
            // An orphan has no rows left; its log (if any) is still the conversation, and is archived alone.
            if (!rows.TryGetValue(session.SessionId, out ArchivedSession? entry))
            {
                if (plan.ChatLogPath == null) continue;
                entry = new ArchivedSession { SessionId = session.SessionId, AgentId = session.SessionAgentId, LogOnly = true };
            }
            entry.ChatAgentId = session.AgentId;
            if (plan.ChatLogPath != null && File.Exists(plan.ChatLogPath))
            {
                entry.LogFileName = Path.GetFileName(plan.ChatLogPath);
                entry.JsonlLines.AddRange(ChatLog.ReadLines(plan.ChatLogPath, out bool unterminated));
                entry.JsonlUnterminated = unterminated;
            }
            entries.Add(entry);
        }
        Dictionary<string, (long Id, bool Written)> ids = _archive.Write(entries);
        foreach (var (session, plan, result) in sessions)
        {
            if (ids.TryGetValue(session.SessionId, out var id))
            {
                result.ArchiveId = id.Id;
                if (id.Written) _writtenNow[session.SessionId] = id.Id;
            }
            foreach (string file in plan.AttachmentFiles)
                if (new FileInfo(file) is { Exists: true } info) result.AddAttachmentNotArchived(file, info.Length);
        }
    }

    /// <summary>Removes the copies this batch wrote of sessions the delete kept.</summary>
    public void ForgetKept(IEnumerable<SessionRemovalResult> kept)
    {
        var forget = new List<long>();
        foreach (SessionRemovalResult result in kept)
        {
            if (_writtenNow.TryGetValue(result.SessionId, out long id)) forget.Add(id);
            result.ArchiveId = null;
        }
        _archive.Forget(forget);
    }

    public void Dispose() => _archive.Dispose();
}
