using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Archive;

/// <summary>
/// Copies one agent's sessions into Evonic's archive (<see cref="ArchiveDatabase"/>) before they are removed: their
/// rows straight from <c>chat.db</c> and every line of their JSONL log, committed durably before the batch's delete
/// and marked pending until that delete has run (<see cref="Settle"/>). A session the delete kept (it became active
/// or protected) loses its copy again, so the archive holds removed sessions only; a copy a killed run left pending is
/// settled the same way when the next run opens the agent. Attachments are not in Evonic's archive format: each
/// result names their paths and sizes instead.
/// </summary>
internal sealed class SessionArchiver : IDisposable
{
    private readonly ArchiveDatabase _archive;
    private readonly ArchiveWriter _writer;
    private readonly Dictionary<string, long> _writtenNow = new(StringComparer.Ordinal);

    private SessionArchiver(ArchiveDatabase archive, ArchiveWriter writer)
    {
        _archive = archive;
        _writer = writer;
    }

    /// <summary>Opens the archive to copy the sessions of <paramref name="chatAgentId"/>'s <c>chat.db</c>, settling
    /// what a killed run left.</summary>
    public static SessionArchiver Open(EvonicInstance instance, string chatAgentId)
    {
        ArchiveDatabase archive = ArchiveDatabase.OpenForWriting(instance);
        try
        {
            ArchiveWriter writer = archive.AttachChat(instance, chatAgentId);
            string sessions = instance.SessionsFolder(chatAgentId);
            writer.SettlePending(log => EvonicInstance.IsSafeFileName(log) && File.Exists(Path.Combine(sessions, log)));
            return new SessionArchiver(archive, writer);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    public void Archive(
        IReadOnlyList<(EvonicSession Session, SessionFilePlan Plan, SessionRemovalResult Result)> sessions
    )
    {
        _writtenNow.Clear();
        var entries = new List<ArchivedSession>();
        foreach (var (session, plan, _) in sessions)
        {
            // An orphan has no rows left; its log (if any) is still the conversation, and is archived alone.
            bool orphan = session.Kind == SessionKind.Orphan;
            if (orphan && plan.ChatLogPath == null)
                continue;
            var entry = new ArchivedSession
            {
                SessionId = session.SessionId,
                AgentId = session.SessionAgentId,
                LogOnly = orphan,
            };
            if (plan.ChatLogPath != null && File.Exists(plan.ChatLogPath))
            {
                entry.LogFileName = Path.GetFileName(plan.ChatLogPath);
                entry.JsonlLines.AddRange(ChatLog.ReadLines(plan.ChatLogPath, out bool unterminated));
                entry.JsonlUnterminated = unterminated;
            }
            else if (orphan)
                continue;
            entries.Add(entry);
        }
        Dictionary<string, (long Id, bool Written)> ids = _writer.Write(
            entries,
            out Dictionary<string, string> fingerprints
        );
        Fingerprints = fingerprints;
        foreach (var (session, plan, result) in sessions)
        {
            if (ids.TryGetValue(session.SessionId, out var id))
            {
                result.ArchiveId = id.Id;
                if (id.Written)
                    _writtenNow[session.SessionId] = id.Id;
            }
            foreach (string file in plan.AttachmentFiles)
                if (new FileInfo(file) is { Exists: true } info)
                    result.AddAttachmentNotArchived(file, info.Length);
        }
    }

    /// <summary>What the last batch's copies hold of each session's rows: the delete keeps a session whose rows differ
    /// now.</summary>
    public IReadOnlyDictionary<string, string> Fingerprints { get; private set; } = new Dictionary<string, string>();

    /// <summary>After the batch's delete: the copies of removed sessions become final; those of kept sessions
    /// go.</summary>
    public void Settle(IEnumerable<SessionRemovalResult> batch, Func<SessionRemovalResult, bool> removed)
    {
        var done = new List<long>();
        var forget = new List<long>();
        foreach (SessionRemovalResult result in batch)
        {
            if (!_writtenNow.TryGetValue(result.SessionId, out long id))
                continue;
            if (removed(result))
                done.Add(id);
            else
            {
                forget.Add(id);
                result.ArchiveId = null;
            }
        }
        _writer.Settle(done, forget);
    }

    public void Dispose() => _archive.Dispose();
}
