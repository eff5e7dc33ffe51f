using System.Diagnostics;

namespace Evonic.Sessions.Bench;

/// <summary>Processes that keep CPUs busy until disposed.</summary>
internal sealed class CpuLoad : IDisposable
{
    /// <summary>Spins until its parent is gone: a benchmark killed from outside leaves no busy machine behind
    /// for whatever is timed next.</summary>
    private static readonly string[] SpinWhileParentLives =
    {
        "-c",
        "while kill -0 $PPID 2>/dev/null; do i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; done",
    };

    private readonly List<Process> _spinners;

    private CpuLoad(List<Process> spinners) => _spinners = spinners;

    public static CpuLoad Start(int processes) =>
        new(
            Enumerable
                .Range(0, processes)
                .Select(_ => Process.Start(new ProcessStartInfo("sh", SpinWhileParentLives))!)
                .ToList()
        );

    public void Dispose()
    {
        foreach (Process spinner in _spinners)
        {
            spinner.Kill();
            spinner.WaitForExit();
            spinner.Dispose();
        }
    }
}
