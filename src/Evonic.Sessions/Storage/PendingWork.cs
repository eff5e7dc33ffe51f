using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Storage;

/// <summary>
/// What the main database names of work Evonic still has to do, as read (<see cref="MainDatabase.ReadPendingWork"/>):
/// enabled <c>schedules</c> (their JSON as stored), unfinished <c>transfer_jobs</c>, live <c>user_escalations</c>, tool
/// calls awaiting approval, and the sessions a main-database table the module does not know names. Facts only.
/// </summary>
internal sealed class PendingWork
{
    /// <summary>The <c>action_config</c> and <c>metadata</c> texts of enabled schedules.</summary>
    public List<string> Schedules { get; } = new();

    public HashSet<string> Transfers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Escalations { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions with a tool call waiting for approval (timothybrush/evonic's
    /// <c>pending_tool_approvals</c>).</summary>
    public HashSet<string> PendingApprovals { get; } = new(StringComparer.Ordinal);

    public HashSet<string> UnknownReferences { get; } = new(StringComparer.Ordinal);
}
