using System.Management.Automation;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// <para type="synopsis">Removes the scheduled daily session cleanup.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "EvonicSessionCleanup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class UnregisterEvonicSessionCleanupCommand : ScheduleCommandBase
{
    protected override void ProcessRecord()
    {
        SchedulerKind kind = ResolveScheduler();
        try
        {
            var steps = Machine.PlanUnregister(Name, kind, Scope);
            if (steps.Count == 0 || (kind == SchedulerKind.TaskScheduler && Find(Name, kind, Scope) == null))
            {
                WriteError(ErrorRecords.From(new EvonicException(EvonicErrorKind.ScheduleNotFound,
                    $"No {kind} schedule named '{Name}' is registered{(kind == SchedulerKind.Systemd ? $" in {Machine.SystemdFolder(Scope)}" : "")}.", Name)));
                return;
            }
            Apply(steps, $"Unregister the {kind} schedule '{Name}'");
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
        }
    }
}
