using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using NpgsqlTypes;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.Subjects;
using Weasel.Core;

namespace ProvisionLedger.Bench;

/// <summary>
/// What the same events cost without the service: plain Marten (same event types, metadata and serializer as the ledger's
/// store, but its own schema and no projections), and raw binary COPY into a plain table shaped like Marten's event table.
/// </summary>
public sealed class Baselines : IAsyncDisposable
{
    public const string PlainSchema = "bench_plain";
    public const string CopySchema = "bench_copy";

    private readonly DocumentStore _plain;
    private readonly BenchDatabase _database;
    private readonly Population _population;

    public Baselines(BenchDatabase database, Population population)
    {
        _database = database;
        _population = population;
        _plain = DocumentStore.For(opts =>
        {
            opts.Connection(database.ConnectionString);
            opts.DatabaseSchemaName = PlainSchema;
            opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            opts.Events.StreamIdentity = StreamIdentity.AsString;
            opts.Events.MetadataConfig.CorrelationIdEnabled = true;
            opts.Events.MetadataConfig.CausationIdEnabled = true;
            opts.Events.MetadataConfig.HeadersEnabled = true;
            opts.Events.MetadataConfig.UserNameEnabled = true;
            opts.UseSystemTextJsonForSerialization(enumStorage: EnumStorage.AsString, casing: Casing.CamelCase);
            opts.Events.AddEventTypes([
                typeof(SubjectLinked), typeof(InquiryMade), typeof(InformationProvided), typeof(CorrectionAppended),
                typeof(NonDisclosureSet), typeof(NonDisclosureLifted), typeof(DvProtectionRegistered), typeof(RecordsViewed),
            ]);
        });
    }

    public async Task PrepareAsync()
    {
        await _plain.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await _database.ExecuteAsync($"""
            create schema if not exists {CopySchema};
            drop table if exists {CopySchema}.events;
            create table {CopySchema}.events (
                seq_id bigint not null, id uuid not null, stream_id text not null, version bigint not null, data jsonb not null,
                type varchar not null, timestamp timestamptz not null, tenant_id varchar not null, mt_dotnet_type varchar,
                correlation_id varchar, causation_id varchar, headers jsonb, user_name varchar);
            """);
    }

    /// <summary>
    /// The HTTP run's events, one event per transaction from several clients: an exchange is its inquiry's transaction,
    /// its provision's, and for a few a correction's.
    /// </summary>
    public async Task<(PhaseResult, Latencies)> OneEventPerTransactionAsync(string series, int count, int clients, Func<int, int> personOf)
    {
        var latencies = new Latencies();
        var result = await Load.RunAsync("plain Marten, 1 event/tx", count, clients, async unit =>
        {
            var plan = _population.Exchange(series, unit, personOf(unit));
            var events = _population.Events(plan, withCorrection: true);
            var key = ExchangeKeys.Stream(plan.ExchangeId);
            for (var i = 0; i < events.Count; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await using var session = Open(i == 0 ? plan.Inquiry.InquirerCode! : plan.Inquiry.ProviderCode!);
                if (i == 0)
                {
                    session.Events.StartStream(key, events[0]);
                }
                else
                {
                    session.Events.Append(key, events[i]);
                }

                await session.SaveChangesAsync();
                latencies.Add(i switch { 0 => "inquiry", 1 => "provision", _ => "correction" }, start);
            }
        });
        return (result, latencies);
    }

    /// <summary>Many new streams (inquiry + provision each) per transaction, as the bulk path writes them.</summary>
    public async Task<(PhaseResult, Latencies)> BatchAsync(string series, int count, int batchSize, int clients, Func<int, int> personOf)
    {
        var latencies = new Latencies();
        var batches = (count + batchSize - 1) / batchSize;
        var result = await Load.RunAsync($"plain Marten, batches of {batchSize}", batches, clients, async batch =>
        {
            var first = batch * batchSize;
            var plans = Enumerable.Range(first, Math.Min(batchSize, count - first)).Select(i => _population.Exchange(series, i, personOf(i))).ToList();
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var session = Open(null);
            foreach (var plan in plans)
            {
                session.Events.StartStream(ExchangeKeys.Stream(plan.ExchangeId), [.. _population.Events(plan, withCorrection: false)]);
            }

            await session.SaveChangesAsync();
            latencies.Add($"batch of {batchSize}", start);
        });
        return (result with { Units = count }, latencies);
    }

    /// <summary>The same rows as the batch appends, serialized the same way, by binary COPY into a table with no index.</summary>
    public async Task<(PhaseResult, Latencies)> CopyAsync(string series, int count, int batchSize, int clients, Func<int, int> personOf)
    {
        var latencies = new Latencies();
        var batches = (count + batchSize - 1) / batchSize;
        var serializer = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var headers = JsonSerializer.Serialize(new Dictionary<string, object> { ["role"] = Roles.Nws });
        var result = await Load.RunAsync($"raw binary COPY, {batchSize} per COPY", batches, clients, async batch =>
        {
            var first = batch * batchSize;
            var plans = Enumerable.Range(first, Math.Min(batchSize, count - first)).Select(i => _population.Exchange(series, i, personOf(i))).ToList();
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var connection = await _database.Data.OpenConnectionAsync();
            await using (var import = await connection.BeginBinaryImportAsync(
                             $"copy {CopySchema}.events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, " +
                             "correlation_id, causation_id, headers, user_name) from stdin (format binary)"))
            {
                var correlation = Guid.NewGuid().ToString("n");
                var seq = (long)first * 2;
                foreach (var plan in plans)
                {
                    var version = 0;
                    foreach (var e in _population.Events(plan, withCorrection: false))
                    {
                        await import.StartRowAsync();
                        await import.WriteAsync(++seq, NpgsqlDbType.Bigint);
                        await import.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                        await import.WriteAsync(ExchangeKeys.Stream(plan.ExchangeId), NpgsqlDbType.Text);
                        await import.WriteAsync((long)++version, NpgsqlDbType.Bigint);
                        await import.WriteAsync(JsonSerializer.Serialize(e, e.GetType(), serializer), NpgsqlDbType.Jsonb);
                        await import.WriteAsync(e is InquiryMade ? "inquiry_made" : "information_provided", NpgsqlDbType.Varchar);
                        await import.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz);
                        await import.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar);
                        await import.WriteAsync(e.GetType().FullName!, NpgsqlDbType.Varchar);
                        await import.WriteAsync(correlation, NpgsqlDbType.Varchar);
                        await import.WriteNullAsync();
                        await import.WriteAsync(headers, NpgsqlDbType.Jsonb);
                        await import.WriteAsync("nws:bench", NpgsqlDbType.Varchar);
                    }
                }

                await import.CompleteAsync();
            }

            latencies.Add($"COPY of {batchSize}", start);
        });
        return (result with { Units = count }, latencies);
    }

    private IDocumentSession Open(string? institution)
    {
        // The same metadata LedgerSessions stamps on the service's writes.
        var session = _plain.LightweightSession();
        session.LastModifiedBy = institution is null ? "nws:bench" : $"institution:{institution}:bench";
        session.CorrelationId = Guid.NewGuid().ToString("n");
        session.SetHeader("role", institution is null ? Roles.Nws : Roles.Institution);
        if (institution is not null)
        {
            session.SetHeader("inst", institution);
        }

        return session;
    }

    public async ValueTask DisposeAsync() => await _plain.DisposeAsync();
}
