using System.Globalization;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A batch reaches SQL as JSON read by <c>json_each</c>: every session id must come back exactly as it was, or a delete
/// would miss the session it names (or, worse, name another). Checked through SQLite itself, with the ids no sane app
/// writes.
/// </summary>
public sealed class SqlJsonTests : IDisposable
{
    private readonly SqliteConnection _sqlite = new("Data Source=:memory:");

    public SqlJsonTests() => _sqlite.Open();

    public void Dispose() => _sqlite.Dispose();

    public static readonly string[] HostileIds =
    {
        "plain",
        "",
        "quote\"inside",
        "back\\slash",
        "new\nline\ttab\r",
        "nul\0inside",
        "<script>&amp;'",
        "é ü ß 中文",
        "emoji 🎉 outside the BMP",
        "line\u2028separator\u2029",
        "\u007f\u0001control",
        new string('x', 5000),
    };

    private List<(string Key, object Value)> Each(string json)
    {
        using SqliteCommand command = _sqlite.CreateCommand();
        command.CommandText = "SELECT key, value FROM json_each($json) ORDER BY id";
        command.Parameters.AddWithValue("$json", json);
        using SqliteDataReader reader = command.ExecuteReader();
        var rows = new List<(string, object)>();
        while (reader.Read())
            rows.Add((reader.IsDBNull(0) ? "" : reader.GetValue(0).ToString()!, reader.GetValue(1)));
        return rows;
    }

    [Fact]
    public void Strings_come_back_from_json_each_exactly_as_written()
    {
        List<(string Key, object Value)> rows = Each(SqlJson.Array(HostileIds));

        Assert.Equal(HostileIds, rows.Select(r => (string)r.Value));
    }

    [Fact]
    public void Integers_come_back_exactly()
    {
        long[] ids = { 0, 1, -1, long.MaxValue, long.MinValue, 9_007_199_254_740_993 };

        Assert.Equal(ids, Each(SqlJson.Array(ids)).Select(r => (long)r.Value));
    }

    [Fact]
    public void An_object_keeps_each_name_with_its_number()
    {
        // Cutoffs as the remover passes them: session id -> Julian day.
        var cutoffs = HostileIds
            .Select((id, i) => new KeyValuePair<string, double>(id, 2461000.5 + i / 7.0))
            .Append(new("min", SqliteDatabase.JulianDay(DateTime.MinValue)))
            .Append(new("max", SqliteDatabase.JulianDay(DateTime.MaxValue)))
            .ToList();

        List<(string Key, object Value)> rows = Each(SqlJson.Object(cutoffs));

        Assert.Equal(cutoffs.Select(c => c.Key), rows.Select(r => r.Key));
        Assert.Equal(
            cutoffs.Select(c => c.Value),
            rows.Select(r => Convert.ToDouble(r.Value, CultureInfo.InvariantCulture))
        );
    }

    [Fact]
    public void A_session_id_with_a_quote_finds_its_row_and_no_other()
    {
        using (SqliteCommand create = _sqlite.CreateCommand())
        {
            create.CommandText = "CREATE TABLE s (id TEXT PRIMARY KEY)";
            create.ExecuteNonQuery();
        }
        foreach (string id in HostileIds.Append("quote").Append("back"))
        {
            using SqliteCommand insert = _sqlite.CreateCommand();
            insert.CommandText = "INSERT INTO s VALUES ($id)";
            insert.Parameters.AddWithValue("$id", id);
            insert.ExecuteNonQuery();
        }

        using SqliteCommand delete = _sqlite.CreateCommand();
        delete.CommandText = "DELETE FROM s WHERE id IN (SELECT value FROM json_each($ids))";
        delete.Parameters.AddWithValue("$ids", SqlJson.Array(new[] { "quote\"inside", "back\\slash" }));

        Assert.Equal(2, delete.ExecuteNonQuery());
        using SqliteCommand left = _sqlite.CreateCommand();
        left.CommandText = "SELECT COUNT(*) FROM s WHERE id IN ('quote', 'back')";
        Assert.Equal(2L, (long)left.ExecuteScalar()!);
    }
}
