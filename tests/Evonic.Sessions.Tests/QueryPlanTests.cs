using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>How SQLite reaches the messages of a session in Evonic's own schema (<c>models/chat.py</c>).</summary>
public sealed class QueryPlanTests : TempFolderTest
{
    /// <summary>
    /// The listing and the still-old check inside each write transaction read a session's messages from Evonic's
    /// <c>idx_messages_session_created</c> (session_id, created_at) alone: the rows, which carry the messages' text,
    /// are never read to date a session.
    /// </summary>
    [Fact]
    public void Sessions_are_dated_from_Evonics_message_index_without_reading_the_messages()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        using ChatDatabase chat = ChatDatabase.Open(EvonicInstance.Open(sample.Root), "siwa", writable: false);
        foreach (string sql in new[] { chat.ReadSessionsSql, chat.StillOldSql })
        {
            using var plan = chat.Connection.CreateCommand();
            plan.CommandText = "EXPLAIN QUERY PLAN " + sql;
            plan.Parameters.AddWithValue("$cutoffs", "{}");
            var steps = new List<string>();
            using (var reader = plan.ExecuteReader())
                while (reader.Read())
                    steps.Add(reader.GetString(3));

            var messageSteps = steps.Where(s => s.Contains(" m ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(messageSteps);
            Assert.All(messageSteps, step => Assert.Contains("USING COVERING INDEX", step));
            Assert.Contains(messageSteps, step =>
                step.Contains("idx_messages_session_created", StringComparison.Ordinal)
            );
        }
    }
}
