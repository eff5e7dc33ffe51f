using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// A cmdlet about one person's data (export, erasure, erasure records): the one declaration of -InstanceRoot, which
/// names the instance where -Path is the file the cmdlet writes (as Export-Csv's -Path is).
/// </summary>
public abstract class PersonCommandBase : EvonicCommandBase
{
    /// <summary>The Evonic instance root; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? InstanceRoot { get; set; }

    /// <summary>The instance -InstanceRoot names, opened; a folder that is not an instance ends the command.</summary>
    protected EvonicInstance OpenInstance() => OpenInstance(InstanceRoot);
}
