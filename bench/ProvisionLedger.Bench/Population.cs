using System.Globalization;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Correcting;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Linkages.Linking;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;

namespace ProvisionLedger.Bench;

/// <summary>One exchange as a client sends it: the inquiry, the provision and, for a few, an appended correction.</summary>
public sealed record ExchangePlan(
    int Person,
    MakeInquiry Inquiry,
    ProvideInformation Provision,
    AppendCorrection? Correction)
{
    public string ExchangeId => Inquiry.ExchangeId!;
}

/// <summary>
/// A deterministic synthetic population: people with valid My Numbers, each linked at three institutions of the reference
/// codes, and exchanges between two of those institutions with the service's realistic mix (a few percent non-disclosed,
/// some corrections, some no-data and error results). Every value derives from the index, so a run is repeatable.
/// </summary>
public sealed class Population(CodeRegistry codes, LedgerOptions options)
{
    public const double InquiryNonDisclosure = 0.03;
    public const double ProviderNonDisclosure = 0.01;
    public const double CorrectionRate = 0.02;

    private static readonly TimeSpan Jst = TimeSpan.FromHours(9);
    private readonly string[] _institutions = [.. codes.Institutions.Select(c => c.Code).Order(StringComparer.Ordinal)];
    private readonly string[] _procedures = [.. codes.Procedures.Select(c => c.Code).Order(StringComparer.Ordinal)];
    private readonly string[] _items = [.. codes.InfoItems.Select(c => c.Code).Order(StringComparer.Ordinal)];
    private readonly SubjectKeys _subjects = new(options);

    /// <summary>Business times lie in the two years before this moment (whole seconds, Japan time).</summary>
    private readonly DateTimeOffset _epoch = new DateTimeOffset(DateTime.UtcNow.AddDays(-1).Date, TimeSpan.Zero).ToOffset(Jst);

    public IReadOnlyList<string> Institutions => _institutions;

    public LedgerOptions Options => options;

    /// <summary>A person whose records are never marked non-disclosed, so that all of them reach the portal view.</summary>
    public int? AlwaysVisiblePerson { get; set; }

    public string SubjectRefOf(int person) => _subjects.SubjectRef(MyNumberOf(person));

    public static string MyNumberOf(int person)
    {
        var first11 = (20_000_000_000L + (person * 7L)).ToString("D11", CultureInfo.InvariantCulture);
        return first11 + MyNumber.CheckDigit(first11).ToString(CultureInfo.InvariantCulture);
    }

    public static string LocalRecordOf(int person) => $"LR-{person:D8}";

    /// <summary>The three institutions a person is linked at.</summary>
    public string[] InstitutionsOf(int person)
    {
        var mix = new Mix(0x5eed, person);
        var n = _institutions.Length;
        var a = mix.Next(n);
        var b = (a + 1 + mix.Next(n - 1)) % n;
        var c = a;
        while (c == a || c == b)
        {
            c = mix.Next(n);
        }

        return [_institutions[a], _institutions[b], _institutions[c]];
    }

    public LinkSubject Linkage(int person, string institution)
    {
        var mix = new Mix(0x11a6 ^ Mix.StableHash(institution), person);
        var roll = mix.NextDouble();
        var (method, items, candidates, documents) = roll switch
        {
            < 0.60 => (LinkageMethods.JlisFourItems, new[] { "kanaName", "dateOfBirth", "sex", "address" }, 1, Array.Empty<string>()),
            < 0.75 => (LinkageMethods.JlisThreeItems, ["kanaName", "dateOfBirth", "sex"], 1 + mix.Next(3), []),
            < 0.95 => (LinkageMethods.ApplicantProvided, [], 1, ["個人番号カード"]),
            _ => (LinkageMethods.ResidentRegistry, [], 1, []),
        };
        return new LinkSubject(
            institution, LocalRecordOf(person), MyNumberOf(person), method,
            new LinkageEvidenceInput(items, candidates, documents),
            $"staff-{mix.Next(40)}", mix.NextDouble() < 0.7 ? [$"staff-{40 + mix.Next(40)}"] : [], mix.NextDouble() < 0.5 ? "chief-1" : null,
            "bench population", _epoch.AddDays(-800));
    }

    /// <summary>The event the service records for a first linkage (as LinkEndpoint builds it).</summary>
    public SubjectLinked LinkedEvent(LinkSubject command)
    {
        var key = LinkageKeys.Stream(command.InstitutionCode!, command.LocalRecordId!);
        return new SubjectLinked(
            key, LinkageKeys.LinkageId(key, 1), command.InstitutionCode!, command.LocalRecordId!,
            _subjects.SubjectRef(command.MyNumber!), _subjects.InstitutionCode(command.InstitutionCode!, command.MyNumber!),
            command.Method!,
            new LinkageEvidence(command.Evidence!.QueryItems ?? [], command.Evidence.CandidateCount ?? 0, command.Evidence.Documents ?? []),
            command.OperatorId!, command.CheckerIds ?? [], command.ApproverId, command.Reason, null,
            Fingerprint.Of(command, options.SubjectHmacKey), command.OccurredAt!.Value);
    }

