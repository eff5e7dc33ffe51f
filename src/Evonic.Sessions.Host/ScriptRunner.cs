using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Evonic.Sessions.Host;

/// <summary>Runs a script in a fresh runspace of the real engine, its output and errors through Out-Default, as pwsh does.</summary>
public static class ScriptRunner
{
    /// <summary>The Modules folder beside the host, where the build puts the Evonic.Sessions module.</summary>
    public static string ModulesFolder => Path.Combine(AppContext.BaseDirectory, "Modules");

    /// <summary>Runs <paramref name="script"/>; returns the exit code: <c>exit N</c>, else 1 when an error was written, else 0.</summary>
    public static int Run(string script, ConsoleHost host)
    {
        InitialSessionState initial = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows()) initial.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        using Runspace runspace = RunspaceFactory.CreateRunspace(host, initial);
        runspace.Open();
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript(script);
        shell.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        shell.AddCommand("Out-Default");
        try
        {
            shell.Invoke();
        }
        catch (RuntimeException e)
        {
            host.UI.WriteErrorLine(e.ErrorRecord?.ToString() ?? e.Message);
            if (e.ErrorRecord != null) host.UI.WriteErrorLine($"    + FullyQualifiedErrorId : {e.ErrorRecord.FullyQualifiedErrorId}");
            return host.ExitCode ?? 1;
        }
        return host.ExitCode ?? (shell.HadErrors ? 1 : 0);
    }

    /// <summary>Adds the host's Modules folder to PSModulePath so <c>Import-Module Evonic.Sessions</c> finds the module by name.</summary>
    public static void AddModulesFolderToModulePath()
    {
        string current = Environment.GetEnvironmentVariable("PSModulePath") ?? "";
        if (!current.Split(Path.PathSeparator).Contains(ModulesFolder))
            Environment.SetEnvironmentVariable("PSModulePath", ModulesFolder + (current.Length > 0 ? Path.PathSeparator + current : ""));
    }

    /// <summary>A script call the way <c>pwsh -File</c> makes it: "-Name" stays a parameter name, the rest are quoted values.</summary>
    public static string FileInvocation(string path, IEnumerable<string> arguments)
        => "& " + Quote(Path.GetFullPath(path)) + string.Concat(arguments.Select(a => " " + (a.StartsWith('-') && a.Length > 1 && char.IsLetter(a[1]) ? a : Quote(a))));

    private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}
