using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A test class on the sample instance (<see cref="SampleInstance"/>): written afresh for each test, at a fixed
/// <see cref="Now"/>, in a folder of its own that is removed afterwards.
/// </summary>
public abstract class SampleInstanceTest : IDisposable
{
    protected static readonly DateTime Now = new(2026, 11, 24, 4, 0, 0, DateTimeKind.Utc);

    protected SampleInstanceTest() => Sample = SampleInstance.Create(Temp.Combine("evonic"), Now);

    protected TempFolder Temp { get; } = new();

    protected SampleInstance Sample { get; }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
