using System.Net;
using System.Security.Cryptography;
using System.Text;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>A My Number is input only: never stored, logged or returned (SPEC §1), whatever happens to the request.</summary>
public sealed class LinkingPrivacyTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task A_my_number_is_found_nowhere_in_the_database_the_responses_or_the_logs()
    {
        var person = MyNumbers.Next();
        var somebodyElse = MyNumbers.Next();
        var localRecordId = LinkageScenarios.NewLocalRecordId();
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, localRecordId, person);
        var badMethod = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), person);
        badMethod["method"] = "guessed";
        var responses = new List<HttpResponseMessage>
        {
            await api.PostLinkAsync(Institutions.Chiyoda, request),
            await api.PostLinkAsync(Institutions.Chiyoda, request),
            await api.PostLinkAsync(Institutions.Chiyoda, LinkageScenarios.LinkRequest(Institutions.Chiyoda, localRecordId, somebodyElse)),
            await api.PostLinkAsync(Institutions.Chiyoda, badMethod),
            await api.PostLinkAsync(Institutions.Shinjuku, LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), person)),
        };
        var shinjuku = await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), person);

        responses.Select(r => r.StatusCode).Should().Equal(
            HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.BadRequest, HttpStatusCode.Forbidden);
        var database = await api.DatabaseTextAsync();
        database.Should().Contain(localRecordId, "the dump must hold the ledger's records for its absence of numbers to mean anything")
            .And.Contain(shinjuku.LocalRecordId);
        api.Logs.Lines.Should().NotBeEmpty("the log capture must be working for its silence to mean anything");
        foreach (var number in new[] { person, somebodyElse })
        {
            // The first eleven digits: a number stored without its check digit is still the number.
            var digits = number[..11];
            database.Contains(digits, StringComparison.Ordinal).Should().BeFalse("a My Number is never stored");
            database.Contains(UnkeyedDigest(number), StringComparison.Ordinal).Should().BeFalse("a plain hash of a My Number is a copy of it");
            api.Logs.Contain(digits).Should().BeFalse("a My Number is never logged");
            foreach (var response in responses)
            {
                (await response.Content.ReadAsStringAsync()).Contains(digits, StringComparison.Ordinal).Should().BeFalse("a My Number is never returned");
            }
        }
    }

    [Fact]
    public async Task One_person_linked_by_two_institutions_has_one_subject_and_a_different_code_at_each()
    {
        var person = MyNumbers.Next();
        var atChiyoda = await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), person);
        var atShinjuku = await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), person);
        var somebodyElse = await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());

        await using var session = api.Store.QuerySession();
        var chiyoda = await session.LoadAsync<Linkage>(atChiyoda.LinkageId);
        var shinjuku = await session.LoadAsync<Linkage>(atShinjuku.LinkageId);
        var other = await session.LoadAsync<Linkage>(somebodyElse.LinkageId);

        shinjuku!.SubjectRef.Should().Be(chiyoda!.SubjectRef, "the ledger knows both records are about one person");
        shinjuku.InstitutionSubjectCode.Should().NotBe(chiyoda.InstitutionSubjectCode, "each institution sees its own 機関別符号 only");
        other!.SubjectRef.Should().NotBe(chiyoda.SubjectRef);
    }

    private static string UnkeyedDigest(string number) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(number)))[..16];
}
