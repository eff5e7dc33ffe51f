using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Deletes a removed session's JSONL log and attachments. Every path is resolved inside the instance root
/// first (<see cref="SafePath"/>); a session with any path that escapes is refused whole.
/// </summary>
internal sealed class SessionFiles
{
    private readonly EvonicInstance _instance;

    /// <summary>Folders found not to be links while planning the current batch: each is looked up once per batch, not
    /// once per file.</summary>
    private readonly HashSet<string> _checkedFolders = new(SafePath.PathComparer);

    public SessionFiles(EvonicInstance instance) => _instance = instance;

    /// <summary>Called for each new batch, so that no folder check is older than the batch it serves.</summary>
    public void ForgetCheckedFolders() => _checkedFolders.Clear();

    /// <summary>
    /// Resolves every file of the session; throws <see cref="EvonicErrorKind.UnsafePath"/> or <see
    /// cref="EvonicErrorKind.UnsafeSessionId"/>. An attachment row's file is the session's only when it lies in
    /// <c>data/attachments/&lt;agent or sub-agent&gt;/&lt;session id&gt;/</c>.
    /// </summary>
    public SessionFilePlan Plan(EvonicSession session, IEnumerable<string> attachmentFilePaths, AgentFamily family)
    {
        if (!session.OrphanChatLogOnly && _instance.ChatLogPath(session.AgentId, session.SessionId) == null)
            throw new EvonicException(
                EvonicErrorKind.UnsafeSessionId,
                $"Refusing session id '{session.SessionId.Replace("\0", "\\0")}' of agent '{session.AgentId}': it "
                    + $"cannot name a file safely.",
                session.SessionId
            );

        var plan = new SessionFilePlan();
        if (session.JsonlPath != null)
        {
            plan.ChatLogPath = SafePath.Resolve(_instance.Root, session.JsonlPath, _checkedFolders);
            plan.ListedChatLogWriteUtc = session.JsonlLastWriteUtc;
            plan.ListedChatLogSize = session.JsonlSize;
        }
        if (
            !session.OrphanChatLogOnly
            && _instance.TraceLogPath(session.AgentId, session.SessionId) is { } trace
            && HasTrace(trace)
        )
            plan.TracePath = SafePath.Resolve(_instance.Root, trace, _checkedFolders);
        foreach (string file in attachmentFilePaths)
        {
            string path = _instance.AttachmentPath(file);
            if (IsInSessionFolder(path, session.SessionId, family))
                plan.AttachmentFiles.Add(SafePath.Resolve(_instance.Root, path, _checkedFolders));
            else
                plan.ForeignAttachmentFiles.Add(file);
        }
        if (!session.OrphanChatLogOnly)
        {
            foreach (string agent in new[] { session.SessionAgentId, session.AgentId }.Distinct(StringComparer.Ordinal))
            {
                string? folder = _instance.AttachmentFolder(agent, session.SessionId);
                if (folder == null || !HasAttachmentFolder(folder))
                    continue;
                string resolved = SafePath.Resolve(_instance.Root, folder);
                foreach (
                    string entry in Directory.EnumerateFileSystemEntries(resolved, "*", SearchOption.AllDirectories)
                )
                    if (SafePath.IsLink(entry))
                        throw new EvonicException(
                            EvonicErrorKind.UnsafePath,
                            $"Refusing the attachment folder '{resolved}': '{entry}' is a symbolic link, and links "
                                + $"are never followed for deletion.",
                            entry
                        );
                plan.AttachmentFolders.Add(resolved);
            }
        }
        return plan;
    }

    /// <summary>True when <paramref name="path"/> lies under <c>data/attachments/&lt;a member of the
    /// family&gt;/&lt;session id&gt;/</c>.</summary>
    private bool IsInSessionFolder(string path, string sessionId, AgentFamily family)
    {
        if (SafePath.TryGetFullPath(path) is not { } full)
            return false;
        string attachments = _instance.AttachmentsFolder + Path.DirectorySeparatorChar;
        if (!full.StartsWith(attachments, SafePath.PathComparison))
            return false;
        string[] parts = full.Substring(attachments.Length).Split(Path.DirectorySeparatorChar);
        return parts.Length >= 3 && family.Owns(parts[0]) && SafePath.PathComparer.Equals(parts[1], sessionId);
    }

    /// <summary>
    /// One listing of the agent's attachment folder answers for all its sessions, instead of a lookup per session.
    /// A folder created after that listing is not deleted: it stays behind as a orphan for the next run.
    /// </summary>
    private bool HasAttachmentFolder(string folder) =>
        IsListed(folder, parent => Directory.EnumerateDirectories(parent), Directory.Exists);

    /// <summary>One listing of the agent's llm_traces folder (most Evonic versions have none) instead of a probe per
    /// session.</summary>
    private bool HasTrace(string trace) =>
        IsListed(trace, parent => Directory.EnumerateFiles(parent, "*.jsonl"), File.Exists);

