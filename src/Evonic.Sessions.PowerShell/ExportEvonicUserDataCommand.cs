using System;
using System.Management.Automation;
using Evonic.Sessions.Erasure;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Writes a person's copy of their data (every session of their external user id, over every agent: messages,
/// summaries, chat log lines, attachment names, memories drawn from them) to one JSON file (about_EvonicUserData).
/// Changes nothing in the instance.
/// </summary>
[Cmdlet(
    VerbsData.Export,
    "EvonicUserData",
    HelpUri = ProjectUrls.OnlineHelp + "Export-EvonicUserData.md",
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
[OutputType(typeof(UserDataExportResult))]
public sealed class ExportEvonicUserDataCommand : PersonCommandBase
{
    /// <summary>The person, as Evonic's sessions name them (<c>external_user_id</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ExternalUserId { get; set; }

    /// <summary>The file to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replace the file when it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        EvonicInstance instance = OpenInstance();
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(file, $"Export the data of external user '{ExternalUserId}' in '{instance.Root}'"))
            return;
        var store = new SessionStore(instance);
        try
        {
            WriteObject(
                UserDataExport.Write(instance, SelectAgents(store, null), ExternalUserId!, file, Force, DateTime.UtcNow)
            );
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
