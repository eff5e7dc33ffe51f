using System;
using System.Collections;
using System.Linq;
using System.Management.Automation.Language;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Reads an instance's retention policy with PowerShell's own parser, as <c>Import-PowerShellDataFile</c> does: the
/// file must be one hashtable of constants (<c>SafeGetValue</c>: no variable, command or expression is ever run), then
/// the store checks what it says (<see cref="EvonicSessionPolicy.FromData"/>).
/// </summary>
internal static class SessionPolicyReader
{
    /// <summary>The instance's policy (<see cref="SessionPolicyFile.Read"/>), parsed here.</summary>
    public static EvonicSessionPolicy Read(EvonicInstance instance) => SessionPolicyFile.Read(instance, Parse);

    /// <summary>The file's one hashtable of constants (see the type).</summary>
    public static IDictionary Parse(string text, string path)
    {
        ScriptBlockAst script = Parser.ParseInput(text, path, out _, out ParseError[] errors);
        if (errors.Length > 0)
            throw Invalid(
                path,
                $"line {errors[0].Extent.StartLineNumber}: {errors[0].Message}"
                    + (errors.Length > 1 ? $" (and {errors.Length - 1} more)" : "")
            );
        if (
            script.ParamBlock != null
            || script.BeginBlock != null
            || script.ProcessBlock != null
            || script.EndBlock == null
            || script.EndBlock.Statements.Count != 1
            || script.EndBlock.Statements[0] is not PipelineAst pipeline
            || pipeline.GetPureExpression() is not HashtableAst hashtable
        )
            throw Invalid(
                path,
                "it must hold one hashtable, @{ DefaultMaxAgeDays = ...; Rules = @(...) }, and nothing else"
            );
        try
        {
            return (IDictionary)hashtable.SafeGetValue();
        }
        catch (InvalidOperationException e)
        {
            // A variable, command or sub-expression: a data file holds constants only.
            throw Invalid(path, e.Message);
        }
    }

    private static EvonicException Invalid(string path, string why) => SessionPolicyFile.Unreadable(path, why);
}
