using System;
using System.Collections.Generic;
using System.Text.Json;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// What the work the main database names (<see cref="PendingWork"/>) means for a session: an enabled schedule whose
/// JSON names it at any depth (a schedule whose JSON cannot be read names every session whose id appears in its
/// text), an unfinished transfer, a live escalation, a tool call awaiting approval, an unknown table's row.
/// </summary>
internal sealed class WorkInProgress
{
    private readonly PendingWork _work;
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);
    private readonly List<string> _unreadableSchedules = new();

    public WorkInProgress(PendingWork work)
    {
        _work = work;
        foreach (string json in work.Schedules)
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
    }

    /// <summary>Takes every <c>session_id</c> string of a schedule's JSON, at any depth.</summary>
    private void Collect(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name == "session_id" && property.Value.ValueKind == JsonValueKind.String)
                    _scheduled.Add(property.Value.GetString()!);
                else
                    Collect(property.Value);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
                Collect(item);
        }
    }

    public SessionProtection ProtectionOf(string sessionId)
    {
        SessionProtection protection = SessionProtection.None;
        if (_scheduled.Contains(sessionId))
            protection |= SessionProtection.ScheduledWork;
        else
            foreach (string text in _unreadableSchedules)
                if (text.IndexOf(sessionId, StringComparison.Ordinal) >= 0)
                    protection |= SessionProtection.ScheduledWork;
        if (_work.Transfers.Contains(sessionId))
            protection |= SessionProtection.TransferInProgress;
        if (_work.Escalations.Contains(sessionId))
            protection |= SessionProtection.PendingEscalation;
        if (_work.PendingApprovals.Contains(sessionId))
            protection |= SessionProtection.TurnInProgress;
        if (_work.UnknownReferences.Contains(sessionId))
            protection |= SessionProtection.UnknownTable;
        return protection;
    }
}
