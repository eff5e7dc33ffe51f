using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

public sealed class CleanupPolicyTests : TempFolderTest
{
    private readonly EvonicInstance _instance;

    public CleanupPolicyTests()
    {
        Directory.CreateDirectory(Temp.Combine("shared", "db"));
        File.WriteAllBytes(Temp.Combine("shared", "db", "evonic.db"), Array.Empty<byte>());
        _instance = EvonicInstance.Open(Temp.Path);
    }

    private static Func<string, string?> Env(string? maxAge) =>
        name => name == CleanupPolicy.MaxAgeVariable ? maxAge : null;

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
        File.WriteAllText(Temp.Combine(".env"), "# settings\nOTHER=1\nEVONIC_SESSION_MAX_AGE_DAYS=30\n");
        Assert.Equal(30, CleanupPolicy.Resolve(_instance, Env(null)).MaxAgeDays);
        Assert.Equal(7, CleanupPolicy.Resolve(_instance, Env("7")).MaxAgeDays);
    }

    [Theory]
    [InlineData("export EVONIC_SESSION_MAX_AGE_DAYS=\"45\"", 45)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS = 0 # disabled", 0)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS='12'", 12)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=\"30\" # a month", 30)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=60\t# tab before the comment", 60)]
    // Evonic's loader, where python-dotenv (read before) differs: the first assignment wins, a '#' needs no space
    // before it, 'export' needs a space after it, and a line is a line.
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=10\nEVONIC_SESSION_MAX_AGE_DAYS=20", 10)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=30#days", 30)]
    [InlineData("export\tEVONIC_SESSION_MAX_AGE_DAYS=14", 90)]
    [InlineData("OTHER=\"a\nEVONIC_SESSION_MAX_AGE_DAYS=7\nb\"", 7)]
    [InlineData("EVONIC_SESSION_MAX_AGE_DAYS=\nEVONIC_SESSION_MAX_AGE_DAYS=20", 90)]
    public void Reads_the_env_file_the_way_Evonic_writes_it(string line, int expected)
    {
        File.WriteAllText(Temp.Combine(".env"), line + "\n");
        CleanupPolicy policy = CleanupPolicy.Resolve(_instance, Env(null));
        Assert.Equal(expected, policy.MaxAgeDays);
        Assert.Equal(expected == 0, policy.IsDisabled);
    }

    [Fact]
    public void A_variable_defined_in_the_environment_wins_even_when_empty_as_Evonic_loader_never_overrides_it()
    {
        File.WriteAllText(Temp.Combine(".env"), "EVONIC_SESSION_MAX_AGE_DAYS=30\nEVONIC_SESSION_ARCHIVE=1\n");
        Assert.Equal(90, CleanupPolicy.Resolve(_instance, Env("")).MaxAgeDays);
        Assert.False(ArchivePolicy.Resolve(_instance, name => name == ArchivePolicy.Variable ? "" : null).Enabled);
        Assert.True(ArchivePolicy.Resolve(_instance, _ => null).Enabled);
    }

    [Fact]
    public void Only_the_env_file_of_the_app_directory_is_read_the_root_or_current_in_the_release_layout()
    {
        File.WriteAllText(Temp.Combine(".env"), "EVONIC_SESSION_MAX_AGE_DAYS=30\n");
        Directory.CreateDirectory(Temp.Combine("shared"));
        File.WriteAllText(Temp.Combine("shared", ".env"), "EVONIC_SESSION_MAX_AGE_DAYS=40\nEVONIC_SESSION_ARCHIVE=1\n");
        Assert.Equal(30, CleanupPolicy.Resolve(_instance, Env(null)).MaxAgeDays);
        Assert.False(ArchivePolicy.Resolve(_instance, _ => null).Enabled);

        string release = Temp.Combine("releases", "v1");
        Directory.CreateDirectory(release);
        Directory.CreateSymbolicLink(Temp.Combine("current"), release);
        File.WriteAllText(Path.Combine(release, ".env"), "EVONIC_SESSION_MAX_AGE_DAYS=50\n");
        EvonicInstance releaseLayout = EvonicInstance.Open(Temp.Path);
        Assert.True(releaseLayout.IsReleaseLayout);
        Assert.Equal(50, CleanupPolicy.Resolve(releaseLayout, Env(null)).MaxAgeDays);
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
        Assert.Equal(
            new DateTime(2026, 11, 24).AddDays(-CleanupPolicy.LongestMaxAgeDays),
            CleanupPolicy.FromParameter(CleanupPolicy.LongestMaxAgeDays).CutoffUtc(new DateTime(2026, 11, 24))
        );
        Assert.Equal(
            DateTime.MinValue,
            CleanupPolicy.FromParameter(CleanupPolicy.LongestMaxAgeDays).CutoffUtc(new DateTime(10, 1, 1))
        );
        Assert.Throws<EvonicException>(() => CleanupPolicy.FromParameter(-1));
        Assert.Throws<EvonicException>(() => CleanupPolicy.FromParameter(int.MaxValue));
    }

    // Cases from each branch of Evonic's backend/dotenv_loader.py (commit 0f32e72, unchanged at c5aad6f): checked
    // against that loader once; its quirks (an escaped quote still closes a quoted value, \\n becomes a backslash and
    // a line break) are part of the contract.
    [Theory]
    // _parse_and_set
    [InlineData("KEY=value", "value")]
    [InlineData("  export KEY = spaced  ", "spaced")]
    [InlineData("export   KEY=after export", "after export")]
    [InlineData("KEY=", "")]
    [InlineData("KEY=1\nKEY=2", "1")]
    [InlineData("KEY=\nKEY=2", "")]
    [InlineData("A=1\r\nKEY=crlf\rB=3", "crlf")]
    [InlineData("KEY=a=b=c", "a=b=c")]
    // _parse_quoted_value
    [InlineData("KEY=\"a # b\"", "a # b")]
    [InlineData("KEY=\"a\" trailing", "a")]
    [InlineData("KEY=\"unterminated", "unterminated")]
    [InlineData("KEY=\"esc\\\"aped\"", "esc\\")]
    [InlineData("KEY=\"tab\\there\"", "tab\there")]
    [InlineData("KEY=\"line\\none\"", "line\none")]
    [InlineData("KEY=\"cr\\rx\"", "cr\rx")]
    [InlineData("KEY=\"two\\\\nb\"", "two\\\nb")]
    [InlineData("KEY=\"cost \\$5\"", "cost $5")]
    [InlineData("KEY=\"q\\\\\"", "q\\")]
    [InlineData("KEY='raw\\n'", "raw\\n")]
    [InlineData("KEY='back\\\\slash'", "back\\slash")]
    [InlineData("KEY='it\\'s'", "it\\")]
    [InlineData("KEY='$HOME'", "$HOME")]
    // _parse_unquoted_value
    [InlineData("KEY=a#b", "a")]
    [InlineData("KEY=a #b", "a")]
    [InlineData("KEY=a\\#b", "a#b")]
    [InlineData("KEY=a\\b", "a\\b")]
    [InlineData("KEY=#all comment", "")]
    [InlineData("KEY=  spaced value \t # c", "spaced value")]
    [InlineData("KEY=${OTHER}", "${OTHER}")]
    public void Parses_values_as_Evonic_loader_does(string text, string expected)
    {
        Assert.Equal(expected, DotEnvFile.Parse(text)["KEY"]);
    }

    [Theory]
    [InlineData("# KEY=commented")]
    [InlineData("   # KEY=indented comment")]
    [InlineData("export # KEY=1")]
    [InlineData("KEY")]
    [InlineData("export\tKEY=tab after export")]
    [InlineData("\uFEFFKEY=after a byte order mark")]
    public void Lines_Evonic_loader_does_not_assign_KEY_from_set_nothing(string text)
    {
        Assert.False(DotEnvFile.Parse(text).ContainsKey("KEY"));
    }

    [Fact]
    public void An_empty_key_assigns_nothing()
    {
        Assert.Empty(DotEnvFile.Parse("=value\n  = spaced\n"));
    }
}
