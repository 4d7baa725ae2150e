using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;
using ProvisionLedger.Tests.Parties;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.Tests.Exchanges;

public sealed record BatchResult(string ExchangeId, string Status);

public sealed record BatchAnswer(int Recorded, int AlreadyRecorded, IReadOnlyList<BatchResult> Results);

/// <summary>
/// POST /api/v1/exchanges/batch: many exchanges in one request, all or nothing, each by the rules of the single routes.
/// </summary>
public sealed class RecordingBatchTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private const string Route = "/api/v1/exchanges/batch";

    private HttpClient Nws => api.As(Roles.Nws);

    /// <summary>An inquiry about the person, answered by the provider, on the given day after the base time.</summary>
    private JsonObject Answered(int day) => new()
    {
        ["inquiry"] = ExchangeScenarios.InquiryRequest(api.Person, requestedAt: ExchangeScenarios.RequestedAt.AddDays(day)),
        ["provision"] = ExchangeScenarios.ProvisionRequest(api.Person, ExchangeScenarios.RequestedAt.AddDays(day).AddMinutes(1)),
    };

    private JsonObject Unanswered(int day) => new()
    {
        ["inquiry"] = ExchangeScenarios.InquiryRequest(api.Person, requestedAt: ExchangeScenarios.RequestedAt.AddDays(day)),
    };

    /// <summary>A batch of copies of the records, so that one record may be sent in several batches.</summary>
    private static JsonObject Batch(params JsonObject[] records) => new() { ["records"] = new JsonArray([.. records.Select(r => r.DeepClone())]) };

    private static string IdOf(JsonObject record) => record["inquiry"]!["exchangeId"]!.GetValue<string>();

    private static async Task<bool> ExistsAsync(LedgerApi api, string exchangeId) =>
        (await api.As(Roles.Nws).AllAsync(PartyScenarios.NwsRecords)).Any(c => c.ExchangeId == exchangeId);

    [Fact]
    public async Task The_network_system_records_a_batch_of_inquiries_and_provisions_at_once()
    {
        var records = new[] { Answered(0), Unanswered(1), Answered(2) };
        var before = await api.EventCountAsync();

        var response = await Nws.PostJsonAsync(Route, Batch(records));

        await response.ShouldBeAsync(HttpStatusCode.Created, "a valid batch is recorded");
        (await response.ReadJsonAsync<BatchAnswer>()).Should().BeEquivalentTo(
            new BatchAnswer(3, 0, records.Select(r => new BatchResult(IdOf(r), "recorded")).ToList()), o => o.WithStrictOrdering());
        (await api.EventCountAsync()).Should().Be(before + 5, "three inquiries and two provisions");
        (await api.NwsCopyAsync(IdOf(records[0]))).Result.Should().Be("provided");
        (await api.NwsCopyAsync(IdOf(records[1]))).Result.Should().BeNull();
        (await api.ProviderCopyAsync(api.Person, IdOf(records[2]))).LocalRecordId.Should().Be(api.Person.ProviderRecordId);
    }

    [Fact]
    public async Task A_batch_records_exchanges_exactly_as_the_single_routes_do()
    {
        var batched = Answered(0);
        var single = Answered(0);
        await (await Nws.PostJsonAsync(Route, Batch(batched))).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");
        await (await Nws.PostInquiryAsync(single["inquiry"]!.AsObject())).ShouldBeAsync(HttpStatusCode.Created, "the inquiry is recorded");
        await (await Nws.PostProvisionAsync(IdOf(single), single["provision"]!.AsObject())).ShouldBeAsync(HttpStatusCode.Created, "the provision is recorded");

        var exclude = (PartyCopy c) => c with { ExchangeId = "" };
        exclude(await api.NwsCopyAsync(IdOf(batched))).Should().BeEquivalentTo(exclude(await api.NwsCopyAsync(IdOf(single))));
        exclude(await api.InquirerCopyAsync(api.Person, IdOf(batched))).Should().BeEquivalentTo(exclude(await api.InquirerCopyAsync(api.Person, IdOf(single))));
        exclude(await api.ProviderCopyAsync(api.Person, IdOf(batched))).Should().BeEquivalentTo(exclude(await api.ProviderCopyAsync(api.Person, IdOf(single))));
    }

    [Fact]
    public async Task A_batch_gives_the_person_the_same_portal_entries_and_the_parties_the_same_copies_as_the_single_routes()
    {
        var person = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        JsonObject Exchange(int minutes) => new()
        {
            ["inquiry"] = ExchangeScenarios.InquiryRequest(person, requestedAt: ExchangeScenarios.RequestedAt.AddMinutes(minutes)),
            ["provision"] = ExchangeScenarios.ProvisionRequest(person, ExchangeScenarios.RequestedAt.AddMinutes(minutes + 1)),
        };
        var batched = new[] { Exchange(0), Exchange(10), Exchange(20) };
        var single = new[] { Exchange(0), Exchange(10), Exchange(20) };
        await (await Nws.PostJsonAsync(Route, Batch(batched))).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");
        foreach (var record in single)
        {
            await (await Nws.PostInquiryAsync(record["inquiry"]!.AsObject())).ShouldBeAsync(HttpStatusCode.Created, "the inquiry is recorded");
            await (await Nws.PostProvisionAsync(IdOf(record), record["provision"]!.AsObject())).ShouldBeAsync(HttpStatusCode.Created, "the provision is recorded");
        }

        var view = (await api.WalkPortalAsync(person.MyNumber, pageSize: 50)).SelectMany(p => p.Items).ToList();
        view.Should().HaveCount(6, "each exchange, batched or not, is one entry of the person's view");
        var entries = view.Select(r => r with { RecordId = "" }).ToList();
        entries.Where((_, i) => i % 2 == 0).Should().BeEquivalentTo(entries.Where((_, i) => i % 2 == 1), o => o.WithStrictOrdering(), "a batched exchange's entry equals its single-route twin");
        var exclude = (PartyCopy c) => c with { ExchangeId = "" };
        for (var i = 0; i < batched.Length; i++)
        {
            exclude(await api.NwsCopyAsync(IdOf(batched[i]))).Should().BeEquivalentTo(exclude(await api.NwsCopyAsync(IdOf(single[i]))));
            exclude(await api.InquirerCopyAsync(person, IdOf(batched[i]))).Should().BeEquivalentTo(exclude(await api.InquirerCopyAsync(person, IdOf(single[i]))));
            exclude(await api.ProviderCopyAsync(person, IdOf(batched[i]))).Should().BeEquivalentTo(exclude(await api.ProviderCopyAsync(person, IdOf(single[i]))));
        }
    }

    [Fact]
    public async Task A_batch_about_a_protected_person_leaves_no_trace_in_the_portal_view_but_the_parties_keep_their_copies()
    {
        var person = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await api.ProtectAsync(person.MyNumber);
        var record = new JsonObject
        {
            ["inquiry"] = ExchangeScenarios.InquiryRequest(person),
            ["provision"] = ExchangeScenarios.ProvisionRequest(person),
        };

        await (await Nws.PostJsonAsync(Route, Batch(record))).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");

        (await api.SearchPortalAsync(person.MyNumber)).Should().BeEquivalentTo(new PortalPage([], null), "a protected person's records are hidden");
        (await api.NwsCopyAsync(IdOf(record))).Result.Should().Be("provided", "the network system keeps its copy");
    }

    [Fact]
    public async Task An_institution_records_a_batch_of_its_own_inquiries()
    {
        var response = await api.Institution(api.Person.InquirerCode).PostJsonAsync(Route, Batch(Unanswered(0), Unanswered(1)));

        await response.ShouldBeAsync(HttpStatusCode.Created, "an inquirer sends its own inquiries in bulk");
        (await response.ReadJsonAsync<BatchAnswer>()).Recorded.Should().Be(2);
    }

    [Fact]
    public async Task The_same_batch_again_gets_200_with_every_record_already_recorded_and_writes_nothing()
    {
        var batch = Batch(Answered(0), Unanswered(1));
        await (await Nws.PostJsonAsync(Route, batch)).ShouldBeAsync(HttpStatusCode.Created, "the first batch is recorded");
        var afterFirst = await api.EventCountAsync();

        var again = await Nws.PostJsonAsync(Route, batch);

        await again.ShouldBeAsync(HttpStatusCode.OK, "a replayed batch is recognised");
        var answer = await again.ReadJsonAsync<BatchAnswer>();
        answer.Recorded.Should().Be(0);
        answer.AlreadyRecorded.Should().Be(2);
        answer.Results.Should().OnlyContain(r => r.Status == "already-recorded");
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    [Fact]
    public async Task A_batch_holding_an_exchange_recorded_earlier_records_only_the_new_ones()
    {
        var earlier = Answered(0);
        await (await Nws.PostJsonAsync(Route, Batch(earlier))).ShouldBeAsync(HttpStatusCode.Created, "the earlier exchange is recorded");
        var fresh = Answered(1);

        var response = await Nws.PostJsonAsync(Route, Batch(earlier, fresh));

        await response.ShouldBeAsync(HttpStatusCode.Created, "the new exchange is recorded");
        (await response.ReadJsonAsync<BatchAnswer>()).Should().BeEquivalentTo(new BatchAnswer(1, 1,
            [new BatchResult(IdOf(earlier), "already-recorded"), new BatchResult(IdOf(fresh), "recorded")]), o => o.WithStrictOrdering());
    }

    /// <summary>A way to break one record of a batch, and the field the answer must name.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Break, string Field)> Breakages = new()
    {
        ["unknown-provider"] = (r => r["inquiry"]!["providerCode"] = Institutions.Chuo, "inquiry.providerCode"),
        ["wrong-check-digit"] = (r => r["inquiry"]!["inquirerCode"] = "131017", "inquiry.inquirerCode"),
        ["unknown-procedure"] = (r => r["inquiry"]!["procedureCode"] = "9999", "inquiry.procedureCode"),
        ["unknown-item"] = (r => r["inquiry"]!["infoItemCode"] = "999", "inquiry.infoItemCode"),
        ["future"] = (r => r["inquiry"]!["requestedAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"), "inquiry.requestedAt"),
        ["bad-digest"] = (r => r["provision"]!["payloadDigest"] = "sha256:xyz", "provision.payloadDigest"),
        ["error-without-code"] = (r => (r["provision"]!["result"], r["provision"]!["payloadDigest"]) = ("error", null), "provision.errorCode"),
        ["provided-before-asked"] = (r => r["provision"]!["providedAt"] = ExchangeScenarios.RequestedAt.AddDays(-1).ToString("O"), "provision.providedAt"),
    };

    public static TheoryData<string> BrokenRecords() => [.. Breakages.Keys];

    [Theory]
    [MemberData(nameof(BrokenRecords))]
    public async Task One_bad_record_rejects_the_whole_batch_naming_it_and_nothing_is_written(string breakage)
    {
        var records = new[] { Answered(0), Answered(1), Answered(2) };
        var (breakIt, field) = Breakages[breakage];
        breakIt(records[1]);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Nws.PostJsonAsync(Route, Batch(records)));

        problem.ShouldName($"records[1].{field}");
        problem.Errors!.Keys.Should().OnlyContain(k => k.StartsWith("records[1].", StringComparison.Ordinal), "the good records are not blamed");
        (await ExistsAsync(api, IdOf(records[0]))).Should().BeFalse("nothing of a rejected batch is recorded");
    }

    [Fact]
    public async Task Every_bad_record_of_a_batch_is_named()
    {
        var records = new[] { Answered(0), Answered(1), Answered(2) };
        Breakages["unknown-item"].Break(records[0]);
        Breakages["bad-digest"].Break(records[2]);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Nws.PostJsonAsync(Route, Batch(records)));

        problem.Errors!.Keys.Should().BeEquivalentTo("records[0].inquiry.infoItemCode", "records[2].provision.payloadDigest");
    }

    [Fact]
    public async Task A_record_about_an_unlinked_local_record_rejects_the_batch_naming_it()
    {
        var records = new[] { Answered(0), Unanswered(1), Unanswered(2) };
        records[2]["inquiry"]!["inquirerLocalRecordId"] = api.UnlinkedRecordId;

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => Nws.PostJsonAsync(Route, Batch(records)));

        problem.ShouldName("records[2].inquiry.inquirerLocalRecordId");
        (await ExistsAsync(api, IdOf(records[0]))).Should().BeFalse();
    }

    [Fact]
    public async Task A_provision_under_another_persons_local_record_rejects_the_batch_naming_it()
    {
        var records = new[] { Answered(0), Answered(1) };
        records[1]["provision"]!["providerLocalRecordId"] = api.StrangersProviderRecordId;

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => Nws.PostJsonAsync(Route, Batch(records)));

        problem.ShouldName("records[1].provision.providerLocalRecordId");
        (await ExistsAsync(api, IdOf(records[0]))).Should().BeFalse();
    }

    [Fact]
    public async Task An_exchange_id_twice_in_one_batch_is_named()
    {
        var first = Unanswered(0);
        var second = Unanswered(1);
        second["inquiry"]!["exchangeId"] = IdOf(first);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Nws.PostJsonAsync(Route, Batch(first, second)));

        problem.ShouldName("records[1].inquiry.exchangeId");
    }

    [Fact]
    public async Task An_exchange_recorded_earlier_with_other_content_gets_409_and_nothing_is_written()
    {
        var earlier = Unanswered(0);
        await (await Nws.PostJsonAsync(Route, Batch(earlier))).ShouldBeAsync(HttpStatusCode.Created, "the earlier exchange is recorded");
        var changed = Unanswered(5);
        changed["inquiry"]!["exchangeId"] = IdOf(earlier);
        var fresh = Unanswered(1);

        await api.RefusesAsync(HttpStatusCode.Conflict, () => Nws.PostJsonAsync(Route, Batch(fresh, changed)));

        (await ExistsAsync(api, IdOf(fresh))).Should().BeFalse();
    }

    [Fact]
    public async Task An_empty_batch_gets_400_naming_records()
    {
        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Nws.PostJsonAsync(Route, new JsonObject { ["records"] = new JsonArray() }));

        problem.ShouldName("records");
    }

    [Fact]
    public async Task An_institution_sending_another_inquirers_record_or_a_provision_gets_403_and_nothing_is_written()
    {
        var own = Unanswered(0);
        var foreign = Unanswered(1);
        foreign["inquiry"]!["inquirerCode"] = Institutions.Shinjuku;
        var inquirer = api.Institution(api.Person.InquirerCode);

        await api.RefusesAsync(HttpStatusCode.Forbidden, () => inquirer.PostJsonAsync(Route, Batch(own, foreign)));
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => inquirer.PostJsonAsync(Route, Batch(Answered(2))));
    }

    [Theory]
    [InlineData(Roles.Mynaportal)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    public async Task A_role_that_does_not_write_exchanges_gets_403(string role)
    {
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.As(role).PostJsonAsync(Route, Batch(Unanswered(0))));
    }

    [Fact]
    public async Task A_batch_without_a_token_gets_401()
    {
        await api.RefusesAsync(HttpStatusCode.Unauthorized, () => api.Anonymous().PostJsonAsync(Route, Batch(Unanswered(0))));
    }

    [Fact]
    public async Task Non_disclosure_marks_sent_in_a_batch_keep_the_records_out_of_the_persons_view()
    {
        var person = await api.LinkPersonAsync();
        JsonObject Record(int day) => new()
        {
            ["inquiry"] = ExchangeScenarios.InquiryRequest(person, requestedAt: ExchangeScenarios.RequestedAt.AddDays(day)),
            ["provision"] = ExchangeScenarios.ProvisionRequest(person, ExchangeScenarios.RequestedAt.AddDays(day).AddMinutes(1)),
        };
        var records = new[] { Record(0), Record(1), Record(2) };
        ExchangeScenarios.NonDisclosed(records[1]["inquiry"]!.AsObject());
        ExchangeScenarios.NonDisclosed(records[2]["provision"]!.AsObject());

        await (await Nws.PostJsonAsync(Route, Batch(records))).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");

        (await api.PortalRecordsAsync(person.MyNumber)).Select(r => r.RequestedAt).Should().Equal(ExchangeScenarios.RequestedAt);
    }
}
