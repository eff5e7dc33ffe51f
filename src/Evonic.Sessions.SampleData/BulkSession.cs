namespace Evonic.Sessions.SampleData;

/// <summary>One session of a <see cref="BulkInstance"/>, with what a 90-day cleanup must do with it.</summary>
public sealed record BulkSession(
    string AgentId,
    string SessionId,
    DateTime LastActivity,
    int Messages,
    bool HasLog,
    int Attachments,
    bool ExpectedRemoved
);
