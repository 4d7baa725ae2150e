using Microsoft.AspNetCore.Hosting;
using Npgsql;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// The service runs on a runtime login that owns nothing (ConnectionStrings:Ledger) while an owner login
/// (ConnectionStrings:LedgerAdmin) applies the schema: what the service needs works, and every way of changing the
/// evidence with the runtime login alone is refused by the database.
/// </summary>
public sealed class RuntimeLoginTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>
{
    [Theory]
    [InlineData("update ledger.mt_events set user_name = 'someone-else'")]
    [InlineData("update ledger.mt_events set data = data")]
    [InlineData("delete from ledger.mt_events")]
    [InlineData("truncate ledger.mt_events")]
    [InlineData("alter table ledger.mt_events disable trigger audit_guard")]
    [InlineData("alter table ledger.mt_events disable trigger all")]
    [InlineData("drop trigger audit_guard on ledger.mt_events")]
    [InlineData("drop table ledger.mt_events cascade")]
    [InlineData("create or replace function ledger.audit_guard_events() returns trigger language plpgsql as $$ begin return new; end $$")]
    [InlineData("delete from ledger.audit_checkpoints")]
    [InlineData("update ledger.audit_checkpoints set sequence = 0")]
    [InlineData("truncate ledger.audit_checkpoints")]
    [InlineData("delete from ledger.audit_chain")]
    [InlineData("update ledger.audit_chain set link = link")]
    [InlineData("truncate ledger.audit_chain")]
    [InlineData("insert into ledger.audit_chain (position, seq_id, event_id, event_digest, link) values (1000000, 1000000, gen_random_uuid(), '\\x00', '\\x00')")]
    [InlineData("delete from ledger.audit_seals")]
    [InlineData("update ledger.audit_chain_installation set sealed_from_seq = 1000000")]
    [InlineData("alter table ledger.audit_chain owner to current_user")]
    [InlineData("set session_replication_role = replica")]
    public async Task The_runtime_login_cannot_change_or_remove_evidence(string sql)
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        var events = await api.EventCountAsync();

        var act = () => RunAsRuntimeAsync(sql);

        (await act.Should().ThrowAsync<PostgresException>(sql)).Which.SqlState.Should().BeOneOf(
            PostgresErrorCodes.InsufficientPrivilege, PostgresErrorCodes.DependentObjectsStillExist);
        (await api.EventCountAsync()).Should().Be(events);
    }

    [Fact]
    public async Task The_runtime_login_owns_nothing_and_may_only_add_events_and_mark_them_archived()
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await using var connection = new NpgsqlConnection(api.Database.Runtime);
        await connection.OpenAsync();
        await using var owned = new NpgsqlCommand(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'ledger' and c.relowner = " +
            "(select oid from pg_roles where rolname = current_user)", connection);

        ((long)(await owned.ExecuteScalarAsync())!).Should().Be(0);
        await using var archive = new NpgsqlCommand("update ledger.mt_events set is_archived = true where false", connection);
        await archive.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task An_event_inserted_with_the_runtime_login_alone_is_located_by_verify_as_unsealed()
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        var publicKey = await api.As(Api.Infrastructure.Roles.Auditor).GetStringAsync("/api/v1/audit/public-key");
        await RunAsRuntimeAsync(
            "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name) " +
            "select nextval('ledger.mt_events_sequence'), gen_random_uuid(), stream_id, " +
            "(select max(version) + 1 from ledger.mt_events m where m.stream_id = e.stream_id), data, type, timestamp, tenant_id, mt_dotnet_type, headers, " +
            "'institution:131016:someone-else' from ledger.mt_events e where seq_id = (select min(seq_id) from ledger.mt_events)");
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var last = new NpgsqlCommand("select max(seq_id) from ledger.mt_events", connection);
        var forged = (long)(await last.ExecuteScalarAsync())!;
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, publicKey);
        try
        {
            var stdout = new StringWriter();
            var exit = await Cli.CliApp.RunAsync(["verify", "--connection", api.ConnectionString, "--public-key", keyFile], stdout, stdout);

            exit.Should().Be(1, stdout.ToString());
            stdout.ToString().Should().Contain($"first: unsealed: seq {forged}");
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    private async Task RunAsRuntimeAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.Database.Runtime);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>ConnectionStrings:Ledger alone (no owner login): the service still starts and applies its schema, with a warning.</summary>
public sealed class SingleLoginTests(SingleLoginTests.SingleLoginApi api) : IClassFixture<SingleLoginTests.SingleLoginApi>
{
    [Fact]
    public async Task The_service_starts_on_one_login_and_warns_that_it_owns_its_tables()
    {
        var answer = await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());

        answer.LinkageId.Should().NotBeNullOrEmpty();
        api.Logs.Contain("ConnectionStrings:LedgerAdmin is not set").Should().BeTrue();
    }

    public sealed class SingleLoginApi : LedgerApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ConnectionStrings:Ledger", Database.Owner);
            builder.UseSetting("ConnectionStrings:LedgerAdmin", "");
        }
    }
}

/// <summary>With an owner login set, a runtime login that could change the evidence stops the service at start.</summary>
public sealed class OverPrivilegedLoginTests
{
    [Fact]
    public async Task The_service_refuses_to_start_when_the_runtime_login_owns_the_tables()
    {
        var api = new OverPrivilegedApi();
        try
        {
            var act = () => ((IAsyncLifetime)api).InitializeAsync();

            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should()
                .Contain("least-privileged").And.Contain("owns the schema ledger");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    private sealed class OverPrivilegedApi : LedgerApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ConnectionStrings:Ledger", Database.Owner);
        }
    }
}
