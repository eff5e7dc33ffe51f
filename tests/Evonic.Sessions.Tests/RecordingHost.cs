namespace Evonic.Sessions.Tests;

/// <summary>A cleanup run's host that approves every session (or asks <see cref="ApproveWith"/>) and records what the
/// run reports.</summary>
internal sealed class RecordingHost : ICleanupRunHost
{
    /// <summary>Asked about each session instead of approving it; null approves every one.</summary>
    public Func<EvonicSession, bool>? ApproveWith { get; init; }

    public List<SessionRemovalResult> Removed { get; } = new();
    public List<EvonicException> Errors { get; } = new();
    public List<string> Warnings { get; } = new();

    public bool Approve(EvonicSession session) => ApproveWith?.Invoke(session) ?? true;

    void ICleanupRunHost.Removed(SessionRemovalResult result) => Removed.Add(result);

    public void Failed(EvonicException failure) => Errors.Add(failure);

    public void Warn(string message) => Warnings.Add(message);

    public void Detail(string message) { }

    public void Line(string line) { }

    public void Closing(string text, CleanupReport? report) { }

    public void Progress(int activityId, string activity, Func<string> status, int done, int total) { }
}
