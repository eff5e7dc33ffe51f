using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Lists the instance's erasure records: when, whose (a salted hash), what went, who ran it; never
/// content.</summary>
[Cmdlet(VerbsCommon.Get, "EvonicErasure", HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicErasure.md")]
[OutputType(typeof(ErasureRecord))]
public sealed class GetEvonicErasureCommand : PersonCommandBase
{
    /// <summary>Only the erasures of this person (their id is hashed with the instance's salt and compared).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? ExternalUserId { get; set; }

    protected override void EndProcessing()
    {
        var store = new SessionStore(OpenInstance());
        try
        {
            var records = store.GetErasures();
            // Without records there is no salt to hash with, and none is made for a question.
            string? hash =
                ExternalUserId == null || records.Count == 0 ? null : store.HashOfExternalUserId(ExternalUserId);
            WriteObject(
                records.Where(r => ExternalUserId == null || r.ExternalUserIdHash == hash),
                enumerateCollection: true
            );
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
