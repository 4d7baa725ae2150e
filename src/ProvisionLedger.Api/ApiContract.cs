using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.Proving;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Correcting;
using ProvisionLedger.Api.Exchanges.ListingInquiryFile;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.MarkingNonDisclosure;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Exchanges.RecordingBatch;
using ProvisionLedger.Api.Incidents.Confirming;
using ProvisionLedger.Api.Incidents.Listing;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Infrastructure.OpenApi;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Linkages.AssessingRisk;
using ProvisionLedger.Api.Linkages.GettingHistory;
using ProvisionLedger.Api.Linkages.Linking;
using ProvisionLedger.Api.Linkages.Verifying;
using ProvisionLedger.Api.Mynaportal.Searching;
using ProvisionLedger.Api.Parties.GettingHistory;
using ProvisionLedger.Api.Parties.ListingCorrections;
using ProvisionLedger.Api.Parties.ListingRecords;
using ProvisionLedger.Api.Parties.Reconciling;
using ProvisionLedger.Api.Statistics;
using ProvisionLedger.Api.Subjects.Protecting;
using Microsoft.OpenApi;

namespace ProvisionLedger.Api;

/// <summary>The usage statistics as answered (the endpoint answers an anonymous object of this shape).</summary>
public sealed record UsageStatisticsPage(IReadOnlyList<UsageRow> Items);

/// <summary>The health answer.</summary>
public sealed record HealthStatus(string Status);

/// <summary>
/// The HTTP contract of API.md as the OpenAPI document states it (served at /openapi/v1.json, kept in
/// docs/openapi/v1.json): per route its operationId, feature tag, summary and description, request body with example,
/// query parameters and every answer. Roles are read from each endpoint's <c>[Authorize]</c>.
/// Add a route here when you add it to the service: the contract tests fail for a route or an answer not stated here.
/// </summary>
public static class ApiContract
{
    // Valid test My Numbers (check digit per SPEC §6); never anyone's real number.
    public const string ExampleMyNumber = "123456789018";
    public const string OtherExampleMyNumber = "987654321093";

    private static readonly Answer Invalid = new(400, "Invalid fields, or a malformed body or route value: `errors` names each.");
    private static readonly Answer Unauthenticated = new(401, "No token, or an expired, unsigned or wrongly signed one.");
    private static readonly Answer WrongRole = new(403, "The token's role may not use this route.");
    private static readonly Answer Unprocessable = new(422, "The request is well-formed but contradicts the ledger's records: `errors` names the field.");

    private static Answer NotFound(string what) => new(404, $"{what} does not exist, or is not the caller's to see.");

    private static Answer Conflict(string when) => new(409, when);

    private static Answer[] Secured(params Answer[] answers) => [.. answers, Unauthenticated, WrongRole];

