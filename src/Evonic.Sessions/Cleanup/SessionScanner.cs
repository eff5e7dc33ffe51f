using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Reads every session of one agent (rows of its <c>chat.db</c>, and orphans: what is left of sessions whose rows are
/// gone), and has each dated (<see cref="SessionDating"/>) and judged (<see cref="ProtectionRules"/>).
/// </summary>
internal sealed class SessionScanner
{
    private readonly EvonicInstance _instance;
    private readonly SessionDating _dating;
    private readonly AgeLimits _limits;
    private readonly CleanupPolicy? _measuringFrom;
    private readonly DateTime _measuringCutoffUtc;
    private Dictionary<string, string> _channelTypes = new(StringComparer.Ordinal);

    /// <param name="instance">The instance.</param>
    /// <param name="nowUtc">The moment ages are measured from.</param>
    /// <param name="limits">The age limit of each session.</param>
    /// <param name="measuringFrom">A measure of several ages: the youngest of them. Every session old by it is dated
    /// exactly (its log read) and judged (its protections decided), whatever its own limit, and the bytes of its
    /// messages are read.</param>
    public SessionScanner(
        EvonicInstance instance,
        DateTime nowUtc,
        AgeLimits limits,
        CleanupPolicy? measuringFrom = null
    )
    {
        _instance = instance;
        _dating = new SessionDating(nowUtc);
        _limits = limits;
        _measuringFrom = measuringFrom;
        _measuringCutoffUtc = measuringFrom?.CutoffUtc(nowUtc) ?? DateTime.MinValue;
    }

    /// <summary>Whether the session's protections are decided: it is old by its limit, or by the youngest age
    /// measured.</summary>
    private bool IsJudged(EvonicSession session, DateTime? lastActivity) =>
        session.IsOld || (_measuringFrom != null && (session.OldAtAnyAge || lastActivity < _measuringCutoffUtc));

    /// <summary>
    /// Streams the agent's sessions in one read snapshot of its <c>chat.db</c>, each as soon as it is read, then the
    /// orphans of sessions whose chat rows are gone. What Evonic's lookups return (<see cref="EvonicLookups"/>)
    /// depends on <c>updated_at</c> alone, so it is known before the first session.
    /// </summary>
    public IEnumerable<EvonicSession> Scan(
        AgentFamily family,
        ChatDatabase chat,
        MainDatabase main,
        HashSet<string> held
    )
    {
        string agentId = family.ParentId;
        Dictionary<string, SessionMainRows> mainRows = main.ReadAttachmentRows(family);
        PendingWork work = main.ReadPendingWork();
        HashSet<string> logFiles = ListLogFiles(agentId);
        if (_limits.NeedChannelTypes)
            _channelTypes = main.ReadChannelTypes();
        chat.BeginSnapshot();
        var rules = new ProtectionRules(
            chat.ReadLookups(),
            chat.ReadSessionStates(),
            work,
            chat.ReadUnknownReferences(),
            held,
            chat.ReadAgentStates()
        );
        foreach (SessionRow row in chat.ReadSessions(withBytes: _measuringFrom != null))
            yield return ScanSession(family, row, mainRows, logFiles, rules);

        // Orphans are ids that chat.db (the same snapshot) no longer has: looked up one by one, so that memory
        // holds the orphans only, not every session id of the agent.
        main.AddIndexRows(mainRows, family, id => !chat.SessionExists(id));
        foreach (EvonicSession orphan in ScanOrphans(family, chat, mainRows, logFiles, rules))
            yield return orphan;
    }

    private EvonicSession ScanSession(
        AgentFamily family,
        SessionRow row,
        Dictionary<string, SessionMainRows> mainRows,
        HashSet<string> logFiles,
        ProtectionRules rules
    )
    {
        string agentId = family.ParentId;
        var session = new EvonicSession
        {
            InstanceRoot = _instance.Root,
            AgentId = agentId,
            SessionAgentId = row.AgentId,
            SessionId = row.Id,
            Kind = Classify(family, row),
            ExternalUserId = row.ExternalUserId,
            ChannelId = row.ChannelId,
            MessageCount = row.MessageCount,
            MessageBytes = row.MessageBytes,
            Archived = row.Archived,
            BotEnabled = row.BotEnabled,
            AttachmentRows = mainRows.TryGetValue(row.Id, out SessionMainRows? main)
                ? main.Attachments
                : Array.Empty<AttachmentRow>(),
        };

        bool unreadable = row.HasUnreadableMessageTime || row.UpdatedAtJulian == null;
        DateTime? lastActivity = SessionDating.OfRow(row);
        CleanupPolicy limit = _limits.For(
            agentId,
            row.AgentId,
            channelKnown: true,
            row.ChannelId,
            row.ChannelId != null && _channelTypes.TryGetValue(row.ChannelId, out string? type) ? type : null
        );

        string? logPath = _instance.ChatLogPath(agentId, row.Id);
        ChatLog? log = null;
        if (logPath != null && logFiles.Remove(logPath))
        {
            // A log that is a link is not read, and does not date the session: its removal is refused
            // (UnsafePath) with the link named, which is what the admin needs to see, and nothing goes.
            // The log's content can only make the session newer; read it only when it could still be old.
            CleanupPolicy readBy = _measuringFrom ?? limit;
            log = _dating.ReadLog(logPath, oldBy: _dating.CouldBeOld(lastActivity, readBy) ? readBy : null);
            if (log != null)
                lastActivity = SessionDating.Latest(lastActivity, log.LastActivity);
            else if (!SafePath.IsLink(logPath))
                unreadable = true;
            session.JsonlPath = logPath;
            session.JsonlSize = log?.Size ?? 0;
            session.JsonlLastWriteUtc = log?.LastWriteUtc;
        }

        _dating.Date(session, lastActivity, unreadable, limit);
        if (IsJudged(session, lastActivity) || unreadable)
            session.Protection |= rules.OfSession(row.Id, row.BotEnabled, log, unreadable);
        return session;
    }

    /// <summary>
    /// Orphans of sessions whose chat rows are gone, one entry per session id: attachment and session_index
    /// rows, attachment folders, and the JSONL log at the id's path. Logs that match no such id are entries of
    /// their own, and only ever remove the log itself.
    /// </summary>
    private IEnumerable<EvonicSession> ScanOrphans(
        AgentFamily family,
        ChatDatabase chat,
        IReadOnlyDictionary<string, SessionMainRows> mainRows,
        HashSet<string> logFiles,
        ProtectionRules rules
    )
    {
        string agentId = family.ParentId;
        Dictionary<string, List<string>> folders = ListAttachmentFolders(family);
        var ids = new SortedSet<string>(
            mainRows.Keys.Concat(folders.Keys).Where(id => !chat.SessionExists(id)),
            StringComparer.Ordinal
        );
        foreach (string id in ids)
        {
            string? logPath = _instance.ChatLogPath(agentId, id);
            if (logPath != null && !logFiles.Remove(logPath))
                logPath = null;
            yield return ScanOrphan(
                agentId,
                id,
                mainRows.TryGetValue(id, out SessionMainRows? rows) ? rows : null,
                folders.TryGetValue(id, out List<string>? paths) ? paths : new List<string>(),
                logPath,
                rules,
                logOnly: false
            );
        }
        foreach (string path in logFiles.OrderBy(p => p, StringComparer.Ordinal))
        {
            // Orphans are rare; read each whole so its id comes from its content when that id names this very file.
            string? contentId = SessionDating.ReadWholeLog(path)?.SessionId;
            bool ownsId =
                contentId != null
                && !chat.SessionExists(contentId)
                && _instance.ChatLogPath(agentId, contentId) == path;
            string id = ownsId ? contentId! : Path.GetFileNameWithoutExtension(path);
            // A stray log named after a live session, or after a orphan listed above, is not a orphan of its
            // own: it cannot be told apart from that session's files, so it stays.
            if (!ownsId && (ids.Contains(id) || chat.SessionExists(id)))
                continue;
            yield return ScanOrphan(agentId, id, null, new List<string>(), path, rules, logOnly: true);
        }
    }

    private EvonicSession ScanOrphan(
        string agentId,
        string sessionId,
        SessionMainRows? rows,
        List<string> folders,
        string? logPath,
        ProtectionRules rules,
        bool logOnly
    )
    {
        var session = new EvonicSession
        {
            InstanceRoot = _instance.Root,
            AgentId = agentId,
            SessionAgentId = rows?.AttachmentAgentId
                ?? rows?.IndexAgentId
                ?? (folders.Count > 0 ? Path.GetFileName(Path.GetDirectoryName(folders[0])!) : agentId),
            SessionId = sessionId,
            Kind = SessionKind.Orphan,
            AttachmentRows = (IReadOnlyList<AttachmentRow>?)rows?.Attachments ?? Array.Empty<AttachmentRow>(),
            OrphanChatLogOnly = logOnly,
        };
        bool unreadable = rows?.HasUnreadableTime ?? false;
        DateTime? lastActivity = null;
        if (rows?.LastAttachmentJulian is { } attached)
            lastActivity = SessionDating.Latest(lastActivity, SqliteDatabase.FromJulianDay(attached));
        if (rows?.IndexUpdatedJulian is { } indexed)
            lastActivity = SessionDating.Latest(lastActivity, SqliteDatabase.FromJulianDay(indexed));
        bool anyFile = false;
        foreach (string folder in folders)
        {
            try
            {
                foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                {
                    anyFile = true;
                    lastActivity = SessionDating.Latest(lastActivity, File.GetLastWriteTimeUtc(file));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable = true;
            }
        }
        ChatLog? log = null;
        if (logPath != null)
        {
            log = SessionDating.ReadWholeLog(logPath);
            if (log == null)
                unreadable = true;
            else
                lastActivity = SessionDating.Latest(lastActivity, log.LastActivity);
            session.JsonlPath = logPath;
            session.JsonlSize = log?.Size ?? 0;
            session.JsonlLastWriteUtc = log?.LastWriteUtc;
        }

        // Its row is gone, and its channel with it: only rules that name no channel apply.
        CleanupPolicy limit = _limits.For(agentId, session.SessionAgentId, channelKnown: false, null, null);
        _dating.Date(session, lastActivity, unreadable, limit);
        // Only empty folders are left (a cleanup stopped while deleting files): nothing in them can be lost.
        session.OldAtAnyAge = !unreadable && rows == null && logPath == null && !anyFile;
        if (session.OldAtAnyAge && !limit.IsDisabled)
            session.IsOld = true;
        if (unreadable || (lastActivity == null && !session.OldAtAnyAge))
            session.Protection |= SessionProtection.UnreadableTimestamp;
        if (IsJudged(session, lastActivity))
            session.Protection |= rules.OfOrphan(sessionId, log);
        return session;
    }

    /// <summary>Session id → attachment folders, under the agent's and its sub-agents' attachment folders.</summary>
    private Dictionary<string, List<string>> ListAttachmentFolders(AgentFamily family)
    {
        var folders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!Directory.Exists(_instance.AttachmentsFolder))
            return folders;
        try
        {
            foreach (string agentFolder in Directory.EnumerateDirectories(_instance.AttachmentsFolder))
            {
                string name = Path.GetFileName(agentFolder);
                if (!family.Owns(name))
                    continue;
                foreach (string sessionFolder in Directory.EnumerateDirectories(agentFolder))
                {
                    string id = Path.GetFileName(sessionFolder);
                    if (!folders.TryGetValue(id, out List<string>? list))
                        folders[id] = list = new List<string>();
                    list.Add(sessionFolder);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable attachments folder hides only orphans; the sessions themselves are still listed.
        }
        return folders;
    }

    private HashSet<string> ListLogFiles(string agentId)
    {
        string folder = _instance.SessionsFolder(agentId);
        return Directory.Exists(folder)
            ? new HashSet<string>(Directory.EnumerateFiles(folder, "*.jsonl"), StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    internal static SessionKind Classify(AgentFamily family, SessionRow row)
    {
        if (row.AgentId != family.ParentId && family.IsSubAgent(row.AgentId))
            return SessionKind.SubAgent;
        string user = row.ExternalUserId ?? "";
        if (user.StartsWith("__agent__", StringComparison.Ordinal))
            return SessionKind.Agent;
        if (user.StartsWith("__scheduler__", StringComparison.Ordinal))
            return SessionKind.Scheduler;
        if (user.StartsWith("__system__", StringComparison.Ordinal))
            return SessionKind.System;
        return string.IsNullOrEmpty(row.ChannelId) ? SessionKind.Web : SessionKind.Human;
    }
}
