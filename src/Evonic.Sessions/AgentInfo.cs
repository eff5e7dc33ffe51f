namespace Evonic.Sessions;

/// <summary>An agent as the main database lists it.</summary>
public sealed class AgentInfo
{
    public AgentInfo(string id, long? sessionCount)
    {
        Id = id;
        SessionCount = sessionCount;
    }

    public string Id { get; }

    /// <summary>Evonic's cached count of the agent's <c>chat_sessions</c> rows.</summary>
    public long? SessionCount { get; }

    public override string ToString() => Id;
}
