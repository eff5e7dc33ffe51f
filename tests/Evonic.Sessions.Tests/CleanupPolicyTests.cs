using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

public sealed class CleanupPolicyTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly EvonicInstance _instance;

    public CleanupPolicyTests()
    {
        Directory.CreateDirectory(_temp.Combine("shared", "db"));
        File.WriteAllBytes(_temp.Combine("shared", "db", "evonic.db"), Array.Empty<byte>());
        _instance = EvonicInstance.Open(_temp.Path);
    }

    public void Dispose() => _temp.Dispose();

    private static Func<string, string?> Env(string? maxAge) => name => name == CleanupPolicy.MaxAgeVariable ? maxAge : null;

    [Fact]
    public void Defaults_to_ninety_days()
    {
        CleanupPolicy policy = CleanupPolicy.Resolve(_instance, Env(null));
        Assert.Equal(90, policy.MaxAgeDays);
        Assert.False(policy.IsDisabled);
    }

    [Fact]
    public void The_environment_wins_over_the_instance_env_file()
    {
        File.WriteAllText(_temp.Combine(".env"), "# settings\nOTHER=1\nEVONIC_SESSION_MAX_AGE_DAYS=30\n");
        Assert.Equal(30, CleanupPolicy.Resolve(_instance, Env(null)).MaxAgeDays);
        Assert.Equal(7, CleanupPolicy.Resolve(_instance, Env("7")).MaxAgeDays);
    }

    [Theory]
    [InlineData("export EVONIC_SESSION_MAX_AGE_DAYS=\"45\"", 45)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS = 0 # disabled", 0)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS='12'", 12)]
    // python-dotenv's rules; each of these read differently (or failed) before:
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=\"30\" # a month", 30)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS='30'   # a month", 30)]
    [InlineData("export\tEVONIC_SESSION_MAX_AGE_DAYS=14", 14)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=60\t# tab before the comment", 60)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=10\nEVONIC_SESSION_MAX_AGE_DAYS=20", 20)]
    [InlineData("OTHER=\"a\nb # not a comment\nEVONIC_SESSION_MAX_AGE_DAYS=1\"\nEVONIC_SESSION_MAX_AGE_DAYS=7", 7)]
    public void Reads_the_env_file_the_way_Evonic_writes_it(string line, int expected)
    {
        File.WriteAllText(_temp.Combine(".env"), line + "\n");
        CleanupPolicy policy = CleanupPolicy.Resolve(_instance, Env(null));
        Assert.Equal(expected, policy.MaxAgeDays);
        Assert.Equal(expected == 0, policy.IsDisabled);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("ninety")]
    [InlineData("1.5")]
    [InlineData("0.4")]
    [InlineData("99999999999999")]
    [InlineData("730001")]
    public void A_bad_value_is_an_error_naming_the_variable_and_the_value(string value)
    {
        var error = Assert.Throws<EvonicException>(() => CleanupPolicy.Resolve(_instance, Env(value)));
        Assert.Equal(EvonicErrorKind.InvalidSetting, error.Kind);
        Assert.Contains(CleanupPolicy.MaxAgeVariable, error.Message);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Fact]
    public void An_age_past_the_calendar_is_refused_and_the_cutoff_never_overflows()
    {
        Assert.Equal(new DateTime(2026, 11, 24).AddDays(-CleanupPolicy.LongestMaxAgeDays),
            CleanupPolicy.FromParameter(CleanupPolicy.LongestMaxAgeDays).CutoffUtc(new DateTime(2026, 11, 24)));
        Assert.Equal(DateTime.MinValue, CleanupPolicy.FromParameter(CleanupPolicy.LongestMaxAgeDays).CutoffUtc(new DateTime(10, 1, 1)));
        Assert.Throws<EvonicException>(() => CleanupPolicy.FromParameter(-1));
        Assert.Throws<EvonicException>(() => CleanupPolicy.FromParameter(int.MaxValue));
    }

    [Theory]
    [InlineData("KEY=value", "value")]
    [InlineData("KEY=a#b", "a#b")]
    [InlineData("KEY=a #b", "a")]
    [InlineData("KEY=\"a # b\"", "a # b")]
    [InlineData("KEY='it\\'s'", "it's")]
    [InlineData("KEY=\"tab\\there\"", "tab\there")]
    [InlineData("KEY=\"line\\none\"", "line\none")]
    [InlineData("KEY='raw\\n'", "raw\\n")]
    [InlineData("  export KEY = spaced  ", "spaced")]
    [InlineData("KEY=", "")]
    public void Parses_values_as_python_dotenv_does(string text, string expected)
    {
        Assert.Equal(expected, DotEnvFile.Parse(text)["KEY"]);
    }

    [Theory]
    [InlineData("KEY=\"unterminated")]
    [InlineData("KEY=\"a\" trailing")]
    [InlineData("# KEY=commented")]
    public void Lines_python_dotenv_does_not_assign_from_set_nothing(string text)
    {
        Assert.False(DotEnvFile.Parse(text).ContainsKey("KEY"));
    }
}
