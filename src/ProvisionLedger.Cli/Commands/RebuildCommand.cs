using System.CommandLine;
using System.Globalization;
using Marten;
using Npgsql;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Cli.Output;

namespace ProvisionLedger.Cli.Commands;

/// <summary>
/// <c>rebuild</c>: every read model (the three parties' copies, the Mynaportal entries, the linkage index, incidents, the
/// usage statistics …) emptied and rebuilt from the events in one pass (<see cref="ReadModelRebuild"/>). The events are
/// only read. It refuses while a service node is alive on the database, since an event appended during the rebuild could
/// be missed.
/// </summary>
public static class RebuildCommand
{
    /// <summary>A node whose heartbeat is younger than this is taken to be serving.</summary>
    public static readonly TimeSpan LiveNode = TimeSpan.FromSeconds(30);

    public static Command Create(CliConsole console)
    {
        var connection = CommonOptions.Connection();
        var admin = new Option<string?>("--admin-connection")
        {
            Description = "The schema owner's login (ConnectionStrings:LedgerAdmin), which empties the read-model tables; " +
                          "default: --connection, which must then own them",
        };
        var pageSize = CommonOptions.WholeNumber("--page-size", "Events replayed per page and commit (default 10000)");
        var command = new Command("rebuild",
            "Rebuild every read model from the events (stop the service first: it refuses while a service node is alive).")
        {
            connection, admin, pageSize,
        };
        command.SetAction(async (parse, ct) =>
        {
            var size = parse.GetValue(pageSize) ?? 10_000;
            if (size is < 1 or > 100_000)
            {
                throw new CliException("--page-size must be between 1 and 100000");
            }

            var cs = parse.GetRequiredValue(connection);
            await using (var probe = NpgsqlDataSource.Create(cs))
            {
                await EnsureNoLiveNodeAsync(probe, ct);
            }

            await using var owner = parse.GetValue(admin) is { } adminCs ? NpgsqlDataSource.Create(adminCs) : null;
            await using var store = DocumentStore.For(o => LedgerFeatures.ConfigureStore(o, cs));
            var result = await ReadModelRebuild.RunAsync(store, owner, (int)size, ct);
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"rebuilt {result.Projections.Count} projection(s) from {result.Events:N0} event(s) in {result.Elapsed.TotalSeconds:0.0} s " +
                $"({result.EventsPerSecond:N0} events/s): {string.Join(", ", result.Projections)}"));
            return ExitCodes.Intact;
        });
        return command;
    }

    /// <summary>
    /// Refuses when the ledger's tables are missing, when the service's store is connected to the database (its sessions
    /// carry <see cref="LedgerStore.ServiceApplicationName"/>), or when a service node wrote a heartbeat into Wolverine's
    /// node table within <see cref="LiveNode"/> (a node that stopped cleanly removes its row).
    /// </summary>
    private static async Task EnsureNoLiveNodeAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using (var ledger = dataSource.CreateCommand($"select to_regclass('{LedgerStore.Schema}.mt_streams') is not null"))
        {
            if (await ledger.ExecuteScalarAsync(ct) is not true)
            {
                throw new CliException($"the database has no ledger ({LedgerStore.Schema}.mt_streams does not exist): is --connection the ledger's database?");
            }
        }

        await using (var sessions = dataSource.CreateCommand(
                         "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() " +
                         "and application_name = @name"))
        {
            sessions.Parameters.AddWithValue("name", LedgerStore.ServiceApplicationName);
            if ((long)(await sessions.ExecuteScalarAsync(ct))! is var count and > 0)
            {
                throw new CliException(
                    $"the service is connected to this database ({count} session(s) named {LedgerStore.ServiceApplicationName}): stop the service " +
                    "before rebuilding (an event appended during the rebuild could be missed)");
            }
        }

        await using (var nodes = dataSource.CreateCommand($"select to_regclass('{LedgerStore.Schema}.wolverine_nodes') is not null"))
        {
            if (await nodes.ExecuteScalarAsync(ct) is not true)
            {
                return;
            }
        }

        await using var live = dataSource.CreateCommand(
            $"select count(*) from {LedgerStore.Schema}.wolverine_nodes where health_check > now() - @window");
        live.Parameters.AddWithValue("window", LiveNode);
        if ((long)(await live.ExecuteScalarAsync(ct))! is var nodeCount and > 0)
        {
            throw new CliException(
                $"{nodeCount} service node(s) wrote a heartbeat within the last {LiveNode.TotalSeconds:0} s: stop the service before rebuilding " +
                "(an event appended during the rebuild could be missed)");
        }
    }
}
