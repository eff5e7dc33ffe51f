using System;
using System.Collections.Generic;
using System.Linq;

namespace Evonic.Sessions.Storage;

/// <summary>
/// What an agent's <c>chat.db</c> holds about a batch of sessions, read inside the write transaction that may delete
/// them (<see cref="ChatDatabase.RemoveSessions"/>): facts only. The rules decide which of them may go.
/// </summary>
internal sealed class BatchFacts
{
    private static readonly IReadOnlyDictionary<string, EvonicLookup> NoLookups =
        new Dictionary<string, EvonicLookup>();

    /// <summary>A batch none of whose sessions is still old: nothing else needs reading.</summary>
    public BatchFacts()
        : this(
            new Dictionary<string, Row>(StringComparer.Ordinal),
            NoLookups,
            Array.Empty<string>(),
            new HashSet<string>(),
            null
        ) { }

    public BatchFacts(
        IReadOnlyDictionary<string, Row> stillOld,
        IReadOnlyDictionary<string, EvonicLookup> lookups,
        IReadOnlyCollection<string> agentStates,
        HashSet<string> unknownReferences,
        IReadOnlyDictionary<string, string>? fingerprints
    )
    {
        StillOld = stillOld;
        Lookups = lookups;
        AgentStates = agentStates;
        UnknownReferences = unknownReferences;
        Fingerprints = fingerprints;
    }

    /// <summary>The sessions of the batch whose rows are all older than the cutoff now; the others are gone or active
    /// again.</summary>
    public IReadOnlyDictionary<string, Row> StillOld { get; }

    /// <summary>What Evonic's lookups return now (<see cref="EvonicLookups"/>).</summary>
    public IReadOnlyDictionary<string, EvonicLookup> Lookups { get; }

    /// <summary>The agent state contents Evonic reads (<see cref="ChatDatabase.ReadAgentStatesSql"/>).</summary>
    public IReadOnlyCollection<string> AgentStates { get; }

    /// <summary>The still-old sessions a table the module does not know names.</summary>
    public HashSet<string> UnknownReferences { get; }

    /// <summary>With an archive: what each still-old session's rows hold now (<see
    /// cref="ChatDatabase.FingerprintSql"/>).</summary>
    public IReadOnlyDictionary<string, string>? Fingerprints { get; }

    /// <summary>Each still-old session's <c>session_state</c> content, where it has one.</summary>
    public IEnumerable<KeyValuePair<string, string>> SessionStates =>
        StillOld.Where(s => s.Value.State != null).Select(s => new KeyValuePair<string, string>(s.Key, s.Value.State!));

    /// <summary>One still-old session: its message count, its takeover flag and its state, by primary key.</summary>
    public sealed class Row
    {
        public Row(long messages, bool botEnabled, string? state)
        {
            Messages = messages;
            BotEnabled = botEnabled;
            State = state;
        }

        public long Messages { get; }

        /// <summary>False when a human took the session over (<see cref="ChatDatabase"/>'s one definition of
        /// it).</summary>
        public bool BotEnabled { get; }

        public string? State { get; }
    }
}
