using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// What Get- and Remove-EvonicOldSession share beyond <see cref="EvonicCommandBase"/>: -MaxAgeDays, -LiteralPath, and
/// how -Path names instances (wildcards, several at once). Each of the two declares -Path and -AgentId itself, with
/// the pipeline binding that fits it: Get binds them by property name always, Remove only when sessions are named by
/// id.
/// </summary>
public abstract class EvonicSessionCommandBase : EvonicCommandBase
{
    internal const string SelectionSet = "Selection";
    internal const string LiteralPathSet = "LiteralPath";

    /// <summary>Sessions idle longer than this many days are old; 0 disables cleanup.</summary>
    [Parameter]
    [WholeDays]
    [ValidateRange(0, CleanupPolicy.LongestMaxAgeDays)]
    public int MaxAgeDays { get; set; }

    /// <summary>The Evonic instance root(s) exactly as written (no wildcards); binds the folders Get-Item and
    /// Get-ChildItem pipe.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>The instance folders named by -LiteralPath, else <paramref name="path"/> (-Path, wildcards expanded),
    /// else the default instance.</summary>
    protected IEnumerable<string> InstanceFolders(string[]? path)
    {
        if (LiteralPath != null)
            return LiteralPath.SelectMany(p => InstanceParameter.FileSystemPath(this, p, literal: true));
        if (path != null)
            return path.SelectMany(p => InstanceParameter.FileSystemPath(this, p, literal: false));
        return InstanceParameter.FileSystemPath(
            this,
            EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable),
            literal: true
        );
    }

    private bool MaxAgeDaysBound => MyInvocation.BoundParameters.ContainsKey(nameof(MaxAgeDays));

    /// <summary>
    /// The age limits: -MaxAgeDays, else <paramref name="listedMaxAgeDays"/> (piped sessions keep the limit they were
    /// listed with), else the instance's retention policy (read once, here), whose default falls back to the
    /// environment or .env. Null, after saying why, when the policy cannot be used: nothing is listed or removed then.
    /// </summary>
    private AgeLimits? ResolveLimits(EvonicInstance instance, int? listedMaxAgeDays)
    {
        try
        {
            if (MaxAgeDaysBound)
                return AgeLimits.Uniform(CleanupPolicy.FromParameter(MaxAgeDays));
            if (listedMaxAgeDays is { } listed)
                return AgeLimits.Uniform(CleanupPolicy.FromParameter(listed));
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
        try
        {
            return AgeLimits.OfInstance(instance, SessionPolicyReader.Parse, Environment.GetEnvironmentVariable);
        }
        catch (EvonicException e) when (e.Kind == EvonicErrorKind.InvalidPolicy)
        {
            OnPolicyRefused(e);
            return null;
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
    }

    /// <summary>
    /// Opens the instance at <paramref name="folder"/> (a file system path) with its age limits and, for a removal, its
    /// archive setting; null (after saying so) when cleanup is disabled or the instance's policy cannot be used.
    /// </summary>
    protected SessionStore? OpenStore(
        string folder,
        int? listedMaxAgeDays = null,
        Func<EvonicInstance, ArchivePolicy>? archive = null
    )
    {
        EvonicInstance instance = InstanceParameter.OpenFolder(this, folder);
        AgeLimits? limits = ResolveLimits(instance, listedMaxAgeDays);
        if (limits == null)
            return null;
        if (!limits.IsDisabled)
            return new SessionStore(instance, limits, DateTime.UtcNow, archive?.Invoke(instance));
        WriteWarning(
            limits.Policy == null
                ? $"Session cleanup is disabled: MaxAgeDays is 0 (from {limits.Default.Source}). Nothing is listed or "
                    + "removed."
                : $"Session cleanup is disabled: every age of the policy '{limits.Policy.Path}' is 0. Nothing is "
                    + "listed or removed."
        );
        OnCleanupDisabled(limits.Default);
        return null;
    }

    /// <summary>Lets Remove-EvonicOldSession log that a (scheduled) run found cleanup disabled.</summary>
    protected virtual void OnCleanupDisabled(CleanupPolicy policy) { }

    /// <summary>The instance's retention policy cannot be used: an error, and (Remove-EvonicOldSession) a line in the
    /// log; the instance is skipped.</summary>
    protected virtual void OnPolicyRefused(EvonicException failure) => WriteError(ErrorRecords.From(failure));
}
