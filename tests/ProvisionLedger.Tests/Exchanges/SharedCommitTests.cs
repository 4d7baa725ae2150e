using System.Net;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Parties;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>
/// The single write routes share commits (group commit): requests that arrive together are written in one transaction,
/// each decided against its own exchange as it stood, and each answered only once that transaction is committed. A
/// request that lost its exchange to another writer meanwhile gets the answer it would have got alone; the others are
/// committed without it. A shared commit the database refuses answers every request in it with 503 and records none.
/// </summary>
public sealed class SharedCommitTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static readonly string[] InquiryAndProvision = ["inquiry_made", "information_provided"];

    private GroupCommit Commits => api.Services.GetRequiredService<GroupCommit>();

    private static readonly CommitStamp TestStamp = new("test:holder", "shared-commit-test", new Dictionary<string, string> { ["role"] = Roles.Nws });

    /// <summary>
    /// Holds the committer in a transaction of its own until <paramref name="send"/>'s requests have all been decided and
    /// are waiting for a commit, so they meet in the next transaction whatever the machine's speed; then lets it go.
    /// <paramref name="alsoQueue"/> may queue one more write behind them (it lands in their transaction).
    /// </summary>
    private async Task<HttpResponseMessage[]> SendTogetherAsync(
        IReadOnlyList<Func<Task<HttpResponseMessage>>> send, int waiting, Func<Task>? whileHeld = null, Func<Task>? alsoQueue = null)
    {
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = Commits.CommitAsync(TestStamp, _ =>
        {
            holding.TrySetResult();
            release.Wait(TimeSpan.FromSeconds(60));
        });
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var responses = send.Select(s => Task.Run(s)).ToList();
        var queued = Task.CompletedTask;
        try
        {
            await WaitUntilAsync(() => Commits.Waiting >= waiting, $"{waiting} writes waiting for a commit");
            if (whileHeld is not null)
            {
                await whileHeld();
            }

            if (alsoQueue is not null)
            {
                queued = alsoQueue();
                await WaitUntilAsync(() => Commits.Waiting >= waiting + 1, "the extra write queued behind them");
            }
        }
        finally
        {
            release.Set();
        }

        await holder;
        try
        {
            await queued;
        }
        catch
        {
            // The extra write's own outcome is the test's to look at.
        }

        return await Task.WhenAll(responses);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached in 60 s: {what}.");
            }

            await Task.Delay(10);
        }
    }

    private async Task<List<LinkedPerson>> PeopleAsync(int count)
    {
        var people = new List<LinkedPerson>();
        for (var i = 0; i < count; i++)
        {
            people.Add(await api.LinkPersonAsync());
        }

        return people;
    }

    [Fact]
    public async Task Concurrent_inquiries_and_provisions_of_different_exchanges_share_one_commit_and_each_lands_once_with_its_own_answer()
    {
        var people = await PeopleAsync(6);
        var inquiries = people.Select(p => ExchangeScenarios.InquiryRequest(p)).ToList();
        var before = Commits.Counts;

        var made = await SendTogetherAsync(
            [.. people.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() => api.Institution(p.InquirerCode).PostInquiryAsync(inquiries[i])))],
            people.Count);

        for (var i = 0; i < people.Count; i++)
        {
            await made[i].ShouldBeAsync(HttpStatusCode.Created, "each inquiry is recorded");
            (await made[i].ReadJsonAsync<ExchangeAnswer>()).ExchangeId.Should().Be(inquiries[i]["exchangeId"]!.GetValue<string>());
        }

        var afterInquiries = Commits.Counts;
        (afterInquiries.Writes - before.Writes).Should().Be(people.Count + 1, "the six inquiries and the test's holder");
        (afterInquiries.Commits - before.Commits).Should().Be(2, "the holder's transaction, then one for the six inquiries that waited together");

        var ids = inquiries.Select(r => r["exchangeId"]!.GetValue<string>()).ToList();
        var provided = await SendTogetherAsync(
            [.. people.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() =>
                api.Institution(p.ProviderCode).PostProvisionAsync(ids[i], ExchangeScenarios.ProvisionRequest(p))))],
            people.Count);

        foreach (var answer in provided)
        {
            await answer.ShouldBeAsync(HttpStatusCode.Created, "each provision is recorded");
        }

        (Commits.Counts.Commits - afterInquiries.Commits).Should().Be(2);
        (await EventTypesAsync(ids)).Should().OnlyContain(e => e.Value.SequenceEqual(InquiryAndProvision),
            "each exchange has its inquiry and its provision, once");
        await using var query = api.Store.QuerySession();
        var copies = await query.LoadManyAsync<ProviderRecord>(ids);
        copies.Should().HaveCount(people.Count).And.OnlyContain(c => c.Result == "provided", "each provider's copy was written in the same commit");
    }

    [Fact]
    public async Task The_same_inquiry_sent_five_times_at_once_is_recorded_once_and_every_sender_is_told_it_is_recorded()
    {
        var person = await api.LinkPersonAsync();
        var request = ExchangeScenarios.InquiryRequest(person);
        var other = request.DeepClone().AsObject();
        other["infoItemCode"] = ExchangeScenarios.ResidentInfo;

        var answers = await SendTogetherAsync(
            [.. Enumerable.Range(0, 5).Select(_ => (Func<Task<HttpResponseMessage>>)(() => api.Institution(person.InquirerCode).PostInquiryAsync(request))),
                () => api.Institution(person.InquirerCode).PostInquiryAsync(other)],
            6);

        var statuses = answers.Take(5).Select(a => a.StatusCode).ToList();
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));
        var otherWon = answers[5].StatusCode == HttpStatusCode.Created;
        if (otherWon)
        {
            statuses.Should().AllBeEquivalentTo(HttpStatusCode.Conflict, "the id was taken by the other content: {0}", string.Join("\n", bodies));
        }
        else
        {
            statuses.Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
                .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK, "a repeat of the recorded inquiry is answered as recorded");
            answers[5].StatusCode.Should().Be(HttpStatusCode.Conflict, "the same exchangeId with other content is refused");
        }

        (await EventTypesAsync([request["exchangeId"]!.GetValue<string>()])).Single().Value.Should().Equal(["inquiry_made"]);
    }

    [Fact]
    public async Task A_request_whose_exchange_changed_meanwhile_gets_its_own_answer_and_the_others_commit_together()
    {
        var people = await PeopleAsync(5);
        var ids = new List<string>();
        foreach (var p in people)
        {
            ids.Add(await api.MakeInquiryAsync(p));
        }

        var before = Commits.Counts;

        // While the five provisions wait for their commit, another writer (as the bulk path or a confirmation would) records
        // a provision of the third exchange with other content: the third request's decision is stale.
        var answers = await SendTogetherAsync(
            [.. people.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() =>
                api.Institution(p.ProviderCode).PostProvisionAsync(ids[i], ExchangeScenarios.ProvisionRequest(p))))],
            people.Count,
            whileHeld: () => ProvideElsewhereAsync(people[2], ids[2]));

        for (var i = 0; i < people.Count; i++)
        {
            if (i == 2)
            {
                await answers[i].ShouldBeAsync(HttpStatusCode.Conflict, "its exchange has another provision now");
                (await answers[i].ReadProblemAsync()).Title.Should().Be("This exchange already has a provision.");
            }
            else
            {
                await answers[i].ShouldBeAsync(HttpStatusCode.Created, "the others are not failed by the third's conflict");
            }
        }

        var after = Commits.Counts;
        (after.Writes - before.Writes).Should().Be(people.Count, "the holder and the four provisions: the loser is not counted");
        (after.Commits - before.Commits).Should().Be(2, "the holder's, then one for the four others, committed again without the loser");
        (await EventTypesAsync(ids)).Should().OnlyContain(e => e.Value.SequenceEqual(InquiryAndProvision),
            "one provision per exchange: the loser's was not written");
    }

    [Fact]
    public async Task A_shared_commit_the_database_drops_answers_every_request_in_it_503_and_records_none_of_them()
    {
        var people = await PeopleAsync(4);
        var inquiries = people.Select(p => ExchangeScenarios.InquiryRequest(p)).ToList();

        // Behind the four inquiries, in their transaction: a statement after which the server drops the connection, as a
        // restart or a failover would in the middle of the commit.
        var answers = await SendTogetherAsync(
            [.. people.Select((p, i) => (Func<Task<HttpResponseMessage>>)(() => api.Institution(p.InquirerCode).PostInquiryAsync(inquiries[i])))],
            people.Count,
            alsoQueue: () => Commits.CommitAsync(TestStamp, s => s.QueueSqlCommand("select pg_terminate_backend(pg_backend_pid())")));

        foreach (var answer in answers)
        {
            await answer.ShouldBeAsync(HttpStatusCode.ServiceUnavailable, "the commit holding the request failed: the client retries");
            answer.Headers.RetryAfter.Should().NotBeNull();
        }

        var ids = inquiries.Select(r => r["exchangeId"]!.GetValue<string>()).ToList();
        (await EventTypesAsync(ids)).Should().OnlyContain(e => e.Value.Count == 0, "nothing of the failed transaction is recorded");

        // The same requests sent again are recorded.
        for (var i = 0; i < people.Count; i++)
        {
            await (await api.Institution(people[i].InquirerCode).PostInquiryAsync(inquiries[i])).ShouldBeAsync(HttpStatusCode.Created, "retried");
        }
    }

    /// <summary>Another writer records a provision of the exchange with other content, in a transaction of its own.</summary>
    private async Task ProvideElsewhereAsync(LinkedPerson person, string exchangeId)
    {
        await using var session = api.Store.LightweightSession();
        var link = await session.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(person.ProviderCode, person.ProviderRecordId));
        var command = new ProvideInformation(person.ProviderRecordId, ExchangeScenarios.RequestedAt.AddMinutes(2), "no-data", null, null, null);
        session.Events.Append(ExchangeKeys.Stream(exchangeId), ProvideEndpoint.ToEvent(exchangeId, command, link!, "elsewhere"));
        await session.SaveChangesAsync();
    }

    /// <summary>Exchange id → its events' types in order.</summary>
    private async Task<Dictionary<string, List<string>>> EventTypesAsync(IReadOnlyList<string> exchangeIds)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select stream_id, type from {LedgerStore.Schema}.mt_events where stream_id = any(@streams) order by stream_id, version", connection);
        command.Parameters.AddWithValue("streams", exchangeIds.Select(ExchangeKeys.Stream).ToArray());
        var found = exchangeIds.ToDictionary(id => id, _ => new List<string>());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)["exchange:".Length..]].Add(reader.GetString(1));
        }

        return found;
    }
}
