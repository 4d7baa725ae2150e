using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Incidents.Confirming;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Integrity.Storage;
using ProvisionLedger.Tests.Auditing;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Parties;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// A confirmation over hundreds of records: every record's correction (and attribution) lands once, at the next versions
/// of its stream, sealed like every other event; a record written to while the confirmation is decided or written never
/// loses or doubles an event.
/// </summary>
public sealed class ConfirmingManyRecordsTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private const string A = Institutions.Chiyoda;
    private const string B = Institutions.Sapporo;
    private const string C = Institutions.Shinjuku;
    private static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");
    private static readonly DateTimeOffset DiscoveredAt = Jst("2025-07-01T10:00:00+09:00");

    private sealed record Incident(string LinkageId, string Tag, string W, string T, int Records)
    {
        /// <summary>Even i: A asks B (A as inquirer). Odd i: C asks A, and A provides (A as provider).</summary>
        public string ExchangeId(int i) => $"NWS-{Tag}-{i:D5}";
    }

    /// <summary>A wrongly linked record of A, and <paramref name="records"/> exchanges made under it, recorded through the bulk route.</summary>
    private async Task<Incident> WrongLinkageWithRecordsAsync(string tag, int records)
    {
        var (w, t) = (MyNumbers.Next(), MyNumbers.Next());
        var (aRecord, bRecord, cRecord) = (LinkageScenarios.NewLocalRecordId(), LinkageScenarios.NewLocalRecordId(), LinkageScenarios.NewLocalRecordId());
        var linkageId = (await api.LinkAsync(A, aRecord, w, At(LinkedAt, ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
        await api.LinkAsync(B, bRecord, w, At(LinkedAt.AddDays(-30)));
        await api.LinkAsync(C, cRecord, w, At(LinkedAt.AddDays(-30)));
        var incident = new Incident(linkageId, tag, w, t, records);
        var batch = new JsonArray();
        for (var i = 0; i < records; i++)
        {
            var asInquirer = i % 2 == 0;
            var requestedAt = LinkedAt.AddMinutes(10 + i);
            batch.Add(new JsonObject
            {
                ["inquiry"] = new JsonObject
                {
                    ["exchangeId"] = incident.ExchangeId(i), ["inquirerCode"] = asInquirer ? A : C, ["providerCode"] = asInquirer ? B : A,
                    ["procedureCode"] = asInquirer ? "74" : "57", ["infoItemCode"] = asInquirer ? "2" : "1",
                    ["inquirerLocalRecordId"] = asInquirer ? aRecord : cRecord, ["requestedAt"] = requestedAt,
                },
                ["provision"] = new JsonObject
                {
                    ["providerLocalRecordId"] = asInquirer ? bRecord : aRecord, ["providedAt"] = requestedAt.AddSeconds(3), ["result"] = "provided",
                    ["payloadDigest"] = Digest('a'),
                },
            });
        }

        var response = await api.As(Roles.Nws).PostJsonAsync("/api/v1/exchanges/batch", new JsonObject { ["records"] = batch });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return incident;
    }

    private Task<HttpResponseMessage> CorrectAsync(Incident incident, int i, string note) =>
        api.Institution(i % 2 == 0 ? A : C).PostJsonAsync($"/api/v1/exchanges/{incident.ExchangeId(i)}/corrections", new
        {
            kind = "other", note, by = "clerk-1", occurredAt = LinkedAt.AddDays(1),
        });

    /// <summary>Every event of the incident's exchange streams: per stream its versions and event types, in version order.</summary>
    private async Task<Dictionary<string, (long[] Versions, string[] Types, long StreamVersion)>> StreamsAsync(Incident incident)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select e.stream_id, array_agg(e.version order by e.version), array_agg(e.type order by e.version), max(s.version) " +
            "from ledger.mt_events e join ledger.mt_streams s on s.id = e.stream_id where e.stream_id like @prefix group by e.stream_id", connection);
        command.Parameters.AddWithValue("prefix", $"exchange:NWS-{incident.Tag}-%");
        var streams = new Dictionary<string, (long[], string[], long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            streams[reader.GetString(0)["exchange:".Length..]] = (reader.GetFieldValue<long[]>(1), reader.GetFieldValue<string[]>(2), reader.GetInt64(3));
        }

        return streams;
    }

    private static void EachStreamIsConsecutive(Dictionary<string, (long[] Versions, string[] Types, long StreamVersion)> streams)
    {
        foreach (var (id, (versions, _, streamVersion)) in streams)
        {
            versions.Should().Equal(Enumerable.Range(1, versions.Length).Select(v => (long)v), $"{id}'s events have consecutive versions from 1");
            streamVersion.Should().Be(versions.Length, $"{id}'s stream version is its last event's");
        }
    }

    [Fact]
    public async Task Every_record_of_a_large_confirmation_gets_its_correction_once_at_its_streams_next_version_sealed_like_any_event()
    {
        var incident = await WrongLinkageWithRecordsAsync("MANY", 400);
        (await CorrectAsync(incident, 0, "an earlier correction")).StatusCode.Should().Be(HttpStatusCode.Created);
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(incident.LinkageId, Confirmation(DiscoveredAt, incident.T));

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await api.EventCountAsync()).Should().Be(before + 3 + 400 + 200, "the end, the re-link, the incident, 400 corrections and 200 attributions");
        var streams = await StreamsAsync(incident);
        streams.Should().HaveCount(400);
        EachStreamIsConsecutive(streams);
        for (var i = 0; i < 400; i++)
        {
            var types = streams[incident.ExchangeId(i)].Types;
            types.Count(x => x == "correction_appended").Should().Be(i == 0 ? 2 : 1, "one mis-linkage correction per record");
            types.Count(x => x == "record_attributed_to_subject").Should().Be(i % 2 == 1 ? 1 : 0, "A's provisions are attributed to the true owner");
        }

        var first = await api.NwsCopyAsync(incident.ExchangeId(0));
        first.Corrections.Select(c => c.Kind).Should().Equal("other", "mis-linkage");
        (await api.NwsCopyAsync(incident.ExchangeId(399))).Corrections.Should().ContainSingle().Which.Kind.Should().Be("mis-linkage");
        var tsView = await api.ViewPortalAsync(incident.T);
        tsView.Items.Should().HaveCount(100, "the true owner now sees the 200 records whose information was theirs (first page of 100)");
        var trace = await (await api.As(Roles.Auditor).GetAsync($"/api/v1/incidents/{(await response.ReadJsonAsync<IncidentAnswer>()).IncidentId}/trace"))
            .ReadJsonAsync<TraceAnswer>();
        trace.AffectedRecordCount.Should().Be(400);

        // The rows look as Marten writes them (the earlier correction went through Marten), and every event is sealed.
        await using (var connection = await api.OpenAsync())
        await using (var columns = new NpgsqlCommand(
                         "select count(distinct (type, mt_dotnet_type, tenant_id, user_name, headers, is_archived)) " +
                         "from ledger.mt_events where stream_id like 'exchange:NWS-MANY-%' and type = 'correction_appended'", connection))
        {
            ((long)(await columns.ExecuteScalarAsync())!).Should().Be(1,
                "the set-based rows carry the type name, .NET type, tenant, user and headers Marten wrote for the same institution's correction");
        }

        await api.WaitForChainAsync();
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        var report = await new AuditDatabase().VerifyAsync(dataSource);
        report.Intact.Should().BeTrue(report.Summary());
    }

    [Fact]
    public async Task A_record_written_after_the_decision_makes_the_write_fail_with_nothing_written_and_deciding_again_keeps_both()
    {
        var incident = await WrongLinkageWithRecordsAsync("RACE", 6);
        var command = new ConfirmMisLinkage(DiscoveredAt, "staff-3", "cause", incident.T, null);
        await using var connection = api.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var session = api.Store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: true));
        var (_, plan) = await ConfirmMisLinkageEndpoint.DecideAsync(session, new Actor(Roles.IncidentResponder, null, "test"), incident.LinkageId, command,
            "fingerprint", api.Services.GetRequiredService<SubjectKeys>(), api.Services.GetRequiredService<CodeRegistry>(), DateTimeOffset.UtcNow);
        (await CorrectAsync(incident, 3, "written meanwhile")).StatusCode.Should().Be(HttpStatusCode.Created);
        var before = await api.EventCountAsync();

        var write = () => ConfirmMisLinkageEndpoint.WriteAsync(plan!, session, transaction);

        (await write.Should().ThrowAsync<Exception>()).Which.Should().Match<Exception>(e => Concurrency.IsConflict(e), "the record moved since the decision");
        (await api.EventCountAsync()).Should().Be(before, "nothing of the confirmation was written");
        await transaction.RollbackAsync();
        var confirmed = await api.Institution(A).ConfirmMisLinkageAsync(incident.LinkageId, Confirmation(DiscoveredAt, incident.T));
        confirmed.StatusCode.Should().Be(HttpStatusCode.Created, "decided again, against the record as it is now");
        var streams = await StreamsAsync(incident);
        EachStreamIsConsecutive(streams);
        (await api.NwsCopyAsync(incident.ExchangeId(3))).Corrections.Select(c => c.Kind).Should().Equal("other", "mis-linkage");
        streams[incident.ExchangeId(3)].Types.Should().Equal("inquiry_made", "information_provided", "correction_appended", "correction_appended", "record_attributed_to_subject");
    }

    [Fact]
    public async Task Corrections_racing_a_confirmation_all_land_once_and_the_confirmation_lands_once_or_not_at_all()
    {
        var incident = await WrongLinkageWithRecordsAsync("RUSH", 200);
        var corrections = Enumerable.Range(0, 40).Select(i => CorrectAsync(incident, i * 5, $"racing correction {i}")).ToList();

        var confirmation = api.Institution(A).ConfirmMisLinkageAsync(incident.LinkageId, Confirmation(DiscoveredAt, incident.T));
        await Task.WhenAll([.. corrections, confirmation]);

        (await Task.WhenAll(corrections)).Select(r => r.StatusCode).Should().OnlyContain(s => s == HttpStatusCode.Created);
        var confirmed = (await confirmation).StatusCode;
        confirmed.Should().BeOneOf([HttpStatusCode.Created, HttpStatusCode.Conflict], "lost races are decided again, and a 409 after that writes nothing");
        var streams = await StreamsAsync(incident);
        EachStreamIsConsecutive(streams);
        for (var i = 0; i < 200; i++)
        {
            var types = streams[incident.ExchangeId(i)].Types;
            types.Count(x => x == "correction_appended").Should().Be((i % 5 == 0 ? 1 : 0) + (confirmed == HttpStatusCode.Created ? 1 : 0), incident.ExchangeId(i));
        }
    }
}
