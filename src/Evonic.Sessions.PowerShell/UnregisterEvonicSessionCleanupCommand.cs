using System.Management.Automation;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.PowerShell;

/// <summary>Removes the scheduled daily session cleanup.</summary>
[Cmdlet(
    VerbsLifecycle.Unregister,
    "EvonicSessionCleanup",
    HelpUri = ProjectUrls.OnlineHelp + "Unregister-EvonicSessionCleanup.md",
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
public sealed class UnregisterEvonicSessionCleanupCommand : ScheduleCommandBase
{
    protected override void ProcessRecord()
    {
        IScheduler scheduler = ResolveScheduler();
        try
        {
            var steps = scheduler.PlanUnregister(Name, Scope);
            if (steps.Count == 0)
            {
                WriteError(
                    ErrorRecords.From(
                        new EvonicException(
                            EvonicErrorKind.ScheduleNotFound,
                            $"No {scheduler.Kind} schedule named '{Name}' is registered "
                                + $"{scheduler.Location(Name, Scope)}.",
                            Name
                        )
                    )
                );
                return;
            }
            Apply(steps, $"Unregister the {scheduler.Kind} schedule '{Name}'");
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
        }
    }
}
