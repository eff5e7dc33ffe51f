using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>What one script run produced, stream by stream, plus what the host displayed.</summary>
public sealed record ScriptResult(
    Collection<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Information,
    string HostText,
    IReadOnlyList<string> Verbose
);

/// <summary>
/// A runspace of the real engine with the staged Evonic.Sessions module imported, and a host whose answers to
/// prompts come from a script. One per test; the runspace lives across several runs (for list-then-act tests).
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly StringWriter _hostOutput = new();
    private readonly Runspace _runspace;
    private readonly StringReader? _answers;

    public PowerShellSession(string? answers = null, bool interactive = true)
    {
        _answers = new StringReader(answers ?? "");
        var host = new ScriptedHost(_answers, _hostOutput, _hostOutput, interactive);
        _runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        _runspace.Open();
        ScriptResult imported = Run($"Import-Module '{Repository.StagedManifest}' -ErrorAction Stop");
        Assert.Empty(imported.Errors);
    }

    public ScriptResult Run(string script)
    {
        int hostStart = _hostOutput.GetStringBuilder().Length;
        using System.Management.Automation.PowerShell shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript(script);
        Collection<PSObject> output;
        var errors = new List<ErrorRecord>();
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            errors.Add(e.ErrorRecord);
        }
        errors.InsertRange(0, shell.Streams.Error);
        return new ScriptResult(
            output,
            errors,
            shell.Streams.Warning.Select(w => w.Message).ToList(),
            shell.Streams.Information.Select(i => i.MessageData?.ToString() ?? "").ToList(),
            _hostOutput.ToString()[hostStart..],
            shell.Streams.Verbose.Select(v => v.Message).ToList()
        );
    }

    /// <summary>
    /// Runs <paramref name="script"/> and presses Ctrl+C (PowerShell.Stop) as soon as it has written
    /// <paramref name="stopAfterOutputs"/> objects. Returns how many objects it wrote and whether it was stopped.
    /// </summary>
    public (int Outputs, bool Stopped) RunAndStop(string script, int stopAfterOutputs)
    {
        using System.Management.Automation.PowerShell shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        int count = 0;
        output.DataAdded += (_, _) =>
        {
            // DataAdded runs on the pipeline thread: stop asynchronously, as the console's Ctrl+C handler does.
            if (Interlocked.Increment(ref count) == stopAfterOutputs)
                shell.BeginStop(null, null);
        };
        IAsyncResult running = shell.BeginInvoke<PSObject, PSObject>(null, output);
        Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromMinutes(2)), "the script did not end");
        bool stopped = shell.InvocationStateInfo.State == PSInvocationState.Stopped;
        if (!stopped)
            shell.EndInvoke(running);
        return (count, stopped);
    }

    public void Dispose()
    {
        _runspace.Dispose();
        _answers?.Dispose();
    }
}

/// <summary>Where the repository's build puts things.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string StagedModule => Path.Combine(Root, "artifacts", "module", "Evonic.Sessions");

    public static string StagedManifest => Path.Combine(StagedModule, "Evonic.Sessions.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Evonic.Sessions.sln")))
                return dir.FullName;
        throw new InvalidOperationException(
            "The repository root (Evonic.Sessions.sln) was not found above " + AppContext.BaseDirectory
        );
    }
}
