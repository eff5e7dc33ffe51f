using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Rules;

/// <summary>What one write transaction decided for a batch of sessions, each rule checked again inside it.</summary>
internal sealed class BatchDecision
{
    /// <summary>Per session removed, how many messages went with it.</summary>
    public Dictionary<string, long> Removed { get; } = new(StringComparer.Ordinal);

    /// <summary>Per session kept whole, the rules that keep it now (<see cref="SessionProtection.None"/>: it is no longer old).</summary>
    public Dictionary<string, SessionProtection> Kept { get; } = new(StringComparer.Ordinal);
}
