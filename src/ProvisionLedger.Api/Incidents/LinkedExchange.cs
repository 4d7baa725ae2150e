using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Incidents;

/// <summary>
/// One exchange as the linkages it was made under see it: the inquirer's linkage and, once provided, the provider's.
/// Both linkage ids are indexed columns, so "every record made under this linkage" is an index lookup, not a scan of
/// the party copies. It holds the local record ids of both sides, which the notification list needs, and is never
/// shown to an institution.
/// </summary>
public sealed class LinkedExchange
{
    public string Id { get; set; } = "";

    public string InquirerLinkageId { get; set; } = "";

    public string? ProviderLinkageId { get; set; }

    public string InquirerCode { get; set; } = "";

    public string ProviderCode { get; set; } = "";

    public string ProcedureCode { get; set; } = "";

    public string InfoItemCode { get; set; } = "";

    public string InquirerLocalRecordId { get; set; } = "";

    public string? ProviderLocalRecordId { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ProvidedAt { get; set; }

    public string? Result { get; set; }

    /// <summary>The role the institution of <paramref name="linkageId"/> played in this exchange.</summary>
    public string RoleOf(string linkageId) => ProviderLinkageId == linkageId ? Sides.Provider : Sides.Inquirer;
}

public sealed class LinkedExchangeProjection : IProjection
{
    /// <summary>The table, written set-based: one statement per batch of events (columns as Configuration duplicates them).</summary>
    public static readonly DocumentRows<LinkedExchange> Rows = new(
        "mt_doc_linkedexchange", x => x.Id,
        new DuplicatedColumn<LinkedExchange>("inquirer_linkage_id", "varchar", r => r.Select(x => x.InquirerLinkageId).ToArray()),
        new DuplicatedColumn<LinkedExchange>("provider_linkage_id", "varchar", r => r.Select(x => x.ProviderLinkageId).ToArray()));

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // Provisions of inquiries made in earlier batches: their documents, in one round trip.
        var started = events.Select(e => e.Data).OfType<InquiryMade>().Select(e => e.ExchangeId).ToHashSet(StringComparer.Ordinal);
        var earlier = events.Select(e => e.Data).OfType<InformationProvided>().Select(e => e.ExchangeId)
            .Where(id => !started.Contains(id)).Distinct(StringComparer.Ordinal).ToArray();
        var touched = earlier.Length == 0
            ? new Dictionary<string, LinkedExchange>(StringComparer.Ordinal)
            : (await operations.LoadManyAsync<LinkedExchange>(cancellation, earlier)).ToDictionary(x => x.Id, StringComparer.Ordinal);

        foreach (var e in events)
        {
            switch (e.Data)
            {
                case InquiryMade made:
                    touched[made.ExchangeId] = new LinkedExchange
                    {
                        Id = made.ExchangeId,
                        InquirerLinkageId = made.InquirerLinkageId,
                        InquirerCode = made.InquirerCode,
                        ProviderCode = made.ProviderCode,
                        ProcedureCode = made.ProcedureCode,
                        InfoItemCode = made.InfoItemCode,
                        InquirerLocalRecordId = made.InquirerLocalRecordId,
                        RequestedAt = made.RequestedAt,
                    };
                    break;

                case InformationProvided provided:
                {
                    // Provision validation makes an inquiry precede every provision.
                    var doc = touched.GetValueOrDefault(provided.ExchangeId)
                              ?? throw new InvalidOperationException($"Exchange {provided.ExchangeId} has a provision but no inquiry.");
                    doc.ProviderLinkageId = provided.ProviderLinkageId;
                    doc.ProviderLocalRecordId = provided.ProviderLocalRecordId;
                    doc.ProvidedAt = provided.ProvidedAt;
                    doc.Result = provided.Result;
                    break;
                }
            }
        }

        Rows.Upsert(operations, touched.Values);
    }
}
