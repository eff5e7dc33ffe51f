using System.Globalization;
using System.Runtime.InteropServices;
using Evonic.Sessions.Cleanup;

namespace Evonic.Sessions.Tests;

/// <summary>Runs alone: it reads the process's resident memory, which other tests' work would move.</summary>
[CollectionDefinition(nameof(ProcessMemory), DisableParallelization = true)]
public sealed class ProcessMemory;

/// <summary>
/// Freed C heap stays resident in glibc's arenas until something trims them: a run gives it back after its agents,
/// at most once every two seconds, so that a 3 000-session run pays nothing for it.
/// </summary>
[Collection(nameof(ProcessMemory))]
public sealed class NativeHeapTrimmerTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public void After_an_agent_the_freed_C_heap_goes_back_to_the_system()
    {
        if (!OperatingSystem.IsLinux())
            return;
        IntPtr[] blocks = AllocateTouched(1000);
        try
        {
            // Every other block freed: 32 MB free between live blocks, which free() alone cannot give back.
            for (int i = 0; i < blocks.Length; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = IntPtr.Zero;
            }
            long before = ResidentAnonymousBytes();

            Assert.True(new NativeHeapTrimmer(TimeSpan.Zero).AgentDone());

            long returned = before - ResidentAnonymousBytes();
            Assert.True(returned > 16 * 1024 * 1024, $"{returned} bytes went back to the system");
        }
        finally
        {
            foreach (IntPtr block in blocks.Where(b => b != IntPtr.Zero))
                Marshal.FreeHGlobal(block);
        }
    }

    [Fact]
    public void Within_its_interval_a_trimmer_does_nothing()
    {
        var trimmer = new NativeHeapTrimmer(TimeSpan.FromHours(1));

        Assert.False(trimmer.AgentDone());
        Assert.False(trimmer.AgentDone());
    }

    private static IntPtr[] AllocateTouched(int count)
    {
        var page = new byte[BlockSize];
        Array.Fill(page, (byte)1);
        var blocks = new IntPtr[count];
        for (int i = 0; i < count; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockSize);
            Marshal.Copy(page, 0, blocks[i], BlockSize);
        }
        return blocks;
    }

    private static long ResidentAnonymousBytes()
    {
        string line = File.ReadLines("/proc/self/status")
            .First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
            * 1024;
    }
}
