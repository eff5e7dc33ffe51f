using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// A cmdlet that works on one instance, named by -Path (the archive, hold and space cmdlets): the one declaration of
/// that -Path. Where piped objects name their own instance, -Path goes with the parameters that name things by id.
/// </summary>
public abstract class InstanceCommandBase : EvonicCommandBase
{
    /// <summary>The Evonic instance root; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The instance -Path names, opened; a folder that is not an instance ends the command.</summary>
    protected EvonicInstance OpenInstance() => OpenInstance(Path);

    /// <summary>
    /// Piped objects carry their own instance: a -Path beside them would name a second one, so it ends the command
    /// rather than being ignored.
    /// </summary>
    protected void RefusePathWithPipedInput(string what)
    {
        if (Path == null)
            return;
        ThrowTerminatingError(
            ErrorRecords.Create(
                "PathWithPipedInput",
                ErrorCategory.InvalidArgument,
                $"-Path cannot be used with piped {what}: each names the instance it came from. Use -Path with the "
                    + $"parameters that name them by id.",
                Path
            )
        );
    }
}
