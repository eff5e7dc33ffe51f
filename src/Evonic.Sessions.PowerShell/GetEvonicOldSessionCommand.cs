using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>Lists the sessions of an Evonic instance that are older than the age limit.</summary>
[Cmdlet(
    VerbsCommon.Get,
    "EvonicOldSession",
    HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicOldSession.md",
    DefaultParameterSetName = SelectionSet
)]
[OutputType(typeof(EvonicSession))]
public sealed class GetEvonicOldSessionCommand : EvonicSessionCommandBase
{
    private const string Activity = "Reading Evonic sessions";

    /// <summary>
    /// The Evonic instance root(s), wildcards allowed; defaults to $env:EVONIC_HOME, else ~/.evonic. Binds the Path or
    /// InstanceRoot property of piped objects.
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = SelectionSet, ValueFromPipelineByPropertyName = true)]
    [Alias("InstanceRoot")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    /// <summary>Only these agents (wildcards allowed).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    /// <summary>Also list old sessions that are protected, with the reason they are kept.</summary>
    [Parameter]
    public SwitchParameter IncludeProtected { get; set; }

    protected override void ProcessRecord() =>
        CompletingProgressWhenStopped(() =>
        {
            foreach (string folder in InstanceFolders(Path))
                ListOld(folder);
        });

    private void ListOld(string folder)
    {
        SessionStore? store = OpenStore(folder);
        if (store == null)
            return;
        WriteVerbose($"Listing old sessions of '{store.Instance.Root}' by {store.Limits.Describe()}.");

        var agents = SelectAgents(store, AgentId);
        for (int i = 0; i < agents.Count; i++)
        {
            ReportProgress(1, Activity, $"Agent '{agents[i].Id}' ({i + 1} of {agents.Count})", i, agents.Count);
            // Streamed: the first session is written while the rest of the agent is still being read.
            ForEachSession(store, agents[i], session =>
            {
                bool undatable = (session.Protection & SessionProtection.UnreadableTimestamp) != 0;
                if (session.IsRemovable || (IncludeProtected && (session.IsOld || undatable)))
                    WriteObject(session);
            });
            foreach (string warning in store.TakeUnknownTableWarnings())
                WriteWarning(warning);
        }
        CompleteProgress(1, Activity);
    }

    /// <summary>
    /// Passes each of the agent's sessions to <paramref name="each"/> as soon as it is read; an agent that cannot be
    /// read (or stops being readable) is a non-terminating error, and its sessions end there.
    /// </summary>
    private void ForEachSession(SessionStore store, AgentInfo agent, Action<EvonicSession> each)
    {
        IEnumerator<EvonicSession> sessions;
        try
        {
            sessions = store.StreamSessions(agent).GetEnumerator();
        }
        catch (EvonicException e)
        {
            WriteAgentError(agent.Id, e);
            return;
        }
        using (sessions)
        {
            while (true)
            {
                try
                {
                    if (!sessions.MoveNext())
                        return;
                }
                catch (EvonicException e)
                {
                    WriteAgentError(agent.Id, e);
                    return;
                }
                each(sessions.Current);
            }
        }
    }
}
