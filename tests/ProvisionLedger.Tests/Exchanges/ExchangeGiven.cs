using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>Given-steps for exchange decision tests: the write model as its events make it, and local record links.</summary>
public static class ExchangeGiven
{
    public const string ExchangeId = "NWS-D-0001";
    public const string Subject = "subject-a";
    public static readonly DateTimeOffset LinkedAt = new(2025, 5, 1, 9, 0, 0, TimeSpan.FromHours(9));
    public static readonly DateTimeOffset RequestedAt = new(2025, 6, 1, 9, 0, 0, TimeSpan.FromHours(9));

    public static readonly Actor Chiyoda = new(Roles.Institution, Institutions.Chiyoda, "clerk");
    public static readonly Actor Sapporo = new(Roles.Institution, Institutions.Sapporo, "clerk");
    public static readonly Actor Shinjuku = new(Roles.Institution, Institutions.Shinjuku, "clerk");
    public static readonly Actor Nws = new(Roles.Nws, null, "feed");

    /// <summary>The exchange's state after <paramref name="events"/>, folded by the same Apply methods Marten uses; null for none.</summary>
    public static ExchangeState? Exchange(params object[] events)
    {
        if (events.Length == 0)
        {
            return null;
        }

        var state = new ExchangeState();
        foreach (var e in events)
        {
            ((dynamic)state).Apply((dynamic)e);
        }

        return state;
    }

    public static InquiryMade Inquiry(string fingerprint = "inquiry-fp", NonDisclosureMark? mark = null) => new(
        ExchangeId, Institutions.Chiyoda, Institutions.Sapporo, "74", "2", "C-1", "link-c", Subject, "code-c", null, mark, fingerprint, RequestedAt);

    public static InformationProvided Provision(string fingerprint = "provision-fp") => new(
        ExchangeId, "S-1", "link-s", "code-s", ExchangeResults.Provided, null, "sha256:" + new string('a', 64), null, fingerprint, RequestedAt.AddHours(1));

    public static LocalRecordLink Link(string institution, string record, string subject = Subject, bool active = true, DateTimeOffset? linkedAt = null) => new()
    {
        Id = LinkageKeys.Stream(institution, record),
        InstitutionCode = institution,
        LocalRecordId = record,
        Episodes = 1,
        LinkageId = $"link-{record}",
        SubjectRef = subject,
        InstitutionSubjectCode = $"code-{record}",
        Active = active,
        LinkedAt = linkedAt ?? LinkedAt,
    };
}
