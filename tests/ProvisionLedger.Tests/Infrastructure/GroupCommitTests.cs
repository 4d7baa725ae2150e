using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;
using Viewed = ProvisionLedger.Api.Mynaportal.RecordsViewed;

namespace ProvisionLedger.Tests.Infrastructure;

/// <summary>
/// The group committer on the service's own store: concurrent writers share transactions, each is answered only once
/// its own write is committed (durable, with its own stamp), and a failing commit fails exactly the writes it held.
/// </summary>
public sealed class GroupCommitTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private GroupCommit Commits => api.Services.GetRequiredService<GroupCommit>();

    private static Viewed View(string subject) =>
        new(subject, "self", null, [], "mynaportal:test", DateTimeOffset.UtcNow);

    private static CommitStamp Stamp(int i) =>
        new($"mynaportal:writer-{i}", $"corr-{i}", new Dictionary<string, string> { ["role"] = Roles.Mynaportal });

    /// <summary>
    /// The first write holds the committer until every other writer has queued, so they meet in its transaction or in
    /// the next: at most two commits for fifty writes, whatever the machine's speed.
    /// </summary>
    private async Task<Task[]> CommitHeldAsync(List<Action<Marten.IDocumentSession>> writes)
    {
        using var allQueued = new ManualResetEventSlim();
        var first = Commits.CommitAsync(Stamp(0), session =>
        {
            allQueued.Wait(TimeSpan.FromSeconds(30));
            writes[0](session);
        });
        var rest = writes.Skip(1).Select((write, i) => Commits.CommitAsync(Stamp(i + 1), write)).ToList();
        allQueued.Set();
        var all = new[] { first }.Concat(rest).ToArray();
        try
        {
            await Task.WhenAll(all);
        }
        catch
        {
            // Each task is looked at by the test.
        }

        return all;
    }

    [Fact]
    public async Task Concurrent_writes_share_commits_and_each_is_durable_with_its_own_stamp_when_answered()
    {
        var streams = Enumerable.Range(0, 50).Select(_ => $"group-commit-test:{Guid.NewGuid():n}").ToList();
        var before = Commits.Counts;

        var tasks = await CommitHeldAsync(streams.Select(s => (Action<Marten.IDocumentSession>)(session => session.Events.StartStream(s, View(s)))).ToList());

        tasks.Should().OnlyContain(t => t.IsCompletedSuccessfully);
        var after = Commits.Counts;
        (after.Writes - before.Writes).Should().Be(50);
        (after.Commits - before.Commits).Should().BeInRange(1, 2, "the writers that queued while the first was held share one transaction");

        var stored = await EventsAsync(streams);
        stored.Should().HaveCount(50);
        for (var i = 0; i < streams.Count; i++)
        {
            stored[streams[i]].Should().Be(($"mynaportal:writer-{i}", $"corr-{i}", true), "every event carries its own writer's stamp");
        }
    }

    [Fact]
    public async Task A_failing_commit_fails_its_writers_and_commits_the_others_without_them()
    {
        var taken = $"group-commit-test:{Guid.NewGuid():n}";
        await Commits.CommitAsync(Stamp(0), s => s.Events.StartStream(taken, View(taken)));
        var streams = Enumerable.Range(0, 10).Select(_ => $"group-commit-test:{Guid.NewGuid():n}").ToList();
        streams[4] = taken; // a stream that exists already: its commit fails

        var tasks = await CommitHeldAsync(streams.Select(s => (Action<Marten.IDocumentSession>)(session => session.Events.StartStream(s, View(s)))).ToList());

        tasks[4].IsFaulted.Should().BeTrue("the write whose commit failed is not answered as recorded");
        tasks.Where((_, i) => i != 4).Should().OnlyContain(t => t.IsCompletedSuccessfully);
        var stored = await EventsAsync(streams);
        stored.Keys.Should().BeEquivalentTo(streams, "the other nine are committed");
        (await CountOfStreamAsync(taken)).Should().Be(1, "the failed write added nothing");
    }

    [Fact]
    public async Task A_lone_failing_commit_fails_and_the_committer_goes_on()
    {
        var taken = $"group-commit-test:{Guid.NewGuid():n}";
        await Commits.CommitAsync(Stamp(0), s => s.Events.StartStream(taken, View(taken)));

        var failing = () => Commits.CommitAsync(Stamp(1), s => s.Events.StartStream(taken, View(taken)));
        await failing.Should().ThrowAsync<Exception>();

        var next = $"group-commit-test:{Guid.NewGuid():n}";
        await Commits.CommitAsync(Stamp(2), s => s.Events.StartStream(next, View(next)));
        (await EventsAsync([next])).Should().HaveCount(1);
    }

    [Fact]
    public async Task Concurrent_portal_searches_are_each_recorded_and_share_commits()
    {
        var person = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        var viewsBefore = (await api.RecordsViewedAsync()).Count;
        var before = Commits.Counts;
        var start = new TaskCompletionSource();

        var searches = Enumerable.Range(0, 40).Select(async _ =>
        {
            await start.Task;
            return await api.PostSearchAsync(PortalScenarios.SearchRequest(person.MyNumber));
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(searches);

        answers.Select(a => a.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.OK);
        (await api.RecordsViewedAsync()).Skip(viewsBefore).Should().HaveCount(40, "every answered search is recorded");
        var after = Commits.Counts;
        (after.Writes - before.Writes).Should().Be(40);
        (after.Commits - before.Commits).Should().BeLessThan(40, "searches arriving during a commit share the next one");
    }

    /// <summary>Stream → (user name, correlation id, role header present) of the events in those streams.</summary>
    private async Task<Dictionary<string, (string User, string Correlation, bool Role)>> EventsAsync(List<string> streams)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select stream_id, user_name, correlation_id, headers ->> 'role' from {LedgerStore.Schema}.mt_events where stream_id = any(@streams)",
            connection);
        command.Parameters.AddWithValue("streams", streams.Distinct().ToArray());
        var found = new Dictionary<string, (string, string, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetString(0), (reader.GetString(1), reader.GetString(2), reader.GetString(3) == Roles.Mynaportal));
        }

        return found;
    }

    private async Task<long> CountOfStreamAsync(string stream)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.mt_events where stream_id = @s", connection);
        command.Parameters.AddWithValue("s", stream);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
