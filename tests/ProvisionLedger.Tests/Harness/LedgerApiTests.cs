using Marten;
using Npgsql;

namespace ProvisionLedger.Tests.Harness;

/// <summary>The harness itself: if these fail, every other result is suspect.</summary>
public sealed class LedgerApiTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task The_service_writes_to_the_database_of_this_test_class()
    {
        await using var connection = api.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();

        connection.Database.Should().Be(new NpgsqlConnectionStringBuilder(api.ConnectionString).Database)
            .And.StartWith("t_", "a test must never write to the embedded ledger or to a database it did not create");
    }
}
