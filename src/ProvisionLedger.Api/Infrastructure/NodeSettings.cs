using Wolverine;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// How several service nodes on one database share the asynchronous work (the usage statistics projection). Wolverine
/// elects a leader with a PostgreSQL advisory lock; every node writes a heartbeat into <c>wolverine_nodes</c> each
/// <see cref="Heartbeat"/>, and the leader moves the work of a node whose heartbeat is older than
/// <see cref="StaleAfter"/> to a live one. The defaults move it within about 4 s of a node's death; Wolverine's own
/// (10 s heartbeat, 60 s stale) left it on a dead node for a minute.
/// </summary>
public sealed record NodeSettings(TimeSpan Heartbeat, TimeSpan StaleAfter, TimeSpan CheckAssignments)
{
    public const string Section = "Ledger:Nodes";

    public static NodeSettings From(IConfiguration configuration)
    {
        var settings = new NodeSettings(
            Seconds(configuration, "HeartbeatSeconds", 0.5),
            Seconds(configuration, "StaleAfterSeconds", 2),
            Seconds(configuration, "CheckAssignmentsSeconds", 5));

        // A live node that has just missed one heartbeat must not look dead: its work would move for nothing.
        if (settings.StaleAfter < settings.Heartbeat * 2)
        {
            throw new InvalidOperationException(
                $"Configuration {Section}:StaleAfterSeconds must be at least twice {Section}:HeartbeatSeconds.");
        }

        return settings;
    }

    public void ApplyTo(DurabilitySettings durability)
    {
        durability.HealthCheckPollingTime = Heartbeat;
        durability.StaleNodeTimeout = StaleAfter;
        durability.CheckAssignmentPeriod = CheckAssignments;
        // The first heartbeat and election come one heartbeat after start rather than Wolverine's fixed 3 s.
        durability.FirstHealthCheckExecution = Heartbeat;
    }

    private static TimeSpan Seconds(IConfiguration configuration, string key, double fallback)
    {
        var text = configuration[$"{Section}:{key}"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.FromSeconds(fallback);
        }

        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
               && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidOperationException($"Configuration {Section}:{key} must be a number of seconds between 0 and 3600.");
    }
}
