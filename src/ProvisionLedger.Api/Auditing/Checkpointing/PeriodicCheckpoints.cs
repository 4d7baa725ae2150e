namespace ProvisionLedger.Api.Auditing.Checkpointing;

/// <summary>Signs a checkpoint every <c>Ledger:Audit:CheckpointIntervalSeconds</c> when the chain has grown since the last one.</summary>
public sealed class PeriodicCheckpoints(AuditOptions options, CheckpointService checkpoints, ILogger<PeriodicCheckpoints> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.CheckpointInterval <= TimeSpan.Zero)
        {
            return;
        }

        if (!checkpoints.CanSign)
        {
            logger.LogWarning("Ledger:Audit:SigningKeyPem is not set: no periodic checkpoints will be signed.");
            return;
        }

        using var timer = new PeriodicTimer(options.CheckpointInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var latest = await checkpoints.FindAsync(null, stoppingToken);
                if (latest is null || await checkpoints.ChainLengthAsync(stoppingToken) > latest.Sequence)
                {
                    var made = await checkpoints.MakeAsync(stoppingToken);
                    logger.LogInformation("Checkpoint {Id} signed at chain sequence {Sequence}.", made.Id, made.Sequence);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A missed checkpoint is retried at the next tick; the chain itself is extended by the database, not here.
                logger.LogError(e, "Could not sign a periodic checkpoint.");
            }
        }
    }
}
