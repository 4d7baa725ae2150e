using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.Proving;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The auditor's routes of API.md "Audit integrity", on events written through the API.</summary>
public sealed class AuditEndpointTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>
{
    private const string Checkpoints = "/api/v1/audit/checkpoints";

    [Fact]
    public async Task An_auditor_makes_a_checkpoint_and_reads_it_back_as_the_latest()
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var auditor = api.As(Roles.Auditor);

        var made = await auditor.PostAsync(Checkpoints, null);

        made.StatusCode.Should().Be(HttpStatusCode.Created);
        var checkpoint = await made.ReadJsonAsync<CheckpointView>();
        checkpoint.Sequence.Should().Be(await ChainLength());
        checkpoint.ChainHead.Should().HaveLength(64);
        checkpoint.Signature.Should().NotBeNullOrEmpty();
        made.Headers.Location!.ToString().Should().Be($"{Checkpoints}/{checkpoint.Id}");
        var latest = await (await auditor.GetAsync($"{Checkpoints}/latest")).ReadJsonAsync<CheckpointView>();
        latest.Should().BeEquivalentTo(checkpoint);
    }

    [Fact]
    public async Task Successive_checkpoints_extend_the_merkle_tree_and_all_verify_with_the_published_key()
    {
        var auditor = api.As(Roles.Auditor);
        (await auditor.PostAsync(Checkpoints, null)).StatusCode.Should().Be(HttpStatusCode.Created);
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        (await auditor.PostAsync(Checkpoints, null)).StatusCode.Should().Be(HttpStatusCode.Created);

        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        var report = await new AuditDatabase().VerifyAsync(dataSource, await auditor.GetStringAsync("/api/v1/audit/public-key"));

        report.Intact.Should().BeTrue(report.Summary());
        report.CheckpointsChecked.Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task The_public_key_route_serves_the_pem_that_verifies_checkpoint_signatures()
    {
        var auditor = api.As(Roles.Auditor);
        var view = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();

        var pem = await auditor.GetStringAsync("/api/v1/audit/public-key");

        pem.Should().StartWith("-----BEGIN PUBLIC KEY-----");
        var checkpoint = new Checkpoint(view.Id, view.Sequence, view.LastSeqId, Convert.FromHexString(view.ChainHead),
            Convert.FromHexString(view.MerkleRoot), view.SignedAt, view.KeyId, pem, Convert.FromBase64String(view.Signature));
        CheckpointSigner.Verify(checkpoint, pem).Should().BeTrue();
        CheckpointSigner.KeyIdOf(pem).Should().Be(view.KeyId);
    }

    [Theory]
    [InlineData("GET", Checkpoints + "/latest")]
    [InlineData("POST", Checkpoints)]
    [InlineData("GET", "/api/v1/audit/public-key")]
    [InlineData("GET", "/api/v1/audit/proofs/1")]
    [InlineData("GET", "/api/v1/audit/access?institutionCode=131016")]
    public async Task Only_auditors_may_use_the_audit_routes(string method, string url)
    {
        foreach (var (client, expected) in new[]
                 {
                     (api.Anonymous(), HttpStatusCode.Unauthorized),
                     (api.Institution(Institutions.Chiyoda), HttpStatusCode.Forbidden),
                     (api.As(Roles.Nws), HttpStatusCode.Forbidden),
                     (api.As(Roles.Mynaportal), HttpStatusCode.Forbidden),
                     (api.As(Roles.IncidentResponder), HttpStatusCode.Forbidden),
                 })
        {
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
            response.StatusCode.Should().Be(expected, $"{method} {url}");
        }
    }

    [Fact]
    public async Task An_inclusion_proof_leads_from_the_event_to_the_signed_merkle_root()
    {
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var auditor = api.As(Roles.Auditor);
        var checkpoint = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();
        var seq = checkpoint.LastSeqId!.Value;

        var proof = await (await auditor.GetAsync($"/api/v1/audit/proofs/{seq}?checkpoint={checkpoint.Id}")).ReadJsonAsync<InclusionProofView>();

        // The auditor hashes the event it read elsewhere; here the chain's own digest of it stands in for that.
        var digest = await EventDigest(seq);
        proof.Leaf.Should().Be(Convert.ToHexStringLower(MerkleTree.Leaf(digest)));
        MerkleTree.VerifyInclusion(proof.LeafIndex, proof.TreeSize, MerkleTree.Leaf(digest), proof.AuditPath.Select(Convert.FromHexString).ToList(),
            Convert.FromHexString(checkpoint.MerkleRoot)).Should().BeTrue();
        proof.TreeSize.Should().Be(checkpoint.Sequence);
    }

    [Fact]
    public async Task An_inclusion_proof_carries_no_event_data_and_its_read_is_logged()
    {
        var myNumber = MyNumbers.Next();
        await api.Institution(Institutions.Chiyoda).PostJsonAsync("/api/v1/subjects/protections",
            new { myNumber, reason = "dv", registeredBy = "staff-1", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        var auditor = api.As(Roles.Auditor);
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        var checkpoint = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();
        var seq = checkpoint.LastSeqId!.Value;

        var text = await (await auditor.GetAsync($"/api/v1/audit/proofs/{seq}?checkpoint={checkpoint.Id}")).Content.ReadAsStringAsync();

        using var body = System.Text.Json.JsonDocument.Parse(text);
        body.RootElement.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "seqId", "position", "leaf", "leafIndex", "treeSize", "auditPath", "checkpoint");
        var subjectRef = api.Services.GetRequiredService<SubjectKeys>().SubjectRef(myNumber);
        // "dv" as the JSON value it would be: the signature is base64 and may hold the letters dv by chance.
        text.Should().NotContain(subjectRef).And.NotContain("staff-1").And.NotContain("\"dv\"");
        var log = await (await auditor.GetAsync($"/api/v1/audit/access?from={Uri.EscapeDataString(before.ToString("O"))}")).ReadJsonAsync<AccessPage>();
        log.Items.Should().Contain(r => r.Resource == "audit/proofs" && r.Path == $"/api/v1/audit/proofs/{seq}");
    }

    [Fact]
    public async Task Reads_are_logged_and_an_auditor_finds_them_by_institution_and_by_person()
    {
        var myNumber = MyNumbers.Next();
        var subjectRef = api.Services.GetRequiredService<SubjectKeys>().SubjectRef(myNumber);
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await RecordReadAsync(Actor("institution", Institutions.Sapporo), "parties/records", 3, subjectRef, Institutions.Sapporo);
        var auditor = api.As(Roles.Auditor);

        var byInstitution = await (await auditor.GetAsync(
            $"/api/v1/audit/access?institutionCode={Institutions.Sapporo}&from={Uri.EscapeDataString(before.ToString("O"))}")).ReadJsonAsync<AccessPage>();
        var personResponse = await auditor.PostJsonAsync("/api/v1/audit/access/search", new { myNumber, from = before });
        var personText = await personResponse.Content.ReadAsStringAsync();
        var byPerson = await personResponse.ReadJsonAsync<AccessPage>();

        var read = byInstitution.Items.Should().ContainSingle().Subject;
        read.Principal.Should().Be($"institution:{Institutions.Sapporo}:reader");
        read.Resource.Should().Be("parties/records");
        read.RecordCount.Should().Be(3);
        read.PersonRead.Should().BeTrue();
        byPerson.Items.Should().ContainSingle().Which.Id.Should().Be(read.Id);
        personText.Should().NotContain(subjectRef, "the person's pseudonym is never handed out").And.NotContain(myNumber);
        (await api.DatabaseTextAsync()).Contains(myNumber, StringComparison.Ordinal).Should().BeFalse("a My Number is never stored");

        // The auditor's own searches are reads too, and the whole log is on the chain.
        var searches = await (await auditor.GetAsync("/api/v1/audit/access?principal=auditor:test")).ReadJsonAsync<AccessPage>();
        searches.Items.Select(i => i.Resource).Should().Contain(["audit/access", "audit/access/search"]);
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        var report = await new AuditDatabase().VerifyAsync(dataSource);
        report.Intact.Should().BeTrue(report.Summary());
    }

    [Fact]
    public async Task The_access_log_reads_a_bare_date_as_a_whole_day_in_japan_time_and_names_a_bad_one()
    {
        var myNumber = MyNumbers.Next();
        var subjectRef = api.Services.GetRequiredService<SubjectKeys>().SubjectRef(myNumber);
        await RecordReadAsync(Actor("institution", Institutions.Shinjuku), "parties/records", 1, subjectRef, Institutions.Shinjuku);
        var today = DateTimeOffset.UtcNow.ToOffset(Jst.Offset).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var auditor = api.As(Roles.Auditor);

        var page = await (await auditor.GetAsync($"/api/v1/audit/access?institutionCode={Institutions.Shinjuku}&from={today}&to={today}")).ReadJsonAsync<AccessPage>();
        var bad = await auditor.GetAsync("/api/v1/audit/access?from=yesterday");

        page.Items.Should().ContainSingle(i => i.Resource == "parties/records");
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.ReadProblemAsync()).Errors.Should().ContainKey("from");
    }

    [Fact]
    public async Task The_access_log_pages_newest_first_with_a_cursor_that_only_continues_its_own_listing()
    {
        var institution = Institutions.PensionService;
        for (var i = 0; i < 5; i++)
        {
            await RecordReadAsync(Actor("institution", institution), $"paged-{i}", i, null, institution);
        }

        var auditor = api.As(Roles.Auditor);
        var seen = new List<AccessRead>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var path = $"/api/v1/audit/access?institutionCode={institution}&pageSize=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await (await auditor.GetAsync(path)).ReadJsonAsync<AccessPage>();
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        seen.Select(r => r.Resource).Should().Equal("paged-4", "paged-3", "paged-2", "paged-1", "paged-0");
        pages.Should().Be(3);
        var first = await (await auditor.GetAsync($"/api/v1/audit/access?institutionCode={institution}&pageSize=2")).ReadJsonAsync<AccessPage>();
        var elsewhere = await auditor.GetAsync($"/api/v1/audit/access?institutionCode={Institutions.Chiyoda}&cursor={Uri.EscapeDataString(first.NextCursor!)}");
        elsewhere.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await elsewhere.ReadProblemAsync()).Errors.Should().ContainKey("cursor");
    }

    [Fact]
    public async Task A_person_search_rejects_an_invalid_my_number_by_field()
    {
        var response = await api.As(Roles.Auditor).PostJsonAsync("/api/v1/audit/access/search", new { myNumber = "123" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).Errors.Should().ContainKey("myNumber");
    }

    private static ClaimsPrincipal Actor(string role, string? inst) =>
        new(new ClaimsIdentity(
            new[] { new Claim("role", role), new Claim("sub", "reader") }.Concat(inst is null ? [] : [new Claim("inst", inst)]), "test"));

    private async Task RecordReadAsync(ClaimsPrincipal user, string resource, int count, string? subjectRef, string institutionCode)
    {
        using var scope = api.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext =
            new DefaultHttpContext { User = user, RequestServices = scope.ServiceProvider };
        await scope.ServiceProvider.GetRequiredService<ReadAccessLog>().RecordAsync(Api.Infrastructure.Actor.FromToken(user)!, resource, count, subjectRef, institutionCode);
    }

    private async Task<byte[]> EventDigest(long seq)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand($"select event_digest from {LedgerStore.Schema}.audit_chain where seq_id = @seq", connection);
        command.Parameters.AddWithValue("seq", seq);
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> ChainLength()
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(max(position), 0) from ledger.audit_chain", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
