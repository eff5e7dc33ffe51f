using System;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Erases a person on request: every session of their external user id in every agent, whatever its age, with
/// everything a cleanup removes of it, the memories drawn from it, their other rows and their archive copies; with
/// -Vacuum, the databases rewritten so no byte stays. Records the erasure (no content) for Get-EvonicErasure.
/// </summary>
[Cmdlet(
    VerbsCommon.Remove,
    "EvonicUserData",
    HelpUri = ProjectUrls.OnlineHelp + "Remove-EvonicUserData.md",
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.High
)]
[OutputType(typeof(ErasureRecord))]
public sealed class RemoveEvonicUserDataCommand : PersonCommandBase
{
    /// <summary>The person, as Evonic's sessions name them (<c>external_user_id</c>). Named, never bound from piped
    /// objects: piping listed sessions here would erase whole people, recent sessions too.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? ExternalUserId { get; set; }

    /// <summary>Rewrite every database the erasure touched (VACUUM), so that no byte of what went stays.</summary>
    [Parameter]
    public SwitchParameter Vacuum { get; set; }

    /// <summary>Erase without asking.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also write the erasure's record.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        EvonicInstance instance = OpenInstance();
        var store = new SessionStore(instance);
        string ranBy = Environment.UserName + "@" + Environment.MachineName;
        try
        {
            ErasureRecord plan = store.EraseUser(ExternalUserId!, Vacuum, preview: true, ranBy);
            string what =
                $"Erase external user '{ExternalUserId}': {plan.Sessions} session(s), {plan.Files} file(s); rows: "
                + (plan.Rows.Count > 0 ? plan.RowsText : "none")
                + (plan.SessionsKept > 0 ? $"; {plan.SessionsKept} session(s) with work going on stay" : "")
                + (Vacuum ? "; then VACUUM every database it touched" : "")
                + (plan.SessionIds.Count > 0 ? "; sessions: " + string.Join(", ", plan.SessionIds) : "");
            if (!Approval.Ask(this, Force, instance.Root, what))
                return;
            ErasureRecord record = store.EraseUser(ExternalUserId!, Vacuum, preview: false, ranBy, result =>
            {
                if (result.Status != RemovalStatus.Removed)
                    WriteWarning($"Kept {result.Session.Describe()}: {result.Status} ({result.Protection}).");
            });
            if (!record.Complete)
                WriteError(
                    ErrorRecords.Create(
                        "ErasureIncomplete",
                        ErrorCategory.ResourceBusy,
                        $"{record.SessionsKept} session(s) of '{ExternalUserId}' were kept: work is going on in them "
                            + "(a turn, scheduled work, a transfer) or a table the module does not know names them. "
                            + "The rest is erased; run Remove-EvonicUserData again later.",
                        ExternalUserId
                    )
                );
            foreach (string database in record.NotVacuumed)
                WriteWarning(
                    $"Not rewritten, so freed pages may still hold erased text: {database}. Run "
                        + "Optimize-EvonicSessionStore -Vacuum -Force with Evonic stopped."
                );
            foreach (string wal in store.TakeBusyWals())
                WriteWarning(
                    $"The app kept the WAL of '{wal}' busy: old frames may hold erased text until its next checkpoint."
                );
            if (PassThru)
                WriteObject(record);
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
