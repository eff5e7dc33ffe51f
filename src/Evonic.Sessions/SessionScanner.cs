using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Evonic.Sessions;

/// <summary>
/// Reads every session of one agent (rows of its <c>chat.db</c> and orphan JSONL logs), dates each by its last
/// activity, and decides which old ones are protected and why.
/// </summary>
internal sealed class SessionScanner
{
    private readonly EvonicInstance _instance;
    private readonly DateTime _nowUtc;
    private readonly DateTime _cutoffUtc;
    private readonly int _maxAgeDays;

    public SessionScanner(EvonicInstance instance, DateTime nowUtc, CleanupPolicy policy)
    {
        _instance = instance;
        _nowUtc = nowUtc;
        _cutoffUtc = policy.CutoffUtc(nowUtc);
        _maxAgeDays = policy.MaxAgeDays;
    }

    /// <summary>
    /// Streams the agent's sessions in one read snapshot of its <c>chat.db</c>, each as soon as it is read, then the
    /// orphans of sessions whose chat rows are gone. What Evonic's lookups return (<see cref="EvonicLookups"/>)
    /// depends on <c>updated_at</c> alone, so it is known before the first session.
    /// </summary>
    public IEnumerable<EvonicSession> Scan(AgentFamily family, ChatDatabase chat, MainDatabase main)
    {
        string agentId = family.ParentId;
        Dictionary<string, SessionMainRows> mainRows = main.ReadAttachmentRows(family);
        WorkInProgress work = main.ReadWorkInProgress();
        HashSet<string> logFiles = ListLogFiles(agentId);
        chat.BeginSnapshot();
        var rules = new AgentRules(chat.ReadLookups(), chat.ReadStateProtections(), work, chat.IsAgentInFocus());
        foreach (SessionRow row in chat.ReadSessions())
            yield return ScanSession(family, row, mainRows, logFiles, rules);

        // Orphans are ids that chat.db (the same snapshot) no longer has: looked up one by one, so that memory
        // holds the orphans only, not every session id of the agent.
        main.AddIndexRows(mainRows, family, id => !chat.SessionExists(id));
        foreach (EvonicSession orphan in ScanOrphans(family, chat, mainRows, logFiles, rules)) yield return orphan;
    }

    /// <summary>What decides the protections of one agent's sessions, read once per listing.</summary>
    private sealed class AgentRules
    {
        public AgentRules(ProtectionsById lookups, ProtectionsById states, WorkInProgress work, bool inFocus)
        {
            Lookups = lookups;
            States = states;
            Work = work;
            InFocus = inFocus;
        }

        public ProtectionsById Lookups { get; }
        public ProtectionsById States { get; }
        public WorkInProgress Work { get; }
        public bool InFocus { get; }
    }