    public static ApiContractTable Table { get; } = new(
        Operations(),
        [
            ("Linkages", "紐付け: a local record linked to a person (by My Number), its re-checks, history and risk."),
            ("Exchanges", "情報提供等の記録: inquiries, provisions, appended corrections (追記) and non-disclosure marks."),
            ("Subjects", "DV protection of a person: while in force, none of the person's records shows in the portal view."),
            ("Parties", "The three party copies of each record (inquirer, provider, network system) and their reconciliation."),
            ("Mynaportal", "The Mynaportal view: a person's records as the person (or a proxy) sees them."),
            ("Incidents", "Mis-linkage incidents: confirmation, listing, trace and the PPC report draft."),
            ("Auditing", "Audit integrity: signed checkpoints of the hash chain, inclusion proofs and the read-access log."),
            ("Statistics", "Usage statistics by month, procedure and inquirer."),
            ("Health", "Liveness and readiness of the service (no token)."),
        ],
        [
            new BodyRules(typeof(LinkSubject), "institutionCode", "localRecordId", "myNumber", "method", "evidence", "operatorId", "occurredAt")
            {
                Enums = new Dictionary<string, string[]> { ["method"] = LinkageMethods.Registrable },
            },
            new BodyRules(typeof(LinkageEvidenceInput), "candidateCount")
            {
                Enums = new Dictionary<string, string[]> { ["queryItems"] = LinkageMethods.QueryItems },
            },
            new BodyRules(typeof(VerifyLinkage), "method", "occurredAt", "agreed")
            {
                Enums = new Dictionary<string, string[]> { ["method"] = VerifyLinkageEndpoint.Methods },
            },
            new BodyRules(typeof(ConfirmMisLinkage), "discoveredAt", "discoveredBy", "cause"),
            new BodyRules(typeof(MakeInquiry), "exchangeId", "inquirerCode", "providerCode", "procedureCode", "infoItemCode", "inquirerLocalRecordId", "requestedAt"),
            new BodyRules(typeof(InquiryPeriod)),
            new BodyRules(typeof(NonDisclosureMark), "reason") { Enums = new Dictionary<string, string[]> { ["reason"] = NonDisclosureReasons.All } },
            new BodyRules(typeof(ProvideInformation), "providerLocalRecordId", "providedAt", "result")
            {
                Enums = new Dictionary<string, string[]> { ["result"] = ExchangeResults.All },
            },
            new BodyRules(typeof(RecordBatch), "records"),
            new BodyRules(typeof(BatchRecord), "inquiry"),
            new BodyRules(typeof(AppendCorrection), "kind", "note", "by", "occurredAt")
            {
                Enums = new Dictionary<string, string[]> { ["kind"] = CorrectionKinds.All },
            },
            new BodyRules(typeof(SetNonDisclosure), "reason", "by")
            {
                Enums = new Dictionary<string, string[]> { ["reason"] = NonDisclosureReasons.All, ["side"] = Sides.All },
            },
            new BodyRules(typeof(LiftNonDisclosure), "by") { Enums = new Dictionary<string, string[]> { ["side"] = Sides.All } },
            new BodyRules(typeof(RegisterProtection), "myNumber", "reason", "registeredBy")
            {
                Enums = new Dictionary<string, string[]> { ["reason"] = NonDisclosureReasons.All },
            },
            new BodyRules(typeof(EndProtection)),
            new BodyRules(typeof(SearchRecords), "myNumber", "viewer"),
            new BodyRules(typeof(Viewer), "kind") { Enums = new Dictionary<string, string[]> { ["kind"] = ["self", "proxy"] } },
            new BodyRules(typeof(SearchAccess), "myNumber"),
        ],
        "ProvisionLedger API",
        "An append-only ledger of Japan's My Number information linkage (情報提供等の記録). JSON is camelCase; times are "
        + "ISO-8601 with offset (a bare date or a time without offset is Japan time); errors are application/problem+json with a "
        + "`title` and, for invalid fields, an `errors` object naming each. A My Number only ever travels in a request body: "
        + "it is never stored, logged, put in a URL or returned. Writes are idempotent: the same body again answers 200 with the "
        + "first answer.");

    /// <summary>Answers every route can give besides its own (the pipeline's, before or around any endpoint).</summary>
    private static IEnumerable<Answer> AnswersOfEveryRoute(OperationContract operation)
    {
        yield return new Answer(400, "A query value of the wrong type, or holding a control or invisible format character: `errors` names the parameter.");
        if (operation.Body is not null || operation.BodySchema is not null)
        {
            yield return new Answer(413, $"The body is larger than the route's limit ({RequestLimits.DefaultBodyBytes / 1024} KiB; bulk routes more).");
        }

        yield return new Answer(429, "Too many requests from this address or principal: wait the seconds in Retry-After.");
        yield return new Answer(503, "The ledger's database cannot be reached or written: try again after the seconds in Retry-After.");
    }

    /// <summary>
    /// A type of a route being merged from another branch, by name: null (and its route absent) until it is in the build.
    /// </summary>
    private static Type? Later(string fullName) => typeof(ApiContract).Assembly.GetType(fullName);

    private static List<OperationContract> Operations() =>
        [.. Routes().Select(o => o with { Answers = [.. o.Answers, .. AnswersOfEveryRoute(o).Where(a => o.Answers.All(b => b.Status != a.Status))] })];

