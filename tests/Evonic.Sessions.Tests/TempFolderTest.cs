namespace Evonic.Sessions.Tests;

/// <summary>A test class that works in a folder of its own (<see cref="Temp"/>, removed afterwards), at a fixed <see
/// cref="Now"/>.</summary>
public abstract class TempFolderTest : IDisposable
{
    protected static readonly DateTime Now = new(2026, 11, 24, 4, 0, 0, DateTimeKind.Utc);

    protected TempFolder Temp { get; } = new();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Puts back what a test class changed (environment, current folder), then removes the folder.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
            Temp.Dispose();
    }
}
