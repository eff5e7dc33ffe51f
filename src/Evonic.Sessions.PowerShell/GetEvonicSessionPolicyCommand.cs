using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Reads an instance's retention policy (<c>evonic-session-policy.psd1</c>): its rules by agent and channel, in the
/// order they are tried, and its default. An instance without one gives an empty policy (Exists false).
/// </summary>
[Cmdlet(VerbsCommon.Get, "EvonicSessionPolicy", HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicSessionPolicy.md")]
[OutputType(typeof(EvonicSessionPolicy))]
public sealed class GetEvonicSessionPolicyCommand : InstanceCommandBase
{
    protected override void EndProcessing()
    {
        EvonicInstance instance = OpenInstance();
        try
        {
            WriteObject(SessionPolicyReader.Read(instance));
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
