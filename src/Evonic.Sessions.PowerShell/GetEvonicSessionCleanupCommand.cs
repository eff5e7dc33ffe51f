using System.Management.Automation;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.PowerShell;

/// <summary>Shows the scheduled daily session cleanup: when it runs, what it runs, and how its last run
/// ended.</summary>
[Cmdlet(VerbsCommon.Get, "EvonicSessionCleanup", HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicSessionCleanup.md")]
[OutputType(typeof(ScheduledCleanup))]
public sealed class GetEvonicSessionCleanupCommand : ScheduleCommandBase
{
    protected override void ProcessRecord()
    {
        int found = 0;
        foreach (var (scheduler, scope) in Candidates())
        {
            try
            {
                if (scheduler.Find(Name, scope) is { } schedule)
                {
                    WriteObject(schedule);
                    found++;
                }
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
            }
        }
        if (found == 0 && MyInvocation.BoundParameters.ContainsKey(nameof(Name)))
            WriteError(
                ErrorRecords.From(
                    new EvonicException(
                        EvonicErrorKind.ScheduleNotFound,
                        $"No schedule named '{Name}' is registered.",
                        Name
                    )
                )
            );
    }
}