    private EvonicSession ScanSession(AgentFamily family, SessionRow row, Dictionary<string, SessionMainRows> mainRows,
        HashSet<string> logFiles, AgentRules rules)
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
            Archived = row.Archived,
            BotEnabled = row.BotEnabled,
            AttachmentRows = mainRows.TryGetValue(row.Id, out SessionMainRows? main) ? main.Attachments : new List<AttachmentRow>(),
        };

        bool unreadable = row.HasUnreadableMessageTime || row.UpdatedAtJulian == null;
        DateTime? lastActivity = Latest(
            row.UpdatedAtJulian is { } updated ? SqliteDatabase.FromJulianDay(updated) : null,
            row.LastMessageJulian is { } message ? SqliteDatabase.FromJulianDay(message) : null);

        string? logPath = _instance.ChatLogPath(agentId, row.Id);
        ChatLog? log = null;
        if (logPath != null && logFiles.Remove(logPath))
        {
            // A log that is a link is not read, and does not date the session: its removal is refused
            // (UnsafePath) with the link named, which is what the admin needs to see, and nothing goes.
            // The log's content can only make the session newer; read it only when it could still be old.
            log = ReadLog(logPath, couldBeOld: lastActivity == null || lastActivity < _cutoffUtc);
            if (log != null) lastActivity = Latest(lastActivity, log.LastActivity);
            else if (!SafePath.IsLink(logPath)) unreadable = true;
            session.JsonlPath = logPath;
            session.JsonlSize = log?.Size ?? 0;
            session.JsonlLastWriteUtc = log?.LastWriteUtc;
        }

        Date(session, lastActivity, unreadable);
        if (session.IsOld || unreadable)
        {
            if (unreadable) session.Protection |= SessionProtection.UnreadableTimestamp;
            if (!row.BotEnabled) session.Protection |= SessionProtection.HumanTakeover;
            if (rules.Lookups.TryGetValue(row.Id, out SessionProtection looked)) session.Protection |= looked;
            if (rules.States.TryGetValue(row.Id, out SessionProtection state)) session.Protection |= state;
            session.Protection |= rules.Work.ProtectionOf(row.Id);
            if (log != null && log.TurnInProgress) session.Protection |= SessionProtection.TurnInProgress;
            if (rules.InFocus) session.Protection |= SessionProtection.AgentInFocus;
        }
        return session;
    }

    /// <summary>
    /// Orphans of sessions whose chat rows are gone, one entry per session id: attachment and session_index
    /// rows, attachment folders, and the JSONL log at the id's path. Logs that match no such id are entries of
    /// their own, and only ever remove the log itself.
    /// </summary>
    private IEnumerable<EvonicSession> ScanOrphans(AgentFamily family, ChatDatabase chat,
        IReadOnlyDictionary<string, SessionMainRows> mainRows, HashSet<string> logFiles, AgentRules rules)
    {
        string agentId = family.ParentId;
        Dictionary<string, List<string>> folders = ListAttachmentFolders(family);
        var ids = new SortedSet<string>(mainRows.Keys.Concat(folders.Keys).Where(id => !chat.SessionExists(id)), StringComparer.Ordinal);
        foreach (string id in ids)
        {
            string? logPath = _instance.ChatLogPath(agentId, id);
            if (logPath != null && !logFiles.Remove(logPath)) logPath = null;
            yield return ScanOrphan(agentId, id, mainRows.TryGetValue(id, out SessionMainRows? rows) ? rows : null,
                folders.TryGetValue(id, out List<string>? paths) ? paths : new List<string>(), logPath, rules, logOnly: false);
        }
        foreach (string path in logFiles.OrderBy(p => p, StringComparer.Ordinal))
        {
            // Orphans are rare; read each whole so its id comes from its content when that id names this very file.
            string? contentId = ReadLog(path, couldBeOld: true, force: true)?.SessionId;
            bool ownsId = contentId != null && !chat.SessionExists(contentId) && _instance.ChatLogPath(agentId, contentId) == path;
            string id = ownsId ? contentId! : Path.GetFileNameWithoutExtension(path);
            // A stray log named after a live session, or after a orphan listed above, is not a orphan of its
            // own: it cannot be told apart from that session's files, so it stays.
            if (!ownsId && (ids.Contains(id) || chat.SessionExists(id))) continue;
            yield return ScanOrphan(agentId, id, null, new List<string>(), path, rules, logOnly: true);
        }
    }

    private EvonicSession ScanOrphan(string agentId, string sessionId, SessionMainRows? rows, List<string> folders, string? logPath,
        AgentRules rules, bool logOnly)
    {
        var session = new EvonicSession
        {
            InstanceRoot = _instance.Root,
            AgentId = agentId,
            SessionAgentId = rows?.AttachmentAgentId ?? rows?.IndexAgentId ?? (folders.Count > 0 ? Path.GetFileName(Path.GetDirectoryName(folders[0])!) : agentId),
            SessionId = sessionId,
            Kind = SessionKind.Orphan,
            AttachmentRows = rows?.Attachments ?? new List<AttachmentRow>(),
            OrphanChatLogOnly = logOnly,
        };
        bool unreadable = rows?.HasUnreadableTime ?? false;
        DateTime? lastActivity = null;
        if (rows?.LastAttachmentJulian is { } attached) lastActivity = Latest(lastActivity, SqliteDatabase.FromJulianDay(attached));
        if (rows?.IndexUpdatedJulian is { } indexed) lastActivity = Latest(lastActivity, SqliteDatabase.FromJulianDay(indexed));
        bool anyFile = false;
        foreach (string folder in folders)
        {
            try
            {
                foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                {
                    anyFile = true;
                    lastActivity = Latest(lastActivity, File.GetLastWriteTimeUtc(file));
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
            log = ReadLog(logPath, couldBeOld: true, force: true);
            if (log == null) unreadable = true;
            else lastActivity = Latest(lastActivity, log.LastActivity);
            session.JsonlPath = logPath;
            session.JsonlSize = log?.Size ?? 0;
            session.JsonlLastWriteUtc = log?.LastWriteUtc;
        }

        Date(session, lastActivity, unreadable);
        // Only empty folders are left (a cleanup stopped while deleting files): nothing in them can be lost.
        if (!unreadable && rows == null && logPath == null && !anyFile) session.IsOld = true;
        if (unreadable || (lastActivity == null && !session.IsOld)) session.Protection |= SessionProtection.UnreadableTimestamp;
        if (session.IsOld)
        {
            if (log != null && log.TurnInProgress) session.Protection |= SessionProtection.TurnInProgress;
            session.Protection |= rules.Work.ProtectionOf(sessionId);
            if (rules.InFocus) session.Protection |= SessionProtection.AgentInFocus;
        }
        return session;
    }

    /// <summary>Session id → attachment folders, under the agent's and its sub-agents' attachment folders.</summary>
    private Dictionary<string, List<string>> ListAttachmentFolders(AgentFamily family)
    {
        var folders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!Directory.Exists(_instance.AttachmentsFolder)) return folders;
        try
        {
            foreach (string agentFolder in Directory.EnumerateDirectories(_instance.AttachmentsFolder))
            {
                string name = Path.GetFileName(agentFolder);
                if (!family.Owns(name)) continue;
                foreach (string sessionFolder in Directory.EnumerateDirectories(agentFolder))
                {
                    string id = Path.GetFileName(sessionFolder);
                    if (!folders.TryGetValue(id, out List<string>? list)) folders[id] = list = new List<string>();
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

    /// <summary>
    /// Stats a log, and reads its content when the session could still be old by every other measure and the
    /// file itself is old too. Null when the file cannot be read: such a session cannot be dated.
    /// </summary>
    private ChatLog? ReadLog(string path, bool couldBeOld, bool force = false)
    {
        // A log that is a link may point anywhere (another instance, a device that never ends): not read, so not datable.
        if (SafePath.IsLink(path)) return null;
        try
        {
            ChatLog log = ChatLog.Stat(path);
            return force || (couldBeOld && log.LastWriteUtc < _cutoffUtc) ? ChatLog.Read(log) : log;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Date(EvonicSession session, DateTime? lastActivity, bool unreadable)
    {
        session.MaxAgeDays = _maxAgeDays;
        session.LastActivity = lastActivity;
        session.AgeDays = lastActivity is { } at ? (int)Math.Max(0, Math.Floor((_nowUtc - at).TotalDays)) : null;
        session.IsOld = !unreadable && lastActivity is { } last && last < _cutoffUtc;
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
        if (row.AgentId != family.ParentId && family.IsSubAgent(row.AgentId)) return SessionKind.SubAgent;
        string user = row.ExternalUserId ?? "";
        if (user.StartsWith("__agent__", StringComparison.Ordinal)) return SessionKind.Agent;
        if (user.StartsWith("__scheduler__", StringComparison.Ordinal)) return SessionKind.Scheduler;
        if (user.StartsWith("__system__", StringComparison.Ordinal)) return SessionKind.System;
        return string.IsNullOrEmpty(row.ChannelId) ? SessionKind.Web : SessionKind.Human;
    }

    private static DateTime? Latest(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
