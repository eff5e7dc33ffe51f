using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Evonic.Sessions.Rules;

/// <summary>
/// The sessions named by work Evonic still has to do, read from the main database: enabled <c>schedules</c>
/// (their <c>action_config</c> and <c>metadata</c> JSON), unfinished <c>transfer_jobs</c>, live
/// <c>user_escalations</c>; and the sessions a main-database table the module does not know names.
/// </summary>
internal sealed class WorkInProgress
{
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);
    private readonly List<string> _unreadableSchedules = new();

    public HashSet<string> Transfers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Escalations { get; } = new(StringComparer.Ordinal);

    public HashSet<string> UnknownReferences { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions with a tool call waiting for approval (timothybrush/evonic's <c>pending_tool_approvals</c>).</summary>
    public HashSet<string> PendingApprovals { get; } = new(StringComparer.Ordinal);

    /// <summary>Takes every <c>session_id</c> string of a schedule's JSON, at any depth.</summary>
    public void AddSchedule(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            Collect(document.RootElement);
        }
        catch (JsonException)
        {
            _unreadableSchedules.Add(json);
        }
    }

    private void Collect(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name == "session_id" && property.Value.ValueKind == JsonValueKind.String) _scheduled.Add(property.Value.GetString()!);
                else Collect(property.Value);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray()) Collect(item);
        }
    }

    public SessionProtection ProtectionOf(string sessionId)
    {
        SessionProtection protection = SessionProtection.None;
        if (_scheduled.Contains(sessionId)) protection |= SessionProtection.ScheduledWork;
        else
            foreach (string text in _unreadableSchedules)
                if (text.IndexOf(sessionId, StringComparison.Ordinal) >= 0) protection |= SessionProtection.ScheduledWork;
        if (Transfers.Contains(sessionId)) protection |= SessionProtection.TransferInProgress;
        if (Escalations.Contains(sessionId)) protection |= SessionProtection.PendingEscalation;
        if (PendingApprovals.Contains(sessionId)) protection |= SessionProtection.TurnInProgress;
        if (UnknownReferences.Contains(sessionId)) protection |= SessionProtection.UnknownTable;
        return protection;
    }
}
