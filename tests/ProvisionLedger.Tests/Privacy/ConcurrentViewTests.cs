using System.Net;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>A person in two tabs, or a proxy and the person at once: every search is answered and every view recorded once.</summary>
public sealed class ConcurrentViewTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    [Fact]
    public async Task Twenty_simultaneous_searches_for_one_person_all_answer_and_are_all_recorded()
    {
        var person = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        var viewsBefore = (await api.RecordsViewedAsync()).Count;
        var start = new TaskCompletionSource();

        var searches = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.Task;
            var request = PortalScenarios.SearchRequest(person.MyNumber);
            if (i % 2 == 1)
            {
                PortalScenarios.ByProxy($"guardian-{i}")(request);
            }

            return await api.PostSearchAsync(request);
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(searches);

        answers.Select(a => a.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.OK);
        var views = (await api.RecordsViewedAsync()).Skip(viewsBefore).ToList();
        views.Should().HaveCount(20);
        views.Count(v => v.ViewerKind == "proxy").Should().Be(10);
    }
}
