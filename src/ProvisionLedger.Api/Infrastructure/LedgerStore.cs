using JasperFx;
using JasperFx.Events;
using Marten;
using Weasel.Core;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Marten's settings for the ledger: one event store, string stream keys from natural keys, full metadata. Each feature's
/// <c>Configuration</c> adds its events, documents and projections (<c>LedgerFeatures.ConfigureStore</c>).
/// </summary>
public static class LedgerStore
{
    public const string Schema = "ledger";

    /// <summary>
    /// The application name the service's store connects with (unless the connection string names one): operators see
    /// the service's sessions in <c>pg_stat_activity</c>, and the CLI's <c>rebuild</c> refuses while they are there.
    /// </summary>
    public const string ServiceApplicationName = "provision-ledger";

    /// <summary><paramref name="connectionString"/> with <see cref="ServiceApplicationName"/> when it names no application.</summary>
    public static string ForService(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ServiceApplicationName;
        }

        return builder.ConnectionString;
    }

    public static void ApplySettings(StoreOptions opts, string connectionString)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.Events.StreamIdentity = StreamIdentity.AsString;

        // An audit ledger keeps who recorded each event, for which request, and the request's headers.
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;

        opts.UseSystemTextJsonForSerialization(enumStorage: EnumStorage.AsString, casing: Casing.CamelCase);
    }
}
