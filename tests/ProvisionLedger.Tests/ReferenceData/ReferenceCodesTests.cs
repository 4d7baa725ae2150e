using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Exchanges.InquiryFiles;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.ReferenceData;

public sealed record CodeAnswer(string Code, string Name, string? Kind, string? FileCode);

public sealed record ReferenceCodesAnswer(string? About, IReadOnlyList<CodeAnswer> Institutions, IReadOnlyList<CodeAnswer> Procedures, IReadOnlyList<CodeAnswer> InfoItems);

/// <summary>GET /api/v1/reference-codes: the code table in use, with each entry's code in 一括照会 files.</summary>
public sealed class ReferenceCodesTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    public static TheoryData<string> EveryRole() => [.. Roles.All];

    [Theory]
    [MemberData(nameof(EveryRole))]
    public async Task Any_valid_token_reads_the_shipped_table_with_its_illustrative_file_codes(string role)
    {
        var response = await api.As(role, role == Roles.Institution ? Institutions.Sapporo : null).GetAsync(new Uri("/api/v1/reference-codes", UriKind.Relative));

        await response.ShouldBeAsync(HttpStatusCode.OK, "every role may read the code table");
        var codes = await response.ReadJsonAsync<ReferenceCodesAnswer>();
        codes.About.Should().Contain("illustrative").And.Contain("fileCode");
        codes.Institutions.Should().ContainEquivalentOf(new CodeAnswer(Institutions.Chiyoda, "東京都千代田区", "municipality", FileCodes.Chiyoda));
        codes.Procedures.Should().ContainEquivalentOf(new { Code = ExchangeScenarios.ChildAllowance, FileCode = FileCodes.ChildAllowance });
        codes.InfoItems.Should().ContainEquivalentOf(new { Code = ExchangeScenarios.TaxInfo, FileCode = FileCodes.TaxInfo });
        codes.Procedures.Should().OnlyContain(p => p.FileCode!.Length == 16 && p.FileCode.StartsWith("JT", StringComparison.Ordinal));
        codes.InfoItems.Should().OnlyContain(p => p.FileCode!.Length == 16 && p.FileCode.StartsWith("TM", StringComparison.Ordinal));
        codes.Institutions.Should().OnlyContain(p => p.FileCode!.Length == 16);
    }

    [Fact]
    public async Task Without_a_token_the_table_is_401()
    {
        (await api.Anonymous().GetAsync(new Uri("/api/v1/reference-codes", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}

/// <summary>The service with an operator's code table (<c>Ledger:ReferenceData:Path</c>) in place of the shipped one.</summary>
public sealed class ApiWithOperatorCodes : LedgerApi
{
    public const string ChiyodaFileCode = "A000000000131016";
    public const string SapporoFileCode = "A000000000011002";
    public const string ProcedureFileCode = "JT99000000000074";
    public const string ItemFileCode = "TM99000000000002";

    public string TablePath { get; } = Path.Combine(Path.GetTempPath(), $"operator-codes-{Guid.NewGuid():n}.json");

    public ApiWithOperatorCodes() => File.WriteAllText(TablePath, $$"""
        {
          "_about": "An operator's table.",
          "institutions": [
            { "code": "{{Institutions.Chiyoda}}", "name": "東京都千代田区", "kind": "municipality", "fileCode": "{{ChiyodaFileCode}}" },
            { "code": "{{Institutions.Sapporo}}", "name": "北海道札幌市", "kind": "municipality", "fileCode": "{{SapporoFileCode}}" }
          ],
          "procedures": [ { "code": "{{ExchangeScenarios.ChildAllowance}}", "name": "児童手当", "fileCode": "{{ProcedureFileCode}}" } ],
          "infoItems": [ { "code": "{{ExchangeScenarios.TaxInfo}}", "name": "地方税関係情報", "fileCode": "{{ItemFileCode}}" } ]
        }
        """);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Ledger:ReferenceData:Path", TablePath);
    }

    /// <summary>The service reads the table once, when it first needs it: after that the file can go.</summary>
    protected override Task GivenAsync()
    {
        Services.GetRequiredService<ProvisionLedger.Api.ReferenceData.CodeRegistry>();
        File.Delete(TablePath);
        return Task.CompletedTask;
    }
}

public sealed class OperatorCodesTests(ApiWithOperatorCodes api) : IClassFixture<ApiWithOperatorCodes>
{
    [Fact]
    public async Task An_operators_table_replaces_the_shipped_codes_in_the_answer_and_in_files()
    {
        var person = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        var at = DateTimeOffset.Parse("2025-06-02T09:00:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        FileLine Line() => new FileLine(person.InquirerRecordId, at, ApiWithOperatorCodes.ChiyodaFileCode, ApiWithOperatorCodes.SapporoFileCode)
            .With("事務手続きコード", ApiWithOperatorCodes.ProcedureFileCode).With("特定個人情報名コード", ApiWithOperatorCodes.ItemFileCode);

        var codes = await (await api.As(Roles.Auditor).GetAsync(new Uri("/api/v1/reference-codes", UriKind.Relative))).ReadJsonAsync<ReferenceCodesAnswer>();
        var shipped = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.Institution(Institutions.Chiyoda).PostFileAsync([new FileLine(person.InquirerRecordId, at)]));
        var answer = await api.Institution(Institutions.Chiyoda).ImportAsync([Line()]);

        codes.About.Should().Be("An operator's table.");
        codes.Institutions.Select(i => i.FileCode).Should().BeEquivalentTo(ApiWithOperatorCodes.ChiyodaFileCode, ApiWithOperatorCodes.SapporoFileCode);
        codes.Procedures.Should().ContainSingle().Which.FileCode.Should().Be(ApiWithOperatorCodes.ProcedureFileCode);
        shipped.Errors!.Keys.Should().Contain(["lines[1].情報照会者機関コード", "lines[1].事務手続きコード", "lines[1].特定個人情報名コード"]);
        answer.Recorded.Should().Be(1);
    }
}
