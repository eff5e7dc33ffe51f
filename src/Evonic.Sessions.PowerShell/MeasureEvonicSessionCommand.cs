using System;
using System.Collections.Generic;
using System.Management.Automation;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// What a cleanup would remove at each of several ages, and by the instance's retention policy, per agent and in
/// total: sessions, messages and bytes, and the old sessions it would keep and why. Changes nothing.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "EvonicSession", HelpUri = ProjectUrls.OnlineHelp + "Measure-EvonicSession.md")]
[OutputType(typeof(EvonicSessionMeasure))]
public sealed class MeasureEvonicSessionCommand : InstanceCommandBase
{
    private const string Activity = "Measuring Evonic sessions";

    /// <summary>Only these agents (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    /// <summary>The ages to measure, in days.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, CleanupPolicy.LongestMaxAgeDays)]
    public int[] MaxAgeDays { get; set; } = { 30, 60, 90, 180, 365 };

    protected override void EndProcessing() =>
        CompletingProgressWhenStopped(() =>
        {
            EvonicInstance instance = OpenInstance();
            AgeLimits limits;
            try
            {
                limits = AgeLimits.OfInstance(instance, SessionPolicyReader.Parse, Environment.GetEnvironmentVariable);
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
                return;
            }
            var store = new SessionStore(instance, limits, DateTime.UtcNow);
            WriteVerbose(
                $"Measuring '{instance.Root}' at {string.Join(", ", MaxAgeDays)} days, and by {limits.Describe()}."
            );
            List<AgentInfo> agents = SelectAgents(store, AgentId);
            var measures = new List<EvonicSessionMeasure>();
            for (int i = 0; i < agents.Count; i++)
            {
                ReportProgress(1, Activity, $"Agent '{agents[i].Id}' ({i + 1} of {agents.Count})", i, agents.Count);
                try
                {
                    measures.AddRange(store.Measure(agents[i], MaxAgeDays));
                }
                catch (EvonicException e)
                {
                    WriteAgentError(agents[i].Id, e);
                }
                foreach (string warning in store.TakeUnknownTableWarnings())
                    WriteWarning(warning);
            }
            CompleteProgress(1, Activity);
            // Every bar is drawn against the widest of its kind, so the measures are written once all are known.
            WriteObject(EvonicSessionMeasure.WithTotals(measures), enumerateCollection: true);
        });
}
