using System;
using System.Collections.Concurrent;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Writable <c>chat.db</c> connections of the agents a run removes next, each opened with Evonic's lookups read
/// (<see cref="ChatDatabase.ReadLookupsAhead"/>) on the thread that lists that agent while the one before is removed:
/// the opening, schema reading and lookups then cost the removal nothing. Nothing is written through them before the
/// remover takes one, and its first write transaction reads the lookups again if another connection wrote since
/// (<c>PRAGMA data_version</c> of the same connection). A connection not taken is closed.
/// </summary>
internal sealed class ChatDatabasesOpenedAhead : IDisposable
{
    private readonly ConcurrentDictionary<string, ChatDatabase> _opened = new(StringComparer.Ordinal);

    /// <summary>Opens the agent's <c>chat.db</c> for writing and reads its lookups; a file that cannot be opened is
    /// left to the removal, which opens it itself and reports why.</summary>
    public void Open(EvonicInstance instance, string agentId)
    {
        ChatDatabase chat;
        try
        {
            chat = ChatDatabase.Open(instance, agentId, writable: true);
        }
        catch (EvonicException)
        {
            return;
        }
        try
        {
            chat.ReadLookupsAhead();
        }
        catch (EvonicException)
        {
            chat.Dispose();
            return;
        }
        Discard(agentId);
        if (!_opened.TryAdd(agentId, chat))
            chat.Dispose();
    }

    /// <summary>The agent's connection, now the caller's to dispose; null when none was opened.</summary>
    public ChatDatabase? Take(string agentId) => _opened.TryRemove(agentId, out ChatDatabase? chat) ? chat : null;

    /// <summary>Whether the agent's connection is open and not yet taken.</summary>
    public bool IsOpen(string agentId) => _opened.ContainsKey(agentId);

    /// <summary>Closes the agent's connection when no removal took it.</summary>
    public void Discard(string agentId) => Take(agentId)?.Dispose();

    public void Dispose()
    {
        foreach (string agentId in _opened.Keys)
            Discard(agentId);
    }
}
