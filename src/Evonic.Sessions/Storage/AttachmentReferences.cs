using System;
using System.Collections.Generic;
using System.IO;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Which attachment rows (of any session or agent) point at each file, by full path. A removed session's file is
/// deleted only when no remaining row points at it: two rows may share a file, and a row may point anywhere.
/// Read once per agent's removal; rows are released as their sessions' deletes commit. Thread-safe: the file
/// deleter asks while the next batch releases.
/// </summary>
internal sealed class AttachmentReferences
{
    private readonly EvonicInstance _instance;
    private readonly Dictionary<string, HashSet<long>> _rowsByFile = new(SafePath.PathComparer);
    private readonly object _gate = new();

    public AttachmentReferences(EvonicInstance instance) => _instance = instance;

    /// <summary>The full path an attachment row's <c>file_path</c> names, or null.</summary>
    private string? FullPath(string filePath) => SafePath.TryGetFullPath(_instance.AttachmentPath(filePath));

    public void Add(long rowId, string filePath)
    {
        if (FullPath(filePath) is not { } path)
            return;
        lock (_gate)
        {
            if (!_rowsByFile.TryGetValue(path, out HashSet<long>? rows))
                _rowsByFile[path] = rows = new HashSet<long>();
            rows.Add(rowId);
        }
    }

    /// <summary>Forgets rows whose deletion has committed.</summary>
    public void Release(IEnumerable<AttachmentRow> rows)
    {
        lock (_gate)
        {
            foreach (AttachmentRow row in rows)
                if (
                    row.FilePath != null
                    && FullPath(row.FilePath) is { } path
                    && _rowsByFile.TryGetValue(path, out HashSet<long>? ids)
                )
                {
                    ids.Remove(row.Id);
                    if (ids.Count == 0)
                        _rowsByFile.Remove(path);
                }
        }
    }

    /// <summary>True while a row not yet released points at <paramref name="fullPath"/>.</summary>
    public bool IsReferenced(string fullPath)
    {
        lock (_gate)
            return _rowsByFile.ContainsKey(fullPath);
    }
}
