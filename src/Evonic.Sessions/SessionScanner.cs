using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Evonic.Sessions;

/// <summary>
/// Reads every session of one agent (rows of its <c>chat.db</c> and orphan JSONL logs), dates each by its last
/// activity, and decides which old ones are protected and why.
/// </summary>
internal sealed class SessionScanner
{
    private static readonly Regex SubAgentId = new("_sub_[0-9]+$", RegexOptions.CultureInvariant);

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
    /// Streams the agent's sessions in one read snapshot of its <c>chat.db</c>: each as soon as it is decided, the
    /// few that could be the newest of their group after all the others (see <see cref="NewestSessions"/>), then
    /// the left-overs of sessions whose chat rows are gone.
    /// </summary>
    public IEnumerable<EvonicSession> Scan(string agentId, ChatDatabase chat, MainDatabase main)
    {
        Dictionary<string, SessionMainRows> mainRows = main.ReadAttachmentRows(agentId);
        HashSet<string> logFiles = ListLogFiles(agentId);
        chat.BeginSnapshot();
        var newest = new NewestSessions();
        foreach (SessionRow row in chat.ReadUpdateTimes())
            newest.Observe(Classify(agentId, row), row.AgentId, row.ChannelId, row.UpdatedAtJulian is { } updated ? SqliteDatabase.FromJulianDay(updated) : null);
        HashSet<string> openTasks = chat.ReadSessionsWhoseState(HasOpenTasks);
        bool agentInFocus = IsInFocus(chat.ReadAgentState());

        var undecided = new List<EvonicSession>();
        foreach (SessionRow row in chat.ReadSessions())
        {
            EvonicSession session = ScanSession(agentId, row, mainRows, logFiles, openTasks.Contains(row.Id), agentInFocus);
            if (newest.CouldBeNewest(session)) undecided.Add(session);
            else yield return session;
        }
        NewestSessions.Protect(undecided);
        foreach (EvonicSession session in undecided) yield return session;

        // Left-overs are ids that chat.db (the same snapshot) no longer has: looked up one by one, so that memory
        // holds the left-overs only, not every session id of the agent.
        main.AddIndexRows(mainRows, agentId, id => !chat.SessionExists(id));
        foreach (EvonicSession orphan in ScanOrphans(agentId, chat, mainRows, logFiles, agentInFocus)) yield return orphan;
    }

    private EvonicSession ScanSession(string agentId, SessionRow row, Dictionary<string, SessionMainRows> mainRows,
        HashSet<string> logFiles, bool openTasks, bool agentInFocus)
    {
        var session = new EvonicSession
        {
            InstanceRoot = _instance.Root,
            AgentId = agentId,
            SessionAgentId = row.AgentId,
            SessionId = row.Id,
            Kind = Classify(agentId, row),
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
            if (openTasks) session.Protection |= SessionProtection.OpenTasks;
            if (log != null && log.TurnInProgress) session.Protection |= SessionProtection.TurnInProgress;
            if (agentInFocus) session.Protection |= SessionProtection.AgentInFocus;
        }
        return session;
    }

    /// <summary>
    /// Left-overs of sessions whose chat rows are gone, one entry per session id: attachment and session_index
    /// rows, attachment folders, and the JSONL log at the id's path. Logs that match no such id are entries of
    /// their own, and only ever remove the log itself.
    /// </summary>
    private IEnumerable<EvonicSession> ScanOrphans(string agentId, ChatDatabase chat,
        IReadOnlyDictionary<string, SessionMainRows> mainRows, HashSet<string> logFiles, bool agentInFocus)
    {
        Dictionary<string, List<string>> folders = ListAttachmentFolders(agentId);
        var ids = new SortedSet<string>(mainRows.Keys.Concat(folders.Keys).Where(id => !chat.SessionExists(id)), StringComparer.Ordinal);
        foreach (string id in ids)
        {
            string? logPath = _instance.ChatLogPath(agentId, id);
            if (logPath != null && !logFiles.Remove(logPath)) logPath = null;
            yield return ScanOrphan(agentId, id, mainRows.TryGetValue(id, out SessionMainRows? rows) ? rows : null,
                folders.TryGetValue(id, out List<string>? paths) ? paths : new List<string>(), logPath, agentInFocus, logOnly: false);
        }
        foreach (string path in logFiles.OrderBy(p => p, StringComparer.Ordinal))
        {
            // Orphans are rare; read each whole so its id comes from its content when that id names this very file.
            string? contentId = ReadLog(path, couldBeOld: true, force: true)?.SessionId;
            bool ownsId = contentId != null && !chat.SessionExists(contentId) && _instance.ChatLogPath(agentId, contentId) == path;
            yield return ScanOrphan(agentId, ownsId ? contentId! : Path.GetFileNameWithoutExtension(path), null, new List<string>(), path,
                agentInFocus, logOnly: true);
        }
    }

