using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Tab completion from the instance named by -Path on the same command line (else $env:EVONIC_HOME, else ~/.evonic).
/// Completion never writes and never fails loudly: an instance that cannot be read completes nothing.
/// </summary>
public abstract class InstanceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters
    )
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        try
        {
            string path =
                fakeBoundParameters["Path"] as string ?? EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable);
            var store = new SessionStore(EvonicInstance.Open(ProviderPath(path)));
            return Complete(store, fakeBoundParameters)
                .Where(c => pattern.IsMatch(c.Value))
                .GroupBy(c => c.Value, StringComparer.Ordinal)
                .Select(g => g.First())
                .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
                .Select(c => new CompletionResult(c.Value, c.Value, CompletionResultType.ParameterValue, c.ToolTip))
                .ToList();
        }
        catch (Exception e)
            when (e
                    is EvonicException
                        or ArgumentException
                        or NotSupportedException
                        or RuntimeException
                        or System.IO.IOException
            )
        {
            return Array.Empty<CompletionResult>();
        }
    }

    /// <summary>Every value that could complete, with its tool tip; the base class filters and sorts.</summary>
    protected abstract IEnumerable<(string Value, string ToolTip)> Complete(
        SessionStore store,
        IDictionary fakeBoundParameters
    );

    /// <summary>-Path as the cmdlet will resolve it: relative to PowerShell's current location, not the
    /// process's.</summary>
    private static string ProviderPath(string path) =>
        ScriptBlock
            .Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)")
            .Invoke(path)
            .FirstOrDefault()
            ?.BaseObject as string
        ?? path;
}

/// <summary>-AgentId: the agents of the instance, as its main database lists them.</summary>
public sealed class AgentIdCompleter : InstanceCompleter
{
    protected override IEnumerable<(string Value, string ToolTip)> Complete(
        SessionStore store,
        IDictionary fakeBoundParameters
    ) => store.GetAgents().Select(a => (a.Id, a.SessionCount is { } count ? $"{a.Id} ({count} session(s))" : a.Id));
}

/// <summary>-SessionId of Restore-EvonicSession: the sessions the instance's archive holds (of -AgentId, when
/// given).</summary>
public sealed class ArchivedSessionIdCompleter : InstanceCompleter
{
    protected override IEnumerable<(string Value, string ToolTip)> Complete(
        SessionStore store,
        IDictionary fakeBoundParameters
    )
    {
        if (!System.IO.File.Exists(store.Instance.ArchiveDatabasePath))
            return Array.Empty<(string, string)>();
        string? agent = fakeBoundParameters["AgentId"] as string;
        return store
            .GetArchivedSessions()
            .Where(a => agent == null || string.Equals(a.AgentId, agent, StringComparison.Ordinal))
            .OrderByDescending(a => a.ArchivedAt)
            .Select(a => (a.SessionId, $"{a.SessionId} (agent {a.AgentId}, archived {a.ArchivedAt:yyyy-MM-dd HH:mm})"));
    }
}
