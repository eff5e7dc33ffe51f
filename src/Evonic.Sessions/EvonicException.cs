using System;

namespace Evonic.Sessions;

/// <summary>A failure of the store that names its kind and the offending path or value.</summary>
public sealed class EvonicException : Exception
{
    public EvonicException(EvonicErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public EvonicErrorKind Kind { get; }

    /// <summary>The path, agent id, session id or value the error is about.</summary>
    public object? Target { get; }
}
