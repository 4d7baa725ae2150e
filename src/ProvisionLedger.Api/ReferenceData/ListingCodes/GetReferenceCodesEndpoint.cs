using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace ProvisionLedger.Api.ReferenceData.ListingCodes;

public sealed record ReferenceCodes(string? About, IReadOnlyList<CodeName> Institutions, IReadOnlyList<CodeName> Procedures, IReadOnlyList<CodeName> InfoItems);

/// <summary>
/// The code table the ledger checks requests against, with each entry's code in bulk inquiry files (<c>fileCode</c>), so
/// a client can write and read 一括照会 files with the codes the ledger will accept.
/// </summary>
public static class GetReferenceCodesEndpoint
{
    [WolverineGet("/api/v1/reference-codes")]
    [Authorize]
    public static ReferenceCodes Get(CodeRegistry codes) => new(
        codes.About,
        codes.Institutions.OrderBy(c => c.Code, StringComparer.Ordinal).ToList(),
        codes.Procedures.OrderBy(c => c.Code, StringComparer.Ordinal).ToList(),
        codes.InfoItems.OrderBy(c => c.Code, StringComparer.Ordinal).ToList());
}
