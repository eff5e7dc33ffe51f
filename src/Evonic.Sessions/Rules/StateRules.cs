using System.Text.Json;

namespace Evonic.Sessions.Rules;

/// <summary>
/// What Evonic's state JSON says about keeping a session: a <c>session_state</c> with open tasks or a plan file,
/// an agent state in focus. State that cannot be read counts as the answer that keeps the session.
/// </summary>
internal static class StateRules
{
    /// <summary>The protections a <c>session_state</c> content gives its session.</summary>
    public static SessionProtection OfSessionState(string stateJson)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(stateJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return SessionProtection.OpenTasks;
            SessionProtection protection = SessionProtection.None;
            if (HasOpenTasks(document.RootElement))
                protection |= SessionProtection.OpenTasks;
            if (document.RootElement.TryGetProperty("plan_file", out JsonElement plan) && IsSet(plan))
                protection |= SessionProtection.PlanFile;
            return protection;
        }
        catch (JsonException)
        {
            return SessionProtection.OpenTasks;
        }
    }

    /// <summary>A pending or in-progress task, or a task list that is not one, keeps the session.</summary>
    private static bool HasOpenTasks(JsonElement state)
    {
        if (!state.TryGetProperty("tasks", out JsonElement tasks) || tasks.ValueKind == JsonValueKind.Null)
            return false;
        if (tasks.ValueKind != JsonValueKind.Array)
            return true;
        foreach (JsonElement task in tasks.EnumerateArray())
        {
            if (task.ValueKind != JsonValueKind.Object)
                return true;
            if (
                task.TryGetProperty("status", out JsonElement status)
                && status.ValueKind == JsonValueKind.String
                && status.GetString() is "pending" or "in_progress"
            )
                return true;
        }
        return false;
    }

    /// <summary>Python's truthiness, as Evonic tests <c>data.get(...)</c>: null, false, 0 and "" are unset.</summary>
    private static bool IsSet(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined => false,
            JsonValueKind.String => value.GetString()!.Length > 0,
            JsonValueKind.Number => value.GetDouble() != 0,
            JsonValueKind.Array => value.GetArrayLength() > 0,
            JsonValueKind.Object => value.EnumerateObject().MoveNext(),
            _ => true,
        };

    /// <summary>The agent is in focus when its state says <c>focus: true</c>; an unreadable state counts as in
    /// focus.</summary>
    public static bool IsInFocus(string agentStateJson)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(agentStateJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return true;
            return document.RootElement.TryGetProperty("focus", out JsonElement focus)
                && focus.ValueKind is JsonValueKind.True or JsonValueKind.String or JsonValueKind.Number
                && !(focus.ValueKind == JsonValueKind.String && focus.GetString() is "" or "false" or "0")
                && !(focus.ValueKind == JsonValueKind.Number && focus.GetDouble() == 0);
        }
        catch (JsonException)
        {
            return true;
        }
    }
}
