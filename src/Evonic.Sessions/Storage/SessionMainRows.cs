using System.Collections.Generic;

namespace Evonic.Sessions.Storage;

/// <summary>
/// What the main database holds about one session: its attachment rows and its <c>session_index</c> row. Read per
/// agent, so that rows left behind by a session whose chat rows are gone can be found and dated.
/// </summary>
internal sealed class SessionMainRows
{
    /// <summary>The attachment rows, read once per agent, not once per session.</summary>
    public readonly List<AttachmentRow> Attachments = new();

    /// <summary>The <c>agent_id</c> of the attachment rows (a sub-agent's id for its sessions).</summary>
    public string? AttachmentAgentId;

    public double? LastAttachmentJulian;
    public string? IndexAgentId;
    public double? IndexUpdatedJulian;

    /// <summary>A <c>created_at</c> or <c>updated_at</c> that is set but cannot be parsed.</summary>
    public bool HasUnreadableTime;
}
