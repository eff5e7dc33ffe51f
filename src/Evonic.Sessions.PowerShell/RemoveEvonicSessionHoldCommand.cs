using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Ends the hold a restore put on a session (RestoredHold) now, so that the next cleanup judges it like any other.
/// Takes sessions from Get-EvonicOldSession -IncludeProtected, or -AgentId with -SessionId.
/// </summary>
[Cmdlet(
    VerbsCommon.Remove,
    "EvonicSessionHold",
    HelpUri = ProjectUrls.OnlineHelp + "Remove-EvonicSessionHold.md",
    DefaultParameterSetName = InputObjectSet,
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
public sealed class RemoveEvonicSessionHoldCommand : InstanceCommandBase
{
    private const string InputObjectSet = "InputObject";
    private const string SessionSet = "Session";

    /// <summary>Held sessions from Get-EvonicOldSession -IncludeProtected.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public EvonicSession[]? InputObject { get; set; }

    /// <summary>The held sessions, with -AgentId.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    public string[]? SessionId { get; set; }

    /// <summary>The agent whose chat.db holds the sessions.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string? AgentId { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == SessionSet)
        {
            EvonicInstance instance = OpenInstance();
            foreach (string session in SessionId!)
                End(instance.Root, AgentId!, session);
            return;
        }
        RefusePathWithPipedInput("sessions");
        foreach (EvonicSession session in InputObject!)
            End(session.InstanceRoot, session.AgentId, session.SessionId);
    }

    private void End(string root, string agentId, string sessionId)
    {
        if (
            !ShouldProcess(
                $"agent '{agentId}', session '{sessionId}' of '{root}'",
                "End the hold of a restored session"
            )
        )
            return;
        try
        {
            if (!new SessionStore(EvonicInstance.Open(root)).RemoveHold(agentId, sessionId))
                WriteError(
                    ErrorRecords.From(
                        new EvonicException(
                            EvonicErrorKind.HoldNotFound,
                            $"Session '{sessionId}' of agent '{agentId}' has no hold in '{root}' (or its restore has "
                                + $"not finished: run Restore-EvonicSession again first).",
                            sessionId
                        )
                    )
                );
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
