using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>Gives the free pages of an Evonic instance's databases back to the file system, without making Evonic's
/// writers fail.</summary>
[Cmdlet(
    VerbsCommon.Optimize,
    "EvonicSessionStore",
    HelpUri = ProjectUrls.OnlineHelp + "Optimize-EvonicSessionStore.md",
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
[OutputType(typeof(SpaceReturned))]
public sealed class OptimizeEvonicSessionStoreCommand : SessionStoreCommandBase, IDisposable
{
    /// <summary>The longest a VACUUM may hold a database's write lock, by its estimate; Evonic's writers wait 5 s at
    /// most.</summary>
    [Parameter]
    [ValidateRange(0.1, 3600)]
    public double MaxLockSeconds { get; set; } = 2;

    /// <summary>Switches each vacuumed database to auto_vacuum = INCREMENTAL, so later runs shrink it in small
    /// steps.</summary>
    [Parameter]
    public SwitchParameter EnableIncrementalVacuum { get; set; }

    /// <summary>
    /// One VACUUM of every database, INCREMENTAL ones too: every page written anew, which also clears the copies of
    /// removed rows that SQLite's page rebalancing leaves in unused page space. Within -MaxLockSeconds unless -Force.
    /// </summary>
    [Parameter]
    public SwitchParameter Vacuum { get; set; }

    /// <summary>Runs a VACUUM over the lock budget too: stop Evonic first.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private const string Activity = "Giving free pages back to the file system";
    private readonly System.Threading.CancellationTokenSource _stop = new();

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose() => _stop.Dispose();

    protected override void ProcessRecord()
    {
        SessionStore store = OpenStore();
        // Measured first, all of them: each then shows its free bytes before it is asked for.
        List<DatabaseSpace> databases = MeasureDatabases(store).ToList();
        for (int i = 0; i < databases.Count; i++)
        {
            DatabaseSpace space = databases[i];
            ReportProgress(1, Activity, $"'{space.Path}' ({i + 1} of {databases.Count})", i, databases.Count);
            string how =
                space.AutoVacuum == AutoVacuumMode.Incremental && !Vacuum
                    ? "incremental vacuum in ~50 ms steps"
                    : "VACUUM" + (EnableIncrementalVacuum ? ", switching to auto_vacuum = INCREMENTAL" : "");
            if (
                !ShouldProcess(
                    $"'{space.Path}': would return {space.FreeBytes} bytes of free pages ({how})",
                    "Give free pages back to the file system"
                )
            )
                continue;
            try
            {
                SpaceReturned result = store.Optimize(
                    space,
                    TimeSpan.FromSeconds(MaxLockSeconds),
                    Force,
                    EnableIncrementalVacuum,
                    Vacuum,
                    _stop.Token
                );
                if (result.Method == OptimizeMethod.Skipped)
                    WriteWarning($"'{space.Path}' was not optimized: {result.Reason}.");
                else
                    WriteVerbose(
                        $"'{space.Path}': {result.Method} returned {result.BytesReturned} bytes; longest write lock "
                            + $"{result.LongestLockMilliseconds:0} ms."
                    );
                WriteObject(result);
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
            }
        }
        CompleteProgress(1, Activity);
    }
}