    /// <summary>Per folder, the names it held when first asked (null: it could not be listed).</summary>
    private readonly Dictionary<string, HashSet<string>?> _listedFolders = new(SafePath.PathComparer);

    /// <summary>
    /// Whether <paramref name="path"/> is among the entries its folder held when this run first listed it; when the
    /// folder could not be listed, <paramref name="probe"/> asks the file system about this one path.
    /// </summary>
    private bool IsListed(string path, Func<string, IEnumerable<string>> list, Func<string, bool> probe)
    {
        string parent = Path.GetDirectoryName(path)!;
        if (!_listedFolders.TryGetValue(parent, out HashSet<string>? names))
        {
            try
            {
                names = Directory.Exists(parent)
                    ? new HashSet<string>(list(parent).Select(Path.GetFileName), SafePath.PathComparer)
                    : new HashSet<string>(SafePath.PathComparer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                names = null;
            }
            _listedFolders[parent] = names;
        }
        return names?.Contains(Path.GetFileName(path)) ?? probe(path);
    }

    /// <summary>Deletes the log only when it is still old: a log appended to after listing is kept.</summary>
    public static void DeleteLogIfStillOld(SessionFilePlan plan, DateTime cutoffUtc, SessionRemovalResult result)
    {
        if (plan.ChatLogPath == null)
            return;
        try
        {
            // Untouched since it was listed as old (same time, same size): still old, no need to read it again.
            ChatLog log;
            try
            {
                log = ChatLog.Stat(plan.ChatLogPath);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return; // already gone
            }
            if (log.LastWriteUtc != plan.ListedChatLogWriteUtc || log.Size != plan.ListedChatLogSize)
                log = ChatLog.Read(log);
            if (log.LastActivity >= cutoffUtc)
            {
                result.ChatLogKept = true;
                return;
            }
            File.Delete(plan.ChatLogPath);
            result.FilesRemoved++;
            result.BytesFreed += log.Size;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Error ??= new EvonicException(
                EvonicErrorKind.FileDeleteFailed,
                $"The chat log '{plan.ChatLogPath}' could not be deleted: {e.Message}",
                plan.ChatLogPath,
                e
            );
        }
    }

    /// <summary>
    /// Deletes the session's trace and attachment files, except a file that a remaining attachment row (of any
    /// session or agent) still points at: that file, and the folders holding it, stay, and the result says so.
    /// </summary>
    public static void DeleteAttachments(
        SessionFilePlan plan,
        SessionRemovalResult result,
        AttachmentReferences references
    )
    {
        if (plan.TracePath != null)
            DeleteFile(plan.TracePath, result);
        foreach (string file in plan.ForeignAttachmentFiles)
            result.Keep(file);
        foreach (string file in plan.AttachmentFiles)
        {
            if (references.IsReferenced(file))
                result.Keep(file);
            else
                DeleteFile(file, result);
        }
        foreach (string folder in plan.AttachmentFolders)
            DeleteFolder(folder, result, references);
    }

    /// <summary>
    /// Deletes the folder's files, except those a remaining row points at, then the folder itself, its sub-folders
    /// first: one listing per folder, no second walk. A folder that still holds something (a kept file, one written
    /// since the listing) stays, as the file system refuses to remove a folder that is not empty. A link is removed
    /// as itself, never followed.
    /// </summary>
    private static void DeleteFolder(string folder, SessionRemovalResult result, AttachmentReferences references)
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Error ??= FolderNotDeleted(folder, e);
            return;
        }
        foreach (FileSystemInfo entry in entries)
        {
            if (entry is DirectoryInfo && (entry.Attributes & FileAttributes.ReparsePoint) == 0)
                DeleteFolder(entry.FullName, result, references);
            else if (references.IsReferenced(entry.FullName))
                result.Keep(entry.FullName);
            else
                DeleteFile(entry, result);
        }
        try
        {
            Directory.Delete(folder);
        }
        catch (IOException) when (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any())
        {
            // Gone already, or it holds what was kept or written since: it stays.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Error ??= FolderNotDeleted(folder, e);
        }
    }

    private static EvonicException FolderNotDeleted(string folder, Exception e) =>
        new(
            EvonicErrorKind.FileDeleteFailed,
            $"The attachment folder '{folder}' could not be deleted: {e.Message}",
            folder,
            e
        );

    private static void DeleteFile(string path, SessionRemovalResult result) => DeleteFile(new FileInfo(path), result);

    /// <summary>Deletes a file (or a link, as itself); one a folder's listing gave knows its size already, no second
    /// lookup.</summary>
    private static void DeleteFile(FileSystemInfo entry, SessionRemovalResult result)
    {
        try
        {
            if (!entry.Exists)
                return;
            long size = entry is FileInfo file ? file.Length : 0;
            File.Delete(entry.FullName);
            result.FilesRemoved++;
            result.BytesFreed += size;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Error ??= new EvonicException(
                EvonicErrorKind.FileDeleteFailed,
                $"The attachment '{entry.FullName}' could not be deleted: {e.Message}",
                entry.FullName,
                e
            );
        }
    }
}
