using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Parties.Reconciling;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// GET /api/v1/parties/reconciliation: the three copies agree on what they share, and each equals its rebuild from the
/// events. These tests corrupt their database through SQL; the clean case has a database of its own (below).
/// </summary>
public sealed class ReconciliationTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private const string Route = "/api/v1/parties/reconciliation";

    private Task<ReconciliationReport> ReconcileAsync() => ReconciliationRequests.ReconcileAsync(api);

    private async Task SqlAsync(string sql, string exchangeId)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", exchangeId);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    [Fact]
    public async Task A_copy_edited_in_the_database_is_reported_against_its_rebuild_and_the_other_copies()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(1));
        await SqlAsync(
            $"update {LedgerStore.Schema}.mt_doc_inquirerrecord set data = jsonb_set(data, '{{result}}', '\"no-data\"') where id = @id", exchangeId);

        var report = await ReconcileAsync();

        report.Consistent.Should().BeFalse();
        report.Divergences.Should().ContainEquivalentOf(
            new Divergence(exchangeId, "projection-differs", "inquirer", "result", "\"provided\"", "\"no-data\""));
        report.Divergences.Should().Contain(d => d.ExchangeId == exchangeId && d.Kind == "copies-disagree" && d.Field == "result");
        report.Divergences.Should().NotContain(d => d.Copy == "nws" && d.Kind == "projection-differs" && d.ExchangeId == exchangeId);
    }

    [Fact]
    public async Task A_copy_deleted_from_the_database_is_reported_missing()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(2));
        await SqlAsync($"delete from {LedgerStore.Schema}.mt_doc_providerrecord where id = @id", exchangeId);

        var report = await ReconcileAsync();

        report.Divergences.Should().ContainEquivalentOf(new Divergence(exchangeId, "missing-copy", "provider", "*", null, null));
    }

    [Fact]
    public async Task A_hidden_portal_entry_made_visible_in_the_database_is_reported_without_naming_the_person()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(3));
        await api.Institution(api.Person.InquirerCode).MarkNonDisclosedAsync(exchangeId);
        await SqlAsync($"update {LedgerStore.Schema}.mt_doc_portalentry set non_disclosed = false where exchange_id = @id", exchangeId);

        var response = await api.As(Roles.Auditor).GetAsync(Route);
        var text = await response.Content.ReadAsStringAsync();
        var report = await response.ReadJsonAsync<ReconciliationReport>();

        report.Consistent.Should().BeFalse();
        report.Divergences.Should().ContainEquivalentOf(new Divergence(exchangeId, "projection-differs", "portal", "non_disclosed", null, null));
        var subjectRef = api.Services.GetRequiredService<SubjectKeys>().SubjectRef(api.Person.MyNumber);
        text.Should().NotContain(subjectRef).And.NotContain(api.Person.MyNumber);
    }

    [Fact]
    public async Task A_portal_entry_edited_or_deleted_in_the_database_is_reported_against_its_rebuild()
    {
        var edited = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(4));
        var deleted = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(5));
        await SqlAsync(
            $"update {LedgerStore.Schema}.mt_doc_portalentry set data = jsonb_set(data, '{{providerCode}}', '\"131041\"') where exchange_id = @id", edited);
        await SqlAsync($"delete from {LedgerStore.Schema}.mt_doc_portalentry where exchange_id = @id", deleted);

        var report = await ReconcileAsync();

        report.Divergences.Should().ContainEquivalentOf(
            new Divergence(edited, "projection-differs", "portal", "providerCode", $"\"{api.Person.ProviderCode}\"", "\"131041\""));
        report.Divergences.Should().ContainEquivalentOf(new Divergence(deleted, "missing-copy", "portal", "*", null, null));
    }

    [Theory]
    [InlineData(Roles.Nws)]
    [InlineData(Roles.Institution)]
    [InlineData(Roles.IncidentResponder)]
    [InlineData(Roles.Mynaportal)]
    public async Task Only_auditors_reconcile(string role)
    {
        var client = role == Roles.Institution ? api.Institution(api.Person.InquirerCode) : api.As(role);

        (await client.GetAsync(Route)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }
}

/// <summary>A ledger written only through the service: nothing to report.</summary>
public sealed class CleanLedgerReconciliationTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    [Fact]
    public async Task A_ledger_written_only_through_the_service_reconciles()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        await api.Institution(api.Person.InquirerCode).AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記"));

        var report = await ReconciliationRequests.ReconcileAsync(api);

        report.Divergences.Should().BeEmpty(System.Text.Json.JsonSerializer.Serialize(report.Divergences));
        report.Consistent.Should().BeTrue();
        report.ExchangesChecked.Should().BeGreaterThanOrEqualTo(1);
        report.EventsReplayed.Should().BeGreaterThanOrEqualTo(3);
    }

}

internal static class ReconciliationRequests
{
    public static async Task<ReconciliationReport> ReconcileAsync(LedgerApi api)
    {
        var response = await api.As(Roles.Auditor).GetAsync("/api/v1/parties/reconciliation");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<ReconciliationReport>();
    }
}
