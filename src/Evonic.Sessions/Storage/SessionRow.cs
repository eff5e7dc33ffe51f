namespace Evonic.Sessions.Storage;

/// <summary>One session row of an agent's <c>chat.db</c>, with what its messages tell about its age.</summary>
internal sealed class SessionRow
{
    public string Id = "";
    public string AgentId = "";
    public string? ChannelId;
    public string? ExternalUserId;
    public bool BotEnabled = true;
    public bool Archived;
    public double? UpdatedAtJulian;
    public long MessageCount;
    public double? LastMessageJulian;
    public bool HasUnreadableMessageTime;

    /// <summary>The bytes of the messages' text; read only when measuring (0 otherwise).</summary>
    public long MessageBytes;
}
