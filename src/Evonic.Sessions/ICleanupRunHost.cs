using System;

namespace Evonic.Sessions;

/// <summary>
/// What a <see cref="CleanupRun"/> needs from whoever runs it (the Remove-EvonicOldSession cmdlet): a yes or no per
/// session, and somewhere to report. The run decides everything else.
/// </summary>
public interface ICleanupRunHost
{
    /// <summary>Whether to remove this session (ShouldProcess); false skips it.</summary>
    bool Approve(EvonicSession session);

    /// <summary>A session whose rows and files went.</summary>
    void Removed(SessionRemovalResult result);

    /// <summary>A failure that stops one agent or one session (a non-terminating error).</summary>
    void Failed(EvonicException failure);

    /// <summary>Something the user should know but that is not an error: a session kept, a log file that
    /// stopped.</summary>
    void Warn(string message);

    /// <summary>Detail for -Verbose.</summary>
    void Detail(string message);

    /// <summary>A <c>[SESSION_CLEANUP]</c> line: an agent done, a failure, cleanup disabled.</summary>
    void Line(string line);

    /// <summary>How the run ended: the closing line with its <see cref="CleanupReport"/>, or a preview's count (report
    /// null).</summary>
    void Closing(string text, CleanupReport? report);

    /// <summary>Progress of the run (<paramref name="total"/> 0: the activity is done). <paramref name="status"/> is
    /// called only for a record that is shown: a session's description costs more than its removal's share of a
    /// throttled progress bar.</summary>
    void Progress(int activityId, string activity, Func<string> status, int done, int total);
}
