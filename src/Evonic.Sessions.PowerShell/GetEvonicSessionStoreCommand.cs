using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>Shows the disk space of an Evonic instance's databases, chat logs and attachments, and what is free in
/// them.</summary>
[Cmdlet(VerbsCommon.Get, "EvonicSessionStore", HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicSessionStore.md")]
[OutputType(typeof(DatabaseSpace))]
public sealed class GetEvonicSessionStoreCommand : SessionStoreCommandBase
{
    protected override void ProcessRecord()
    {
        foreach (DatabaseSpace space in MeasureDatabases(OpenStore()))
            WriteObject(space);
    }
}
