using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A test class on the sample instance (<see cref="SampleInstance"/>): written afresh for each test, at a fixed
/// <see cref="Now"/>, in a folder of its own that is removed afterwards.
/// </summary>
public abstract class SampleInstanceTest : TempFolderTest
{
    protected SampleInstanceTest() => Sample = SampleInstance.Create(Temp.Combine("evonic"), Now);

    protected SampleInstance Sample { get; }
}
