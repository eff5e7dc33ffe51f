using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Writes an instance's retention policy (<c>evonic-session-policy.psd1</c>): -Rule replaces the rules,
/// -DefaultMaxAgeDays the default, and what is not given is kept from the policy there; or a whole policy from the
/// pipeline (Get-EvonicSessionPolicy of another instance). The file is replaced at once, never through a link; a run
/// that has started keeps the policy it read.
/// </summary>
[Cmdlet(
    VerbsCommon.Set,
    "EvonicSessionPolicy",
    HelpUri = ProjectUrls.OnlineHelp + "Set-EvonicSessionPolicy.md",
    DefaultParameterSetName = PartsSet,
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
[OutputType(typeof(EvonicSessionPolicy))]
public sealed class SetEvonicSessionPolicyCommand : InstanceCommandBase
{
    private const string PartsSet = "Parts";
    private const string InputObjectSet = "InputObject";

    /// <summary>The rules, tried in order: hashtables of Agent, Channel and MaxAgeDays (0: never removed).</summary>
    [Parameter(ParameterSetName = PartsSet)]
    [AllowEmptyCollection]
    [RetentionRuleTransformation]
    public RetentionRule[]? Rule { get; set; }

    /// <summary>For sessions no rule matches; $null: EVONIC_SESSION_MAX_AGE_DAYS, else 90.</summary>
    [Parameter(ParameterSetName = PartsSet)]
    [AllowNull]
    [WholeDays]
    public int? DefaultMaxAgeDays { get; set; }

    /// <summary>A whole policy (Get-EvonicSessionPolicy), written to -Path, else where it was read from.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public EvonicSessionPolicy? InputObject { get; set; }

    /// <summary>Also write the policy written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == InputObjectSet)
            {
                string? from = InputObject!.Path;
                EvonicInstance target =
                    Path != null || from == null ? OpenInstance() : OpenInstance(System.IO.Path.GetDirectoryName(from));
                Write(target, new EvonicSessionPolicy(InputObject.DefaultMaxAgeDays, InputObject.Rules));
                return;
            }
            EvonicInstance instance = OpenInstance();
            bool replacesAll = Bound(nameof(Rule)) && Bound(nameof(DefaultMaxAgeDays));
            // What is not given is kept: read (and so checked) unless both parts are replaced, which is also how a
            // policy that can no longer be read is overwritten.
            EvonicSessionPolicy? current = replacesAll ? null : SessionPolicyReader.Read(instance);
            Write(
                instance,
                new EvonicSessionPolicy(
                    Bound(nameof(DefaultMaxAgeDays)) ? DefaultMaxAgeDays : current!.DefaultMaxAgeDays,
                    Bound(nameof(Rule)) ? Rule : current!.Rules.ToArray()
                )
            );
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }

    private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    private void Write(EvonicInstance instance, EvonicSessionPolicy policy)
    {
        string path = SessionPolicyFile.PathFor(instance);
        string what =
            $"Write the retention policy: {policy.Rules.Count} rule(s)"
            + (policy.Rules.Count > 0 ? " (" + string.Join("; ", policy.Rules.Select(r => r.ToString())) + ")" : "")
            + ", default "
            + (policy.DefaultMaxAgeDays is { } days ? $"{days} days" : "from EVONIC_SESSION_MAX_AGE_DAYS, else 90");
        if (!ShouldProcess(path, what))
            return;
        SessionPolicyFile.Write(instance, policy);
        if (PassThru)
            WriteObject(policy);
    }
}
