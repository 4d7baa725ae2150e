using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Subjects;

/// <summary>Every answer any client of this fixture received, so that none can have carried a My Number unseen.</summary>
public sealed class ApiKeepingEveryAnswer : ApiWithLinkedSubject
{
    public ConcurrentQueue<string> Answers { get; } = new();

    protected override DelegatingHandler[] ClientHandlers() => [.. base.ClientHandlers(), new Keeper(Answers)];

    private sealed class Keeper(ConcurrentQueue<string> answers) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            answers.Enqueue($"{(int)response.StatusCode} {request.RequestUri} {response.Headers} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return response;
        }
    }
}

/// <summary>
/// 個人番号 is input only (SPEC §1, §5): after a working day of linkages, exchanges, protections and portal views, good
/// and bad, no My Number is in the database, in any answer, or in the logs; not whole, not without its check digit, and
/// not as a plain digest.
/// </summary>
public sealed class MyNumberPrivacyTests(ApiKeepingEveryAnswer api) : IClassFixture<ApiKeepingEveryAnswer>
{
    [Fact]
    public async Task After_a_day_of_work_no_my_number_is_in_the_database_any_answer_or_the_logs()
    {
        var numbers = new List<string> { api.Person.MyNumber };
        string Next()
        {
            var number = MyNumbers.Next();
            numbers.Add(number);
            return number;
        }

        // Two people asked about, one answered with a mark, one in bulk, with corrections.
        var alice = await api.LinkPersonAsync(myNumber: Next());
        var bob = await api.LinkPersonAsync(Institutions.Shinjuku, Institutions.PensionService, Next());
        var first = await api.RecordExchangeAsync(alice, ExchangeScenarios.RequestedAt);
        await api.RecordExchangeAsync(alice, ExchangeScenarios.RequestedAt.AddDays(1), provision: ExchangeScenarios.NonDisclosed);
        await api.Institution(alice.InquirerCode).AppendCorrectionAsync(first, ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記"));
        var batch = new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject
            {
                ["inquiry"] = ExchangeScenarios.InquiryRequest(bob),
                ["provision"] = ExchangeScenarios.ProvisionRequest(bob),
            }),
        };
        await (await api.As(Roles.Nws).PostJsonAsync("/api/v1/exchanges/batch", batch)).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");
        await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        // Requests that fail, each with a number in it.
        var conflicting = await api.PostLinkAsync(alice.InquirerCode, LinkageScenarios.LinkRequest(alice.InquirerCode, alice.InquirerRecordId, Next()));
        var wrongInstitution = await api.PostLinkAsync(Institutions.Shinjuku, LinkageScenarios.LinkRequest(Institutions.Chiyoda, "A-x", Next()));
        var badProtection = await api.Institution(Institutions.Chiyoda).PostJsonAsync(ProtectionScenarios.Route,
            ProtectionScenarios.ProtectionRequest(Next()).Also(r => r["reason"] = "whim"));
        var wrongCheckDigit = MyNumbers.WithWrongCheckDigits(Next()).First();
        numbers.Add(wrongCheckDigit);
        var badSearch = await api.PostSearchAsync(PortalScenarios.SearchRequest(wrongCheckDigit));
        var numberAsNumber = Next();
        var wrongType = await api.As(Roles.Mynaportal).PostRawJsonAsync(PortalScenarios.Route,
            $$"""{ "myNumber": {{numberAsNumber}}, "viewer": { "kind": "self" } }""");
        var malformed = await api.As(Roles.Mynaportal).PostRawJsonAsync(PortalScenarios.Route, $$"""{ "myNumber": "{{Next()}}", "viewer": """);
        var forbidden = await api.As(Roles.Auditor).PostJsonAsync(PortalScenarios.Route, PortalScenarios.SearchRequest(Next()));
        var anonymous = await api.Anonymous().PostJsonAsync(ProtectionScenarios.Route, ProtectionScenarios.ProtectionRequest(Next()));
        new[] { conflicting, wrongInstitution, badProtection, badSearch, wrongType, malformed, forbidden, anonymous }.Select(r => r.StatusCode)
            .Should().Equal(HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest,
                HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized);

        // Protections registered and ended, and the portal asked about everybody, by the person and by a proxy.
        var carol = Next();
        var protection = await api.ProtectAsync(carol);
        await api.EndProtectionAsync(protection);
        await api.ProtectAsync(alice.MyNumber, Institutions.Sapporo);
        foreach (var number in new[] { alice.MyNumber, bob.MyNumber, carol, api.Person.MyNumber, Next() })
        {
            await api.WalkPortalAsync(number, 1);
            await api.SearchPortalAsync(number, adjust: PortalScenarios.ByProxy("legal-guardian-7"));
        }

        var database = await api.DatabaseTextAsync();
        database.Should().Contain(alice.InquirerRecordId, "the dump must hold the ledger's records for its silence to mean anything")
            .And.Contain(first);
        api.Answers.Should().HaveCountGreaterThan(30).And.Contain(a => a.Contains(alice.InquirerRecordId, StringComparison.Ordinal),
            "the kept answers must hold what was answered for their silence to mean anything");
        api.Logs.Lines.Should().NotBeEmpty("the log capture must be working for its silence to mean anything");
        numbers.Should().OnlyHaveUniqueItems().And.HaveCountGreaterThan(10);
        foreach (var number in numbers)
        {
            // The first eleven digits: a number kept without its check digit is still the number.
            foreach (var trace in new[] { number[..11], UnkeyedDigest(number) })
            {
                database.Contains(trace, StringComparison.Ordinal).Should().BeFalse("a My Number is never stored");
                api.Answers.Any(a => a.Contains(trace, StringComparison.Ordinal)).Should().BeFalse("a My Number is never returned");
                api.Logs.Contain(trace).Should().BeFalse("a My Number is never logged");
            }
        }
    }

    private static string UnkeyedDigest(string number) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(number)))[..16];
}

internal static class JsonObjectChanges
{
    public static JsonObject Also(this JsonObject request, Action<JsonObject> change)
    {
        change(request);
        return request;
    }
}
