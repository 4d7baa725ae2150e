using Microsoft.Extensions.Configuration;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Tests.Nodes;

/// <summary>The <c>Ledger:Nodes</c> settings: defaults that move work off a dead node within 5 s, and refusals that name the key.</summary>
public sealed class NodeSettingsTests
{
    private static NodeSettings From(params (string Key, string Value)[] given) =>
        NodeSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(given.Select(g => new KeyValuePair<string, string?>($"{NodeSettings.Section}:{g.Key}", g.Value)))
            .Build());

    [Fact]
    public void By_default_a_node_beats_every_half_second_and_is_dead_after_two()
    {
        var settings = From();
        var durability = new Wolverine.WolverineOptions().Durability;

        settings.ApplyTo(durability);

        durability.HealthCheckPollingTime.Should().Be(TimeSpan.FromSeconds(0.5));
        durability.StaleNodeTimeout.Should().Be(TimeSpan.FromSeconds(2));
        durability.CheckAssignmentPeriod.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Settings_are_read_in_seconds_with_a_decimal_point()
    {
        From(("HeartbeatSeconds", "1.5"), ("StaleAfterSeconds", "6")).Should().Be(
            new NodeSettings(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("HeartbeatSeconds", "soon")]
    [InlineData("StaleAfterSeconds", "0")]
    [InlineData("CheckAssignmentsSeconds", "-1")]
    public void A_setting_that_is_not_a_positive_number_of_seconds_stops_the_start_naming_it(string key, string value)
    {
        var start = () => From((key, value));

        start.Should().Throw<InvalidOperationException>().WithMessage($"*{NodeSettings.Section}:{key}*");
    }

    [Fact]
    public void A_stale_limit_under_two_heartbeats_is_refused_since_one_late_beat_would_move_a_live_nodes_work()
    {
        var start = () => From(("HeartbeatSeconds", "2"), ("StaleAfterSeconds", "3"));

        start.Should().Throw<InvalidOperationException>().WithMessage("*StaleAfterSeconds*twice*HeartbeatSeconds*");
    }
}
