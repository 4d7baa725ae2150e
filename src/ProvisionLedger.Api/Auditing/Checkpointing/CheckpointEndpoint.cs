using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Auditing.Checkpointing;

public static class CheckpointEndpoint
{
    [WolverineGet("/api/v1/audit/checkpoints/latest")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetLatest(CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.FindAsync(null, ct) is { } latest ? Results.Ok(CheckpointView.Of(latest)) : Problems.NotFound("A checkpoint");

    [WolverineGet("/api/v1/audit/checkpoints/{id}")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> GetOne(long id, CheckpointService checkpoints, CancellationToken ct) =>
        await checkpoints.FindAsync(id, ct) is { } found ? Results.Ok(CheckpointView.Of(found)) : Problems.NotFound("The checkpoint");

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
}