    private EvonicSession ScanOrphan(string agentId, string sessionId, SessionMainRows? rows, List<string> folders, string? logPath,
        bool agentInFocus, bool logOnly)
    {
        var session = new EvonicSession
        {
            InstanceRoot = _instance.Root,
            AgentId = agentId,
            SessionAgentId = rows?.AttachmentAgentId ?? rows?.IndexAgentId ?? (folders.Count > 0 ? Path.GetFileName(Path.GetDirectoryName(folders[0])!) : agentId),
            SessionId = sessionId,
            Kind = SessionKind.Orphan,
            AttachmentRows = rows?.Attachments ?? new List<AttachmentRow>(),
            LeftoverLogOnly = logOnly,
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
            if (agentInFocus) session.Protection |= SessionProtection.AgentInFocus;
        }
        return session;
    }

    /// <summary>Session id → attachment folders, under the agent's and its sub-agents' attachment folders.</summary>
    private Dictionary<string, List<string>> ListAttachmentFolders(string agentId)
    {
        var folders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!Directory.Exists(_instance.AttachmentsFolder)) return folders;
        try
        {
            foreach (string agentFolder in Directory.EnumerateDirectories(_instance.AttachmentsFolder))
            {
                string name = Path.GetFileName(agentFolder);
                if (name != agentId && !(name.StartsWith(agentId + "_sub_", StringComparison.Ordinal) && SubAgentId.IsMatch(name))) continue;
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
            // An unreadable attachments folder hides only left-overs; the sessions themselves are still listed.
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

    internal static SessionKind Classify(string ownerAgentId, SessionRow row)
    {
        if (row.AgentId != ownerAgentId && SubAgentId.IsMatch(row.AgentId)) return SessionKind.SubAgent;
        string user = row.ExternalUserId ?? "";
        if (user.StartsWith("__agent__", StringComparison.Ordinal)) return SessionKind.Agent;
        if (user.StartsWith("__scheduler__", StringComparison.Ordinal)) return SessionKind.Scheduler;
        if (user.StartsWith("__system__", StringComparison.Ordinal)) return SessionKind.System;
        return string.IsNullOrEmpty(row.ChannelId) ? SessionKind.Web : SessionKind.Human;
    }

    /// <summary>A pending or in-progress task keeps the session; a state that cannot be read is assumed open.</summary>
    internal static bool HasOpenTasks(string stateJson)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(stateJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return true;
            if (!document.RootElement.TryGetProperty("tasks", out JsonElement tasks) || tasks.ValueKind == JsonValueKind.Null) return false;
            if (tasks.ValueKind != JsonValueKind.Array) return true;
            foreach (JsonElement task in tasks.EnumerateArray())
            {
                if (task.ValueKind != JsonValueKind.Object) return true;
                if (task.TryGetProperty("status", out JsonElement status)
                    && status.ValueKind == JsonValueKind.String && status.GetString() is "pending" or "in_progress")
                    return true;
            }
            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>The agent is in focus when its <c>'__agent__'</c> state says <c>focus: true</c>; an unreadable state counts as in focus.</summary>
    internal static bool IsInFocus(string? agentStateJson)
    {
        if (agentStateJson == null) return false;
        try
        {
            using JsonDocument document = JsonDocument.Parse(agentStateJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return true;
            return document.RootElement.TryGetProperty("focus", out JsonElement focus)
                && focus.ValueKind is JsonValueKind.True or JsonValueKind.String or JsonValueKind.Number
                && !(focus.ValueKind == JsonValueKind.String && focus.GetString() is "" or "false" or "0")
                && !(focus.ValueKind == JsonValueKind.Number && focus.GetDouble() == 0);
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static DateTime? Latest(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
