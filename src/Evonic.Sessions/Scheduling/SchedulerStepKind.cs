namespace Evonic.Sessions.Scheduling;

/// <summary>What a registration step does.</summary>
public enum SchedulerStepKind
{
    WriteFile,
    DeleteFile,
    RunTool,
}