    /// <summary>The current linkage of a local record, as LinkageProjection keeps it after the first linkage.</summary>
    public LocalRecordLink Link(int person, string institution)
    {
        var linked = LinkedEvent(Linkage(person, institution));
        return new LocalRecordLink
        {
            Id = linked.StreamKey, InstitutionCode = institution, LocalRecordId = linked.LocalRecordId, Episodes = 1,
            LinkageId = linked.LinkageId, SubjectRef = linked.SubjectRef, InstitutionSubjectCode = linked.InstitutionSubjectCode,
            RequestFingerprint = linked.RequestFingerprint, Active = true, LinkedAt = linked.OccurredAt,
        };
    }

    /// <summary>Exchange <paramref name="index"/> of a series, about <paramref name="person"/>.</summary>
    public ExchangePlan Exchange(string series, int index, int person)
    {
        var allowHidden = person != AlwaysVisiblePerson;
        var mix = new Mix(Mix.StableHash(series), index);
        var at = InstitutionsOf(person);
        var i = mix.Next(3);
        var j = (i + 1 + mix.Next(2)) % 3;
        var requestedAt = _epoch.AddSeconds(-mix.Next(730 * 86_400));
        var providedAt = requestedAt.AddSeconds(1 + mix.Next(30));
        var roll = mix.NextDouble();
        var result = roll < 0.90 ? ExchangeResults.Provided : roll < 0.97 ? ExchangeResults.NoData : ExchangeResults.Error;
        var exchangeId = string.Create(CultureInfo.InvariantCulture, $"NWS-{series}-{index:D9}");
        var inquiry = new MakeInquiry(
            exchangeId, at[i], at[j], _procedures[mix.Next(_procedures.Length)], _items[mix.Next(_items.Length)], LocalRecordOf(person),
            mix.NextDouble() < 0.5 ? new InquiryPeriod(DateOnly.FromDateTime(requestedAt.Date.AddYears(-1)), DateOnly.FromDateTime(requestedAt.Date)) : null,
            requestedAt,
            allowHidden && mix.NextDouble() < InquiryNonDisclosure ? new NonDisclosureMark("dv") : null);
        var provision = new ProvideInformation(
            LocalRecordOf(person), providedAt, result,
            result == ExchangeResults.Error ? "E" + mix.Next(1000).ToString("D3", CultureInfo.InvariantCulture) : null,
            result == ExchangeResults.Provided ? $"sha256:{mix.NextULong():x16}{mix.NextULong():x16}{mix.NextULong():x16}{mix.NextULong():x16}" : null,
            allowHidden && mix.NextDouble() < ProviderNonDisclosure ? new NonDisclosureMark("abuse") : null);
        var correction = mix.NextDouble() < CorrectionRate
            ? new AppendCorrection(CorrectionKinds.WrongProcedure, "事務手続の誤りのため追記", $"staff-{mix.Next(40)}", providedAt.AddMinutes(5))
            : null;
        return new ExchangePlan(person, inquiry, provision, correction);
    }

    /// <summary>The events the service records for a plan, as its endpoints build them.</summary>
    public List<object> Events(ExchangePlan plan, bool withCorrection)
    {
        var inquiry = plan.Inquiry;
        var events = new List<object>(3)
        {
            MakeInquiryEndpoint.ToEvent(inquiry, Link(plan.Person, inquiry.InquirerCode!), Fingerprint.Of(inquiry, options.SubjectHmacKey)),
            ProvideEndpoint.ToEvent(
                plan.ExchangeId, plan.Provision, Link(plan.Person, inquiry.ProviderCode!), Fingerprint.Of(plan.Provision, options.SubjectHmacKey)),
        };
        if (withCorrection && plan.Correction is { } c)
        {
            var fingerprint = Fingerprint.Of(c, options.SubjectHmacKey);
            events.Add(new CorrectionAppended(
                plan.ExchangeId, AppendCorrectionEndpoint.CorrectionId(plan.ExchangeId, fingerprint), c.Kind!, c.Note!, c.By!, null, fingerprint,
                c.OccurredAt!.Value));
        }

        return events;
    }
}

/// <summary>SplitMix64 over (seed, index): cheap, repeatable draws without shared state.</summary>
public struct Mix(long seed, long index)
{
    private ulong _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + 1);

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public int Next(int exclusiveMax) => (int)(NextULong() % (ulong)exclusiveMax);

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>FNV-1a: string.GetHashCode differs between processes, and the population must not.</summary>
    public static long StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
