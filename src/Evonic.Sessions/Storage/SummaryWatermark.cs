using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Storage;

/// <summary>
/// <c>chat_summaries.last_message_id</c> of a restored session. Evonic reads it as a watermark: the messages of the
/// session with an id above it are the ones not yet summarized (<c>get_messages_after</c>). Restored messages get new
/// ids, so the watermark moves to the new id of the same message.
/// </summary>
internal static class SummaryWatermark
{
    /// <summary>
    /// With the messages' old ids (the module's own copies): the new id of the last message at or below the old
    /// watermark. Without them (Evonic's <c>/clear</c> copies): by position, the first <paramref name="messageCount"/>
    /// messages being the summarized ones (Evonic counts them so). 0, Evonic's "nothing summarized", when no message is
    /// below the watermark; null stays null.
    /// </summary>
    public static long? Remap(
        object? oldWatermark,
        object? messageCount,
        IReadOnlyList<long?> oldIds,
        IReadOnlyList<long> newIds
    )
    {
        if (oldWatermark == null)
            return null;
        if (
            oldIds.Count == newIds.Count
            && oldIds.Count > 0
            && oldIds[0] != null
            && ToLong(oldWatermark) is long watermark
        )
        {
            long remapped = 0;
            for (int i = 0; i < oldIds.Count; i++)
                if (oldIds[i] is long old && old <= watermark)
                    remapped = newIds[i];
            return remapped;
        }
        if (ToLong(messageCount) is not long count || count <= 0 || newIds.Count == 0)
            return 0;
        return newIds[(int)Math.Min(count, newIds.Count) - 1];
    }

    private static long? ToLong(object? value) =>
        value switch
        {
            long l => l,
            double d => (long)d,
            string s
                when long.TryParse(
                    s,
                    System.Globalization.NumberStyles.Integer,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out long parsed
                ) => parsed,
            _ => null,
        };
}
