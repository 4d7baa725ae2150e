using System.Net;
using ProvisionLedger.Tests.Auditing;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Health;

public sealed record ReadinessAnswer(string Status, string Database, Dictionary<string, long> ProjectionLag, long? ChainLag, string CheckpointKey);

public sealed class ReadinessTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>
{
    [Fact]
    public async Task Live_answers_200_without_a_token()
    {
        var response = await api.Anonymous().GetAsync("/health/live");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_answers_200_without_a_token_when_the_database_takes_writes_and_background_work_is_current()
    {
        var response = await api.Anonymous().GetAsync("/health/ready");

        await response.ShouldBeAsync(HttpStatusCode.OK, "the database is writable and a checkpoint key is configured");
        var answer = await response.ReadJsonAsync<ReadinessAnswer>();
        answer.Should().BeEquivalentTo(new { Status = "ready", Database = "writable", CheckpointKey = "configured", ChainLag = 0L });
        response.Headers.RetryAfter.Should().BeNull();
    }
}

public sealed class ReadinessWithoutCheckpointKeyTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task Ready_answers_503_naming_the_missing_checkpoint_key()
    {
        var response = await api.Anonymous().GetAsync("/health/ready");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.Should().NotBeNull();
        var answer = await response.ReadJsonAsync<ReadinessAnswer>();
        answer.Should().BeEquivalentTo(new { Status = "unavailable", Database = "writable", CheckpointKey = "missing" });
    }
}
