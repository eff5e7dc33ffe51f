using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Scheduling;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Schedules the daily session cleanup of an Evonic instance with the operating system's scheduler.</summary>
[Cmdlet(
    VerbsLifecycle.Register,
    "EvonicSessionCleanup",
    HelpUri = ProjectUrls.OnlineHelp + "Register-EvonicSessionCleanup.md",
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
[OutputType(typeof(ScheduledCleanup))]
public sealed class RegisterEvonicSessionCleanupCommand : ScheduleCommandBase
{
    /// <summary>The Evonic instance root; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The time of day (machine's local time) the cleanup runs; 04:00 by default.</summary>
    [Parameter]
    public TimeSpan At { get; set; } = new(4, 0, 0);

    /// <summary>A fixed age limit for the scheduled runs; without it each run reads
    /// EVONIC_SESSION_MAX_AGE_DAYS.</summary>
    [Parameter]
    [WholeDays]
    [ValidateRange(0, CleanupPolicy.LongestMaxAgeDays)]
    public int MaxAgeDays { get; set; }

    /// <summary>Every run archives removed sessions in Evonic's session_archive.db; without it each run follows
    /// EVONIC_SESSION_ARCHIVE.</summary>
    [Parameter]
    public SwitchParameter Archive { get; set; }

    /// <summary>Every run then gives the free pages of the databases in auto_vacuum = INCREMENTAL back
    /// (Remove-EvonicOldSession -Optimize).</summary>
    [Parameter]
    public SwitchParameter Optimize { get; set; }

    /// <summary>The log file the runs append to; defaults to logs/session-cleanup.log in the instance.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>The PowerShell to run; defaults to the pwsh the user's shell finds on PATH (on Windows, else Windows
    /// PowerShell).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PwshPath { get; set; }

    /// <summary>The module manifest the runs import; defaults to this module by name when it is installed on the module
    /// path, else its manifest.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ModulePath { get; set; }

    protected override void ProcessRecord()
    {
        EvonicInstance instance = OpenInstance(Path);
        IScheduler scheduler = ResolveScheduler();
        CleanupSchedule schedule;
        try
        {
            schedule = new CleanupSchedule(
                Name,
                instance.Root,
                At,
                ResolveModule(out string moduleFolder),
                ResolvePwsh(),
                LogPath != null
                    ? FullPath(LogPath)
                    : System.IO.Path.Combine(instance.Root, "logs", "session-cleanup.log"),
                MyInvocation.BoundParameters.ContainsKey(nameof(MaxAgeDays)) ? MaxAgeDays : null,
                Archive.IsPresent,
                Optimize.IsPresent
            );
            // The job runs this code as this user, often root, every night: nobody else may be able to change it.
            CodeTrust.Check(schedule.PwshPath, moduleFolder);
            if (!Apply(scheduler.PlanRegister(schedule, Scope), $"Register the {scheduler.Kind} schedule '{Name}'"))
                return;
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            return;
        }
        if (scheduler.Find(schedule.Name, Scope) is { } registered)
            WriteObject(registered);
    }

    private string FullPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>What the job imports (<see cref="JobCode.ModuleImport"/>), and the folder of the module it runs
    /// today.</summary>
    private string ResolveModule(out string folder)
    {
        if (ModulePath != null)
        {
            string manifest = FullPath(ModulePath);
            folder = System.IO.Path.GetDirectoryName(manifest)!;
            return manifest;
        }
        folder = MyInvocation.MyCommand.Module?.ModuleBase
            ?? System.IO.Path.GetDirectoryName(typeof(RegisterEvonicSessionCleanupCommand).Assembly.Location)!;
        string modulePath = Environment.GetEnvironmentVariable("PSModulePath") ?? "";
        return JobCode.ModuleImport(
            folder,
            modulePath.Split(System.IO.Path.PathSeparator),
            JobCode.DefaultModuleFolders(Scope)
        );
    }

    private string ResolvePwsh()
    {
        if (PwshPath != null)
            return FullPath(PwshPath);
        string? found = JobCode.FindPwsh(SessionState.PSVariable.GetValue("PSHOME") as string);
        if (found == null && RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            string desktop = System.IO.Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.System),
                "WindowsPowerShell",
                "v1.0",
                "powershell.exe"
            );
            if (File.Exists(desktop))
                found = desktop;
        }
        return found
            ?? throw new EvonicException(
                EvonicErrorKind.SchedulerNotFound,
                "PowerShell (pwsh) was not found on PATH, so the scheduler would have nothing to run. Install "
                    + "PowerShell 7 or pass -PwshPath.",
                "pwsh"
            );
    }
}
