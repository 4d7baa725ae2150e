using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using Wolverine.Http;

namespace ProvisionLedger.Api.Auditing.Proving;

/// <summary>An RFC 9162 consistency proof: the tree of <c>to</c> chain positions extends the tree of <c>from</c>.</summary>
public sealed record ConsistencyProofView(long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Proof);

public static class ConsistencyEndpoint
{
    /// <summary>
    /// The consistency proof between two tree sizes (chain lengths), with both roots as computed from the chain now.
    /// A witness or auditor checks it against the roots it holds signed, not against these.
    /// </summary>
    [WolverineGet("/api/v1/audit/consistency")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(string? from, string? to, AuditConnections connections, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var fromSize = Size(from, "from", errors);
        var toSize = Size(to, "to", errors);
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        var length = (await connections.Tables.HeadAsync(connection, ct)).Position;
        if (errors.Count == 0 && toSize > length)
        {
            errors["to"] = [$"The chain holds {length} events."];
        }

        if (errors.Count == 0 && fromSize > toSize)
        {
            errors["from"] = ["from may not exceed to."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // Cut from the cached block hashes and the leaves of at most three blocks, not from every leaf of the tree. The
        // blocks are a cache, not evidence: a wrong one gives roots and a proof that do not match the signed checkpoints
        // a witness holds, so it refuses; never a false proof.
        var blocks = await connections.Tables.BlockHashesAsync(connection, toSize, ct);
        var tree = new MerkleBlocks(toSize, blocks, await connections.Tables.LeavesAsync(connection, MerkleBlocks.ConsistencyLeafRanges(fromSize, toSize), ct));
        return Results.Ok(new ConsistencyProofView(fromSize, toSize,
            Convert.ToHexStringLower(tree.RootOf(fromSize)), Convert.ToHexStringLower(tree.RootOf(toSize)),
            tree.ConsistencyProof(fromSize).Select(Convert.ToHexStringLower).ToList()));
    }

    private static long Size(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[field] = ["Required: a tree size (number of chain positions)."];
            return 0;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            errors[field] = ["Not a whole number."];
            return 0;
        }

        return size;
    }
}
