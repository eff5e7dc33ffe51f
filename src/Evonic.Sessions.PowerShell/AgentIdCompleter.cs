using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Tab completion for -AgentId: the agents of the instance named by -Path on the same command line (else
/// $env:EVONIC_HOME, else ~/.evonic), as the main database lists them. Completion never writes and never fails
/// loudly: an instance that cannot be read completes nothing.
/// </summary>
public sealed class AgentIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        IReadOnlyList<AgentInfo> agents;
        try
        {
            string path = fakeBoundParameters["Path"] as string ?? EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable);
            var instance = EvonicInstance.Open(ProviderPath(path));
            agents = new SessionStore(instance).GetAgents();
        }
        catch (Exception e) when (e is EvonicException or ArgumentException or NotSupportedException or RuntimeException or System.IO.IOException)
        {
            return Array.Empty<CompletionResult>();
        }
        return agents.Where(a => pattern.IsMatch(a.Id)).OrderBy(a => a.Id, StringComparer.OrdinalIgnoreCase)
            .Select(a => new CompletionResult(a.Id, a.Id, CompletionResultType.ParameterValue,
                a.SessionCount is { } count ? $"{a.Id} ({count} session(s))" : a.Id))
            .ToList();
    }

    /// <summary>-Path as the cmdlet will resolve it: relative to PowerShell's current location, not the process's.</summary>
    private static string ProviderPath(string path)
        => ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)")
            .Invoke(path).FirstOrDefault()?.BaseObject as string ?? path;
}
