using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Rules;

/// <summary>Session id → every reason found so far that keeps it; reasons found one by one are combined.</summary>
internal sealed class ProtectionsById : Dictionary<string, SessionProtection>
{
    public ProtectionsById()
        : base(StringComparer.Ordinal) { }

    /// <summary>Adds <paramref name="reason"/> to the session's reasons (<see cref="SessionProtection.None"/> still
    /// records the session).</summary>
    public void Keep(string sessionId, SessionProtection reason) =>
        this[sessionId] =
            (TryGetValue(sessionId, out SessionProtection known) ? known : SessionProtection.None) | reason;
}
