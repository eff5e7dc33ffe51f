using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Evonic.Sessions;

/// <summary>
/// The record of one erasure (<c>Remove-EvonicUserData</c>): when, whose (the external user id as a salted hash, never
/// the id), what went (rows per table, files, archive copies) and who ran it. Never any content.
/// </summary>
public sealed class ErasureRecord
{
    public string InstanceRoot { get; internal set; } = "";

    public DateTime ErasedAt { get; internal set; }

    /// <summary><c>sha256:</c> and the hash of the instance's salt and the external user id: the same id gives the same
    /// hash in this instance (to answer "was this person erased?"), and the id cannot be read back from it.</summary>
    public string ExternalUserIdHash { get; internal set; } = "";

    /// <summary>The account that ran it, and on which computer.</summary>
    public string RanBy { get; internal set; } = "";

    /// <summary>Every session of the person went; false: some were kept (work going on), and the erasure must be run
    /// again.</summary>
    public bool Complete { get; internal set; }

    /// <summary>The databases were rewritten afterwards (-Vacuum), so no byte of what went stays in them.</summary>
    public bool Vacuumed { get; internal set; }

    public int Sessions { get; internal set; }

    /// <summary>Sessions kept because work is still going on in them.</summary>
    public int SessionsKept { get; internal set; }

    public int Files { get; internal set; }

    /// <summary>The sessions erased (or, in a preview, to be erased), as <c>agent/session</c>: for the one who runs it,
    /// never written to the records file.</summary>
    public IReadOnlyList<string> SessionIds => _sessionIds;

    private readonly List<string> _sessionIds = new();

    /// <summary>One session erased (or, in a preview, to be): the one place a preview and an erasure count
    /// it.</summary>
    internal void AddErased(EvonicSession session, long messages, int files)
    {
        Sessions++;
        Files += files;
        _sessionIds.Add(session.AgentId + "/" + session.SessionId);
        AddRows("chat_sessions", 1);
        AddRows("chat_messages", messages);
        AddRows("attachments", session.AttachmentRows.Count);
    }

    /// <summary>The databases -Vacuum could not rewrite, each with why (the app held it in a long read): never written
    /// to the records file; <see cref="Vacuumed"/> is false then.</summary>
    public IReadOnlyList<string> NotVacuumed => _notVacuumed;

    private readonly List<string> _notVacuumed = new();

    internal void AddNotVacuumed(string path, string? reason) => _notVacuumed.Add($"{path}: {reason}");

    /// <summary>Rows removed, by table (<c>chat_messages</c>, <c>memories</c>, <c>archive_sessions</c>, ...).</summary>
    public IReadOnlyDictionary<string, long> Rows => _rows;

    private readonly SortedDictionary<string, long> _rows = new(StringComparer.Ordinal);

    internal void AddRows(string table, long rows)
    {
        if (rows > 0)
            _rows[table] = (_rows.TryGetValue(table, out long n) ? n : 0) + rows;
    }

    /// <summary>The rows by table on one line: <c>chat_messages 10, memories 1</c>.</summary>
    public string RowsText =>
        string.Join(", ", _rows.Select(r => r.Key + " " + r.Value.ToString(CultureInfo.InvariantCulture)));
}
