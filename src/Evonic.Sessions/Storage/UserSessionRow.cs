namespace Evonic.Sessions.Storage;

/// <summary>One of a person's sessions in an agent's <c>chat.db</c>, as a copy of their data shows it (times as
/// stored).</summary>
internal sealed class UserSessionRow
{
    public UserSessionRow(
        string id,
        string agentId,
        string? channelId,
        string? createdAt,
        string? updatedAt,
        bool archived
    )
    {
        Id = id;
        AgentId = agentId;
        ChannelId = channelId;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        Archived = archived;
    }

    public string Id { get; }
    public string AgentId { get; }
    public string? ChannelId { get; }
    public string? CreatedAt { get; }
    public string? UpdatedAt { get; }
    public bool Archived { get; }
}
