namespace Evonic.Sessions.SampleData;

/// <summary>Options for one agent's chat.db: older Evonic versions lack <c>user_id</c> or
/// <c>session_state</c>.</summary>
public sealed record ChatSchemaOptions(bool WithUserId = true, bool WithSessionState = true);
