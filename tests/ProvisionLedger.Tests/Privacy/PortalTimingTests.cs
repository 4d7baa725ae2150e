using System.Diagnostics;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>
/// A protected person's search must not answer measurably faster or slower than a search for a person the ledger never
/// saw: the time of an answer is as much an answer as its bytes. Calls are interleaved so that load on the machine falls
/// on both alike, and compared with a rank test (Mann-Whitney U); a noisy machine gets one more try.
/// </summary>
public sealed class PortalTimingTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private const int CallsEach = 200;

    /// <summary>|z| above this is a difference no noise explains (p ≈ 5e-5, two-sided).</summary>
    private const double Threshold = 4.0;

    [Fact]
    public async Task A_protected_person_and_a_never_seen_person_take_the_same_time()
    {
        var person = await api.LinkPersonAsync();
        for (var day = 0; day < 5; day++)
        {
            await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt.AddDays(day));
        }

        await api.ProtectAsync(person.MyNumber);
        var stranger = MyNumbers.Next();
        for (var warm = 0; warm < 20; warm++)
        {
            await api.RawSearchAsync(PortalScenarios.SearchRequest(warm % 2 == 0 ? person.MyNumber : stranger));
        }

        var z = await RankTestAsync(person.MyNumber, stranger);
        if (Math.Abs(z) > Threshold)
        {
            z = await RankTestAsync(person.MyNumber, stranger);
        }

        Math.Abs(z).Should().BeLessThan(Threshold, "the protected person's answer time must not stand out (z = {0:F2})", z);
    }

    private async Task<double> RankTestAsync(string protectedPerson, string stranger)
    {
        var timesProtected = new List<double>(CallsEach);
        var timesStranger = new List<double>(CallsEach);
        for (var i = 0; i < CallsEach; i++)
        {
            // Alternate which goes first, so neither always follows the other.
            var order = i % 2 == 0 ? new[] { true, false } : [false, true];
            foreach (var isProtected in order)
            {
                var clock = Stopwatch.StartNew();
                await api.RawSearchAsync(PortalScenarios.SearchRequest(isProtected ? protectedPerson : stranger));
                (isProtected ? timesProtected : timesStranger).Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return MannWhitneyZ(timesProtected, timesStranger);
    }

    /// <summary>The normal approximation of the Mann-Whitney U statistic, with midranks for ties.</summary>
    public static double MannWhitneyZ(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var all = a.Select(x => (Value: x, FromA: true)).Concat(b.Select(x => (Value: x, FromA: false))).OrderBy(x => x.Value).ToList();
        var rankSumA = 0.0;
        for (var i = 0; i < all.Count;)
        {
            var j = i;
            while (j + 1 < all.Count && all[j + 1].Value == all[i].Value)
            {
                j++;
            }

            var midrank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (all[k].FromA)
                {
                    rankSumA += midrank;
                }
            }

            i = j + 1;
        }

        double n1 = a.Count, n2 = b.Count;
        var u = rankSumA - n1 * (n1 + 1) / 2;
        return (u - n1 * n2 / 2) / Math.Sqrt(n1 * n2 * (n1 + n2 + 1) / 12);
    }

    [Fact]
    public void The_rank_test_tells_two_shifted_samples_apart_and_not_two_alike()
    {
        var low = Enumerable.Range(0, 200).Select(i => 5.0 + (i % 17) * 0.1).ToList();
        var high = low.Select(x => x + 1.0).ToList();

        MannWhitneyZ(low, high).Should().BeLessThan(-Threshold);
        MannWhitneyZ(low, low.ToList()).Should().BeApproximately(0, 0.01);
    }
}
