using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using Wolverine.Http;

namespace ProvisionLedger.Api.Auditing.Checkpointing;

/// <summary>A witness's cosignature: the signature line it adds to the checkpoint's note, and its public key (PEM).</summary>
public sealed record CosignatureRequest(string? Line, string? PublicKeyPem) : ILedgerCommand;

public static class CheckpointEndpoint
{
    private const string NoteType = "text/plain; charset=utf-8";

    [WolverineGet("/api/v1/audit/checkpoints/latest")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetLatest(CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.ViewAsync(null, ct) is { } latest ? Results.Ok(latest) : Problems.NotFound("A checkpoint");

    [WolverineGet("/api/v1/audit/checkpoints/{id}")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetOne(long id, CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.ViewAsync(id, ct) is { } found ? Results.Ok(found) : Problems.NotFound("The checkpoint");

    /// <summary>The latest checkpoint as a C2SP signed note (tlog-checkpoint), with the witnesses' cosignature lines.</summary>
    [WolverineGet("/api/v1/audit/checkpoints/latest/note")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetLatestNote(CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.ViewAsync(null, ct) is { Note: { } note } ? Results.Text(note, NoteType) : Problems.NotFound("A checkpoint note");

    [WolverineGet("/api/v1/audit/checkpoints/{id}/note")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetNote(long id, CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.ViewAsync(id, ct) is { Note: { } note } ? Results.Text(note, NoteType) : Problems.NotFound("The checkpoint note");

    [WolverinePost("/api/v1/audit/checkpoints")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Post(CheckpointService checkpoints, CancellationToken ct)
    {
        if (!checkpoints.CanSign)
        {
            return Results.Problem(title: "No checkpoint signing key is configured.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var made = await checkpoints.MakeAsync(ct);
        return Results.Created($"/api/v1/audit/checkpoints/{made.Id}", CheckpointView.Of(made));
    }

    [WolverineGet("/api/v1/audit/public-key")]
    [Authorize(Roles = Roles.Auditor)]
    public static IResult GetPublicKey(CheckpointService checkpoints) =>
        checkpoints.CanSign
            ? Results.Text(checkpoints.PublicKeyPem(), "application/x-pem-file")
            : Results.Problem(title: "No checkpoint signing key is configured.", statusCode: StatusCodes.Status503ServiceUnavailable);

    internal static bool IsPublicKey(string pem)
    {
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(pem);
            return key.KeySize == 256;
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// A witness's cosignature, in a class of its own: Wolverine applies a class's <c>Validate</c> step to every endpoint the
/// class holds.
/// </summary>
public static class CosignCheckpointEndpoint
{
    /// <summary>The shape of a cosignature: one signature line and a P-256 public key.</summary>
    public static IResult Validate(CosignatureRequest request) =>
        SignatureLine(request, out _) is { Count: > 0 } errors ? Problems.Validation(errors) : WolverineContinue.Result();

    /// <summary>A witness posts back its cosignature; kept only when it verifies over this checkpoint's note with the key given.</summary>
    [WolverinePost("/api/v1/audit/checkpoints/{id}/cosignatures")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> PostCosignature(long id, CosignatureRequest request, CheckpointService checkpoints, CancellationToken ct)
    {
        SignatureLine(request, out var line);
        var checkpoint = await checkpoints.FindAsync(id, ct);
        if (checkpoint is null)
        {
            return Problems.NotFound("The checkpoint");
        }

        return await checkpoints.AddCosignatureAsync(checkpoint, line!, request.PublicKeyPem!, ct)
            ? Results.Created($"/api/v1/audit/checkpoints/{id}", await checkpoints.ViewAsync(id, ct))
            : Problems.Validation("line", "The cosignature does not verify over this checkpoint's note with the key given.");
    }

    private static Dictionary<string, string[]> SignatureLine(CosignatureRequest request, out NoteSignature? line)
    {
        var errors = new Dictionary<string, string[]>();
        line = null;
        if (string.IsNullOrWhiteSpace(request.Line))
        {
            errors["line"] = ["A signature line (— name base64) is required."];
        }
        else
        {
            try
            {
                line = CheckpointNote.Parse($"x\n1\nAA==\n\n{request.Line.Trim()}\n").Signatures.Single();
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or IndexOutOfRangeException or ArgumentException)
            {
                errors["line"] = ["Not a signature line (— name base64)."];
            }
        }

        if (string.IsNullOrWhiteSpace(request.PublicKeyPem) || !CheckpointEndpoint.IsPublicKey(request.PublicKeyPem))
        {
            errors["publicKeyPem"] = ["The witness's ECDSA P-256 public key (PEM) is required."];
        }

        return errors;
    }
}
