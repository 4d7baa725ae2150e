using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.BrowserTests.Harness;
using ProvisionLedger.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace ProvisionLedger.BrowserTests.Pages;

/// <summary>The interactive API reference: it renders the served OpenAPI document within the pages' policy, and sends calls.</summary>
public sealed class ReferencePageTests(BrowserSite<LedgerApi> site) : IClassFixture<BrowserSite<LedgerApi>>
{
    [Fact]
    public async Task The_reference_renders_every_operation_of_the_document_within_the_policy()
    {
        var document = JsonNode.Parse(await site.Ledger.OpenApiDocumentAsync())!;
        var operations = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (string)o.Value!["operationId"]!)).ToList();
        await using var tab = await site.OpenAsync();

        await tab.GotoAsync("/");
        await tab.Page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "API リファレンス API reference" }).ClickAsync();

        await Expect(tab["details.operation"]).ToHaveCountAsync(operations.Count);
        foreach (var id in new[] { "linkSubject", "makeInquiry", "searchPortalRecords", "traceIncident", "getCheckpointPublicKey" })
        {
            operations.Should().Contain(id);
            await Expect(tab[$"details#{id}"]).ToHaveCountAsync(1);
        }

        await tab.Page.ClickAsync("details#makeInquiry > summary");
        await Expect(tab["details#makeInquiry"]).ToContainTextAsync("Roles: `nws`, `institution`");
        await Expect(tab["details#makeInquiry"]).ToContainTextAsync("inquirerLocalRecordId");
        await Expect(tab["details#makeInquiry textarea.body"]).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("NWS-2025-000000001"));
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Send_calls_the_api_with_the_token_and_shows_the_answer()
    {
        await using var tab = await site.OpenAsync();
        await tab.GotoAsync("/reference/");
        await tab.SignInAsync(site.Token(Roles.Auditor));

        await tab.Page.ClickAsync("details#reconcileCopies > summary");
        await tab.Page.ClickAsync("details#reconcileCopies button[type=submit]");

        await Expect(tab["details#reconcileCopies .answer-status"]).ToContainTextAsync("200");
        await Expect(tab["details#reconcileCopies .answer pre"]).ToContainTextAsync("\"consistent\"");
        tab.Requests.Should().Contain(r => r.Url.EndsWith("/api/v1/parties/reconciliation", StringComparison.Ordinal));
        tab.ShouldHaveRunCleanly();
    }
}