    private static List<OperationContract> Routes() =>
    [
        // Linkages
        new("POST", "/api/v1/linkages", "linkSubject", "Linkages", "Link a local record to a person",
            "Registers that an institution's local record is the person with this My Number, with the evidence of how it was established "
            + "(J-LIS query items, candidate count, documents), who did it and who checked it. An institution links its own records only.")
        {
            Body = typeof(LinkSubject),
            Example = """
                { "institutionCode": "131016", "localRecordId": "A-0001", "myNumber": "123456789018", "method": "jlis-3-items",
                  "evidence": { "queryItems": ["kanaName", "dateOfBirth", "sex"], "candidateCount": 2, "documents": [] },
                  "operatorId": "staff-17", "checkerIds": [], "approverId": null, "reason": "児童手当 認定請求",
                  "occurredAt": "2025-04-01T10:00:00+09:00" }
                """,
            Answers = Secured(
                new Answer(200, "The same body was recorded before: the first answer.", typeof(LinkageCreated)),
                new Answer(201, "Linked.", typeof(LinkageCreated)),
                Invalid,
                Conflict("The local record is already linked (and not ended) with something else.")),
        },
        new("POST", "/api/v1/linkages/{linkageId}/verifications", "verifyLinkage", "Linkages", "Record a re-check of a linkage",
            "A periodic re-check (定期的・体系的な点検) of one linkage in force: agreed, or a discrepancy found (then `details` says what).")
        {
            Body = typeof(VerifyLinkage),
            Example = """{ "method": "jlis-4-items", "occurredAt": "2025-05-01T10:00:00+09:00", "agreed": true, "details": null }""",
            Answers = Secured(
                new Answer(200, "The same re-check was recorded before.", typeof(VerificationRecorded)),
                new Answer(201, "Recorded.", typeof(VerificationRecorded)),
                Invalid, NotFound("The linkage"), Conflict("The linkage has ended.")),
        },
        new("POST", "/api/v1/linkages/verifications/batch", "verifyLinkagesInBulk", "Linkages", "Record a file of re-checks",
            "A file of re-check results (CSV with a header line `linkageId,method,occurredAt,agreed,details`, or JSON lines), all or "
            + "nothing: any bad line is a 400 naming each line and field, and nothing is written. The same file again answers 200.")
        {
            BodyMediaTypes = ["text/csv", "application/x-ndjson"],
            BodySchema = () => new OpenApiSchema { Type = JsonSchemaType.String, Description = "At most 8 MB and 20,000 lines, UTF-8." },
            Example = "linkageId,method,occurredAt,agreed,details\nLNK-example,jlis-4-items,2025-05-01T10:00:00+09:00,true,\n",
            MediaExamples = new Dictionary<string, string>
            {
                ["application/x-ndjson"] = """{"linkageId":"LNK-example","method":"jlis-4-items","occurredAt":"2025-05-01T10:00:00+09:00","agreed":true}""" + "\n",
            },
            Answers = Secured(
                new Answer(200, "Every line was recorded before.", typeof(BulkVerificationRecorded)),
                new Answer(201, "Recorded.", typeof(BulkVerificationRecorded)),
                Invalid,
                Conflict("A linkage in the file changed while the file was recorded; send it again."),
                new Answer(413, "The file is larger than 8 MB."),
                new Answer(415, "Neither text/csv nor JSON lines.")),
        },
        new("GET", "/api/v1/linkages/{linkageId}/history", "getLinkageHistory", "Linkages", "Linkage history as of a moment",
            "Every linkage event of that local record recorded up to `asOf` (default now), in order, with recording time, business "
            + "time and who recorded it, and the state as of `asOf`. An institution sees its own linkages only.")
        {
            Query =
            [
                new QueryParameter("asOf", "Recording time to look from (default now); a bare date is the end of that day in Japan time.", Schemas.DateTime),
                new QueryParameter("validAt", "Business time: the state as it was true then, counting what was recorded by asOf; a bare date is the end of that day in Japan time.", Schemas.DateTime),
                Schemas.PageSize(GetLinkageHistoryEndpoint.Limits),
                Schemas.Cursor("the history (it keeps the first page's asOf)"),
            ],
            Answers = Secured(new Answer(200, "The history.", typeof(LinkageHistory)), Invalid, NotFound("The linkage")),
        },
        new("GET", "/api/v1/linkages/risks", "listLinkageRisks", "Linkages", "Linkages at risk",
            "Linkages in force made the way the 2023 mis-linkages were made, oldest first, each with its risk factors: where to point "
            + "the next re-check. An institution sees its own.")
        {
            Query =
            [
                new QueryParameter("institutionCode", "Only this institution's linkages (an institution: its own code only).", () => Schemas.Identifier()),
                Schemas.From("the linking time"), Schemas.To("the linking time"),
                new QueryParameter("pattern2023", "true keeps only the full 2023 pattern (address-less search, several candidates, no second checker).", Schemas.TrueOrFalse),
                Schemas.PageSize(GetLinkageRisksEndpoint.Limits), Schemas.Cursor("the listing"),
            ],
            Answers = Secured(new Answer(200, "A page of linkages at risk.", typeof(LinkageRiskPage)), Invalid, NotFound("Another institution's listing")),
        },
        new("POST", "/api/v1/linkages/{linkageId}/mislinkage", "confirmMisLinkage", "Incidents", "Confirm a mis-linkage",
            "紐付け誤りの確認: the linkage was wrong. Opens an incident, attributes every record made under it to the incident, and with "
            + "`correctMyNumber` re-links the local record to that person from this moment.")
        {
            Body = typeof(ConfirmMisLinkage),
            Example = """
                { "discoveredAt": "2025-06-10T15:00:00+09:00", "discoveredBy": "staff-3", "cause": "同姓同名・生年月日一致の別人を選択",
                  "correctMyNumber": "987654321093", "improperPurpose": false }
                """,
            Answers = Secured(
                new Answer(200, "The same confirmation was recorded before.", typeof(IncidentAnswer)),
                new Answer(201, "Confirmed; the incident is opened.", typeof(IncidentAnswer)),
                Invalid, NotFound("The linkage"), Conflict("Already confirmed as a mis-linkage, or the linkage has ended.")),
        },

        // Exchanges
        new("POST", "/api/v1/exchanges", "makeInquiry", "Exchanges", "Record an inquiry (情報照会)",
            "An inquiry by the inquirer about the person its local record is linked to at `requestedAt`. `period` and "
            + "`nonDisclosure` are optional. An institution records its own inquiries only.")
        {
            Body = typeof(MakeInquiry),
            Example = """
                { "exchangeId": "NWS-2025-000000001", "inquirerCode": "131016", "providerCode": "011002", "procedureCode": "74",
                  "infoItemCode": "2", "inquirerLocalRecordId": "A-0001", "period": { "from": "2024-01-01", "to": "2024-12-31" },
                  "requestedAt": "2025-06-01T09:00:00+09:00", "nonDisclosure": { "reason": "dv" } }
                """,
            Answers = Secured(
                new Answer(200, "The same body was recorded before.", typeof(ExchangeAccepted)),
                new Answer(201, "Recorded.", typeof(ExchangeAccepted)),
                Invalid, Conflict("The exchangeId exists with other content, or cannot be recorded."), Unprocessable),
        },
        new("POST", "/api/v1/exchanges/{exchangeId}/provision", "provideInformation", "Exchanges", "Record a provision (情報提供)",
            "The provider's answer to an inquiry: `provided`, `no-data` or `error` (then `errorCode`).")
        {
            Body = typeof(ProvideInformation),
            Example = """
                { "providerLocalRecordId": "S-77", "providedAt": "2025-06-01T09:00:05+09:00", "result": "provided", "errorCode": null,
                  "payloadDigest": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }
                """,
            Answers = Secured(
                new Answer(200, "The same provision was recorded before.", typeof(ExchangeAccepted)),
                new Answer(201, "Recorded.", typeof(ExchangeAccepted)),
                Invalid, NotFound("The exchange"), Conflict("The exchange already has another provision."), Unprocessable),
        },
        new("POST", "/api/v1/exchanges/batch", "recordExchangeBatch", "Exchanges", "Record many exchanges at once",
            "Bulk ingestion (一括照会 and the network system's feed): up to 1,000 inquiries, each optionally with its provision, in one "
            + "transaction and with the same rules as one at a time. Any bad record refuses the whole batch.")
        {
            Body = typeof(RecordBatch),
            Example = """
                { "records": [ { "inquiry": { "exchangeId": "NWS-2025-000000002", "inquirerCode": "131016", "providerCode": "011002",
                  "procedureCode": "74", "infoItemCode": "2", "inquirerLocalRecordId": "A-0001",
                  "requestedAt": "2025-06-02T09:00:00+09:00" }, "provision": null } ] }
                """,
            Answers = Secured(
                new Answer(200, "Every record was recorded before.", typeof(BatchRecorded)),
                new Answer(201, "Recorded.", typeof(BatchRecorded)),
                Invalid, Conflict("An exchangeId of the batch exists with other content, or cannot be recorded."), Unprocessable),
        },
        new("POST", "/api/v1/exchanges/{exchangeId}/corrections", "appendCorrection", "Exchanges", "Append a correction (追記)",
            "Appends a correction to a record; the original stays as it was. A party to the exchange (or the network system) only.")
        {
            Body = typeof(AppendCorrection),
            Example = """{ "kind": "wrong-subject", "note": "照会対象者誤りのため追記", "by": "staff-9", "occurredAt": "2025-06-03T10:00:00+09:00" }""",
            Answers = Secured(
                new Answer(200, "The same correction was appended before.", typeof(CorrectionAccepted)),
                new Answer(201, "Appended.", typeof(CorrectionAccepted)),
                Invalid, NotFound("The exchange")),
        },
        new("POST", "/api/v1/exchanges/{exchangeId}/non-disclosure", "markNonDisclosure", "Exchanges", "Mark a record not to be disclosed",
            "Sets a non-disclosure mark (不開示) on the caller's side of the record: it leaves the person's portal view and every trace there.")
        {
            Body = typeof(SetNonDisclosure),
            Example = """{ "reason": "dv", "by": "staff-9" }""",
            Answers = Secured(
                new Answer(200, "The mark was already in force.", typeof(NonDisclosureState)),
                new Answer(201, "Marked.", typeof(NonDisclosureState)),
                Invalid, NotFound("The exchange")),
        },
        new("POST", "/api/v1/exchanges/{exchangeId}/non-disclosure/lift", "liftNonDisclosure", "Exchanges", "Lift a non-disclosure mark",
            "Lifts the caller's side's mark; the record shows in the portal view again if no other mark holds it back.")
        {
            Body = typeof(LiftNonDisclosure),
            Example = """{ "by": "staff-9", "note": "本人確認のうえ解除" }""",
            Answers = Secured(
                new Answer(200, "This lift was recorded before.", typeof(NonDisclosureState)),
                new Answer(201, "Lifted.", typeof(NonDisclosureState)),
                Invalid, NotFound("The exchange"), Conflict("No mark of that side is in force.")),
        },
        new("GET", "/api/v1/exchanges/{exchangeId}/history", "getExchangeHistory", "Exchanges", "Correction append history of a record",
            "The original entry and every appended entry (provision, corrections, non-disclosure marks), in order, with who and when; "
            + "and the record as the caller's copy holds it.")
        {
            Query =
            [
                new QueryParameter("asOf", "Recording time to look from (default now); a bare date is the end of that day in Japan time.", Schemas.DateTime),
                new QueryParameter("validAt", "Business time: the entries in force then, counting what was recorded by asOf; a bare date is the end of that day in Japan time.", Schemas.DateTime),
            ],
            Answers = Secured(new Answer(200, "The history.", typeof(ExchangeHistory)), Invalid, NotFound("The exchange")),
        },

        // Subjects
        new("POST", "/api/v1/subjects/protections", "registerProtection", "Subjects", "Register DV protection of a person",
            "While in force, none of the person's records shows in the portal view, and the view answers exactly as for a person the ledger has never seen.")
        {
            Body = typeof(RegisterProtection),
            Example = """{ "myNumber": "123456789018", "reason": "dv", "registeredBy": "staff-5", "occurredAt": "2025-06-05T10:00:00+09:00" }""",
            Answers = Secured(
                new Answer(200, "The same registration was recorded before.", typeof(ProtectionAccepted)),
                new Answer(201, "Registered.", typeof(ProtectionAccepted)),
                Invalid, Conflict("The person's protection changed meanwhile; send it again.")),
        },
        new("POST", "/api/v1/subjects/protections/{protectionId}/end", "endProtection", "Subjects", "End a DV protection",
            "Ends the protection; the body is optional.")
        {
            Body = typeof(EndProtection),
            BodyRequired = false,
            Example = """{ "endedBy": "staff-5", "note": "保護終了の申出", "occurredAt": "2025-09-01T10:00:00+09:00" }""",
            Answers = Secured(
                new Answer(200, "Already ended.", typeof(ProtectionAccepted)),
                new Answer(201, "Ended.", typeof(ProtectionAccepted)),
                Invalid, NotFound("The protection"), Conflict("The person's protection changed meanwhile; send it again.")),
        },

        // Parties
        new("GET", "/api/v1/parties/nws/records", "listNwsRecords", "Parties", "The network system's copy",
            "The network system's copy of the records, keyset-paged, oldest first. It has `inquirerSubjectCode` and `providerSubjectCode` and no local record ids.")
        {
            Query = [Schemas.From("the request time"), Schemas.To("the request time"), Schemas.PageSize(ListRecordsEndpoint.Limits), Schemas.Cursor("the listing")],
            Answers = Secured(new Answer(200, "A page of records.", typeof(PartyRecordPage)), Invalid),
        },
        new("GET", "/api/v1/parties/{institutionCode}/records", "listInstitutionRecords", "Parties", "An institution's copy",
            "The institution's own copy (as inquirer, provider or both), keyset-paged: `subjectCode` and `localRecordId` are its own.")
        {
            Query =
            [
                new QueryParameter("role", "Only records where the institution is the inquirer or the provider.", () => Schemas.Enum(Sides.Inquirer, Sides.Provider)),
                Schemas.From("the request time"), Schemas.To("the request time"), Schemas.PageSize(ListRecordsEndpoint.Limits), Schemas.Cursor("the listing"),
            ],
            Answers = Secured(new Answer(200, "A page of records.", typeof(PartyRecordPage)), Invalid, NotFound("The institution")),
        },
        new("GET", "/api/v1/parties/{institutionCode}/corrections", "listInstitutionCorrections", "Parties", "An institution's corrections",
            "The institution's appended corrections (追記) over a period, from its own copies, oldest first.")
        {
            Query = [Schemas.From("the correction time"), Schemas.To("the correction time")],
            Answers = Secured(new Answer(200, "The corrections.", typeof(InstitutionCorrections)), Invalid, NotFound("The institution")),
        },
        new("GET", "/api/v1/parties/reconciliation", "reconcileCopies", "Parties", "Reconcile the three copies",
            "Replays the events and compares every party copy with them: the divergences between the three copies. Checks up to "
            + "`streams` exchange streams per call, in stream-id order, and answers `nextCursor` until the last range; the figures are that call's.")
        {
            Query =
            [
                new QueryParameter("streams", $"Exchange streams to check in this call, 1 to {ReconcileEndpoint.MaxStreamsPerCall} (default {ReconcileEndpoint.DefaultStreamsPerCall}).",
                    () => Schemas.WholeNumber(1, ReconcileEndpoint.MaxStreamsPerCall)),
                Schemas.Cursor("the reconciliation"),
            ],
            Answers = Secured(new Answer(200, "The reconciliation report.", typeof(ReconciliationReport))),
        },

        // Mynaportal
        new("POST", "/api/v1/mynaportal/records/search", "searchPortalRecords", "Mynaportal", "A person's records, as the portal shows them",
            "The person's records, newest first, without non-disclosed records and without any record while the person is protected. "
            + "Each call records a `RecordsViewed` event with the ids shown. A person with no visible records gets 200 with no items, "
            + "exactly like a person the ledger has never seen. `viewer.kind` is `self` or `proxy` (then `viewer.proxyId`).")
        {
            Body = typeof(SearchRecords),
            Example = """
                { "myNumber": "123456789018", "viewer": { "kind": "self" }, "from": null, "to": null, "institutionCode": null,
                  "procedureCode": null, "infoItemCode": null, "pageSize": 20, "cursor": null }
                """,
            Answers = Secured(new Answer(200, "A page of the person's records.", typeof(PortalPage)), Invalid),
        },

        // Incidents
        new("GET", "/api/v1/incidents", "listIncidents", "Incidents", "Mis-linkage incidents",
            "Incidents discovered in a period, newest first; an institution sees its own.")
        {
            Query =
            [
                new QueryParameter("institutionCode", "Only this institution's incidents (an institution: its own code only).", () => Schemas.Identifier()),
                Schemas.From("the discovery time"), Schemas.To("the discovery time"), Schemas.PageSize(ListIncidentsEndpoint.Limits),
                Schemas.Cursor("the listing"),
            ],
            Answers = Secured(new Answer(200, "A page of incidents.", typeof(IncidentPage)), Invalid, NotFound("Another institution's listing")),
        },
        new("GET", "/api/v1/incidents/{incidentId}/trace", "traceIncident", "Incidents", "Trace of an incident",
            "SPEC §4: the records made under the wrong linkage, the persons affected, receiving institutions, information items, the "
            + "exposure window, whether the wrongly linked person's portal view showed them, the cause, and the PPC report draft. "
            + "Every count and summary is over all affected records; the records themselves come `pageSize` at a time.")
        {
            Query = [Schemas.PageSize(GetTraceEndpoint.Limits), Schemas.Cursor("the affected records")],
            Answers = Secured(new Answer(200, "The trace.", typeof(IncidentTrace)), Invalid, NotFound("The incident")),
        },
        new("GET", "/api/v1/incidents/{incidentId}/report", "getIncidentReport", "Incidents", "PPC report draft as a document",
            "The trace's 漏えい等報告 draft as a readable Japanese HTML document.")
        {
            Answers = Secured(new Answer(200, "The report.", MediaType: "text/html"), Invalid, NotFound("The incident")),
        },

        // Auditing
        new("GET", "/api/v1/audit/checkpoints/latest", "getLatestCheckpoint", "Auditing", "The latest signed checkpoint",
            "The newest signed checkpoint of the hash chain: sequence, chain head, Merkle root, signing time, key id and signature.")
        {
            Answers = Secured(new Answer(200, "The checkpoint.", typeof(CheckpointView)), NotFound("A checkpoint")),
        },
        new("GET", "/api/v1/audit/checkpoints/{id}", "getCheckpoint", "Auditing", "A signed checkpoint", "One checkpoint by its id.")
        {
            Answers = Secured(new Answer(200, "The checkpoint.", typeof(CheckpointView)), Invalid, NotFound("The checkpoint")),
        },
        new("POST", "/api/v1/audit/checkpoints", "makeCheckpoint", "Auditing", "Make a checkpoint now",
            "Signs a checkpoint of the chain as it is now.")
        {
            Answers = Secured(new Answer(201, "Made.", typeof(CheckpointView)), new Answer(503, "No checkpoint signing key is configured.")),
        },
        new("GET", "/api/v1/audit/checkpoints/latest/note", "getLatestCheckpointNote", "Auditing", "The latest checkpoint as a signed note",
            "The newest checkpoint in the C2SP tlog-checkpoint signed-note format, with the witnesses' cosignature lines.")
        {
            Answers = Secured(new Answer(200, "The signed note.", MediaType: "text/plain"), NotFound("A checkpoint note")),
        },
        new("GET", "/api/v1/audit/checkpoints/{id}/note", "getCheckpointNote", "Auditing", "A checkpoint as a signed note",
            "One checkpoint in the C2SP tlog-checkpoint signed-note format, with the witnesses' cosignature lines.")
        {
            Answers = Secured(new Answer(200, "The signed note.", MediaType: "text/plain"), Invalid, NotFound("The checkpoint note")),
        },
        new("POST", "/api/v1/audit/checkpoints/{id}/cosignatures", "cosignCheckpoint", "Auditing", "A witness's cosignature",
            "A witness posts back the signature line it adds to the checkpoint's note, with its public key (PEM); it is kept, and "
            + "shown with the checkpoint, only when it verifies over this checkpoint's note.")
        {
            Body = typeof(CosignatureRequest),
            Example = """{ "line": "— witness.example AAAAAA==", "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----" }""",
            Answers = Secured(new Answer(201, "Kept; the checkpoint with its cosignatures.", typeof(CheckpointView)), Invalid, NotFound("The checkpoint")),
        },
        new("GET", "/api/v1/audit/consistency", "getConsistencyProof", "Auditing", "Consistency proof between two tree sizes",
            "The RFC 9162 consistency proof that the chain of `from` events is a prefix of the chain of `to` events, with both "
            + "roots as computed now: a witness or auditor checks it against the roots it holds signed.")
        {
            Query =
            [
                new QueryParameter("from", "The older tree size.", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
                new QueryParameter("to", "The newer tree size.", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
            ],
            Answers = Secured(new Answer(200, "The proof.", typeof(ConsistencyProofView)), Invalid),
        },
        new("GET", "/api/v1/audit/public-key", "getCheckpointPublicKey", "Auditing", "The checkpoint signing key",
            "The public key that verifies checkpoint signatures, as PEM.")
        {
            Answers = Secured(new Answer(200, "The key.", MediaType: "application/x-pem-file"), new Answer(503, "No checkpoint signing key is configured.")),
        },
        new("GET", "/api/v1/audit/proofs/{seq}", "getInclusionProof", "Auditing", "Inclusion proof of an event",
            "The Merkle inclusion proof of the event with this sequence number in a checkpoint (default the latest): hashes and the "
            + "audit path only, never the event's data.")
        {
            Query = [new QueryParameter("checkpoint", "The checkpoint's id (default the latest).", () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" })],
            Answers = Secured(
                new Answer(200, "The proof.", typeof(InclusionProofView)), Invalid, NotFound("The checkpoint or the event"),
                Conflict("The event is newer than the checkpoint.")),
        },
        new("GET", "/api/v1/audit/access", "listReadAccess", "Auditing", "Who read what",
            "The read-access log, newest first: who read the records of an institution (or by whom), in a period.")
        {
            Query =
            [
                new QueryParameter("institutionCode", "Reads of this institution's records.", () => Schemas.Identifier()),
                new QueryParameter("principal", "Reads by this principal.", () => Schemas.Identifier()),
                Schemas.From("the read time"), Schemas.To("the read time"), Schemas.PageSize(AccessSearchEndpoint.Limits), Schemas.Cursor("the listing"),
            ],
            Answers = Secured(new Answer(200, "A page of reads.", typeof(AccessPage)), Invalid),
        },
        new("POST", "/api/v1/audit/access/search", "searchReadAccess", "Auditing", "Who read a person's records",
            "The reads of one person's records, newest first; the My Number travels in the body, never in the URL.")
        {
            Body = typeof(SearchAccess),
            Example = """{ "myNumber": "123456789018", "from": "2025-04-01", "to": "2025-06-30", "pageSize": 50, "cursor": null }""",
            Answers = Secured(new Answer(200, "A page of reads.", typeof(AccessPage)), Invalid),
        },

        // Statistics
        new("GET", "/api/v1/statistics/usage", "getUsageStatistics", "Statistics", "Inquiries by month, procedure and inquirer",
            "Counts of inquiries per month, procedure and inquirer; an institution sees its own.")
        {
            Query =
            [
                new QueryParameter("inquirerCode", "Only this inquirer (an institution: its own code only).", () => Schemas.Identifier()),
                new QueryParameter("procedureCode", "Only this procedure (事務手続).", () => Schemas.Identifier()),
                new QueryParameter("from", "First month, yyyy-MM.", Schemas.Month),
                new QueryParameter("to", "Last month, yyyy-MM.", Schemas.Month),
            ],
            Answers = Secured(new Answer(200, "The counts.", typeof(UsageStatisticsPage)), Invalid, NotFound("Another institution's statistics")),
        },

        // Health
        new("GET", "/health", "getHealth", "Health", "Store reachable", "200 when the store is reachable.")
        {
            Answers = [new Answer(200, "The store is reachable.", typeof(HealthStatus))],
        },
        new("GET", "/health/live", "getLiveness", "Health", "The process runs", "200 while the process runs.")
        {
            Answers = [new Answer(200, "Live.", typeof(HealthStatus))],
        },
        new("GET", "/health/ready", "getReadiness", "Health", "The service can write and its background work is current",
            "200 when the service can write and its projections and chain are current; else 503 with Retry-After and the same body.")
        {
            Answers =
            [
                new Answer(200, "Ready.", Later("ProvisionLedger.Api.Infrastructure.Readiness")),
                new Answer(503, "Not ready: the body says why.", Later("ProvisionLedger.Api.Infrastructure.Readiness")),
            ],
        },

        // Reference data and 一括照会 files
        new("GET", "/api/v1/reference-codes", "listReferenceCodes", "Exchanges", "The code table in use",
            "Institutions, procedures and information items the ledger checks requests against, each with its code in bulk inquiry files (`fileCode`).")
        {
            Answers = Secured(new Answer(200, "The code table.", Later("ProvisionLedger.Api.ReferenceData.ListingCodes.ReferenceCodes"))),
        },
        new("POST", "/api/v1/inquiries/files", "importInquiryFile", "Exchanges", "Record a 一括照会 file",
            "A bulk inquiry file as the body (text/csv; charset=utf-8 or shift_jis), all or nothing: bad lines are a 400 naming each line "
            + "and field, and nothing is written. The same file again answers 200 with the same answer.")
        {
            BodyMediaTypes = ["text/csv"],
            BodySchema = () => new OpenApiSchema { Type = JsonSchemaType.String, Description = "一括照会 CSV, UTF-8 or Shift_JIS (say which in the charset)." },
            // The 18-field layout of docs/bulk-inquiry-files.md; codes are the fileCodes of GET /api/v1/reference-codes.
            Example = "01,A-0001,,20250601090000000,,,1310160000000000,0,JM00000000000074,JT01010000000074,,,0110020000000000,TM00000000000002,,,20240101,20241231\n",
            Answers = Secured(
                new Answer(200, "The same file was recorded before.", Later("ProvisionLedger.Api.Exchanges.ImportingInquiryFile.InquiryFileRecorded")),
                new Answer(201, "Recorded.", Later("ProvisionLedger.Api.Exchanges.ImportingInquiryFile.InquiryFileRecorded")),
                Invalid, Conflict("An exchange of the file exists with other content."), new Answer(413, "The file is too large; send it in parts."),
                new Answer(415, "Not text/csv with a charset of utf-8 or shift_jis."), Unprocessable),
        },
        new("GET", "/api/v1/inquiries/files/{fileId}", "getInquiryFile", "Exchanges", "Lines of a recorded 一括照会 file",
            "Which exchange each line became, in line order, paged by cursor.")
        {
            Query = [Schemas.PageSize(GetInquiryFileEndpoint.Limits), Schemas.Cursor("the file's lines")],
            Answers = Secured(
                new Answer(200, "A page of lines.", Later("ProvisionLedger.Api.Exchanges.ListingInquiryFile.InquiryFilePage")), Invalid,
                NotFound("The inquiry file")),
        },
    ];
}
