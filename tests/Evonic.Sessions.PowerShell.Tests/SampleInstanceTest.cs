using System.Management.Automation;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// A test on a fresh sample instance, with the process-wide settings the cmdlets read (EVONIC_SESSION_MAX_AGE_DAYS,
/// EVONIC_HOME) cleared before and after, since engine tests share the process.
/// </summary>
public abstract class SampleInstanceTest : IDisposable
{
    protected SampleInstanceTest()
    {
        ClearSettings();
        Sample = SampleInstance.Create(Temp.Combine("evonic"), DateTime.UtcNow);
    }

    protected TempFolder Temp { get; } = new();
    protected SampleInstance Sample { get; }
    protected string Root => Sample.Root;

    /// <summary>"agent/session" of each session or result object, sorted.</summary>
    protected static List<string> Keys(IEnumerable<PSObject> objects) =>
        objects
            .Select(o => o.Properties["AgentId"].Value + "/" + o.Properties["SessionId"].Value)
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();

    private static void ClearSettings()
    {
        Environment.SetEnvironmentVariable("EVONIC_SESSION_MAX_AGE_DAYS", null);
        Environment.SetEnvironmentVariable("EVONIC_HOME", null);
    }

    /// <summary>For tests that change more of the process (PATH, HOME): put it back here.</summary>
    protected virtual void Restore() { }

    public void Dispose()
    {
        Restore();
        ClearSettings();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
