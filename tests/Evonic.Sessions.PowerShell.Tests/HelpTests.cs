using System.Globalization;
using System.Management.Automation;
using Evonic.Sessions.HelpWriter;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>Every cmdlet has full help, built from docs/help, and the about_ topics are there.</summary>
[Collection("engine")]
public sealed class HelpTests
{
    private static string HelpFile =>
        Path.Combine(Repository.Root, "module", "en-US", "Evonic.Sessions.PowerShell.dll-Help.xml");

    [Fact]
    public void The_MAML_help_is_what_docs_help_and_the_cmdlets_metadata_make()
    {
        using var ps = new PowerShellSession();
        var cmdlets = ps.Run("Get-Command -Module Evonic.Sessions")
            .Output.Select(o => (CmdletInfo)o.BaseObject)
            .ToList();
        // One markdown source per exported cmdlet, and no source for a cmdlet that does not exist.
        Assert.Equal(
            Directory
                .GetFiles(Path.Combine(Repository.Root, "docs", "help"), "*.md")
                .Select(Path.GetFileNameWithoutExtension)
                .OrderBy(n => n, StringComparer.Ordinal),
            cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal)
        );

        string built = MamlHelp.Build(cmdlets, Path.Combine(Repository.Root, "docs", "help"));

        Assert.True(
            built == File.ReadAllText(HelpFile).Replace("\r\n", "\n"),
            "module/en-US/Evonic.Sessions.PowerShell.dll-Help.xml is out of date with docs/help/*.md or the cmdlets: "
                + "run './build.ps1 -Help' (build/Evonic.Sessions.HelpWriter) and commit the file."
        );
    }

    [Fact]
    public void Every_cmdlet_has_a_synopsis_examples_and_a_description_of_every_parameter()
    {
        using var ps = new PowerShellSession();
        foreach (
            string command in ps.Run("(Get-Command -Module Evonic.Sessions).Name").Output.Select(o => o.ToString())
        )
        {
            ScriptResult help = ps.Run(
                $@"$h = Get-Help {command} -Full; $h.Synopsis; $h.Examples.Example.Count;
                $h.Parameters.Parameter | ForEach-Object {{ $_.Name + '=' + ($_.Description.Text -join ' ') }}"
            );
            Assert.Empty(help.Errors);
            Assert.DoesNotContain(command, help.Output[0].ToString()); // a real synopsis, not the generated syntax stub
            Assert.True((int)help.Output[1].BaseObject >= 2, $"{command} needs examples");
            Assert.All(help.Output.Skip(2).Select(o => o.ToString()), p =>
                Assert.True(p.Split('=', 2)[1].Length > 10, $"{command}: {p}")
            );
        }
        ScriptResult age = ps.Run("(Get-Help Remove-EvonicOldSession -Parameter MaxAgeDays).Description.Text");
        Assert.Contains("EVONIC_SESSION_MAX_AGE_DAYS", age.Output[0].ToString());
    }

    /// <summary>
    /// Help says what a user needs (what, when, what it costs, what can go wrong) in a few sentences: at most 220 words
    /// of description and 80 per parameter. How it works inside goes to docs/internals.md.
    /// </summary>
    [Fact]
    public void Every_cmdlet_help_is_short_enough_to_read()
    {
        using var ps = new PowerShellSession();
        ScriptResult words = ps.Run(
            @"foreach ($c in (Get-Command -Module Evonic.Sessions).Name) {
                $h = Get-Help $c -Full
                '{0} description={1}' -f $c, (($h.Description.Text -join ' ') -split '\s+').Count
                foreach ($p in $h.Parameters.Parameter) {
                    '{0} -{1}={2}' -f $c, $p.Name, (($p.Description.Text -join ' ') -split '\s+').Count
                }
            }"
        );
        Assert.Empty(words.Errors);
        Assert.All(words.Output.Select(o => o.ToString()), line =>
        {
            string[] parts = line.Split('=');
            int limit = parts[0].EndsWith(" description", StringComparison.Ordinal) ? 220 : 80;
            Assert.True(
                int.Parse(parts[1], CultureInfo.InvariantCulture) <= limit,
                $"{parts[0]}: {parts[1]} words (at most {limit})"
            );
        });
    }

    [Theory]
    [InlineData("about_Evonic.Sessions", "PROTECTED SESSIONS")]
    [InlineData("about_EvonicSessionCleanup", "systemd")]
    [InlineData("about_EvonicSessionPolicy", "HOW A SESSION")]
    [InlineData("about_EvonicUserData", "evonic-user-data/1")]
    public void The_about_topics_are_there(string topic, string mentions)
    {
        using var ps = new PowerShellSession();
        string text = string.Join("\n", ps.Run($"Get-Help {topic}").Output.Select(o => o.ToString()));
        Assert.Contains(mentions, text);
    }
}
