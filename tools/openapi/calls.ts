// Type-checked by .ci/run against the client types openapi-typescript generates from docs/openapi/v1.json (api.d.ts):
// every call below uses a body from API.md, so a document that lost a body, a field or an answer fails the build.
// Nothing here runs; `tsc --noEmit` is the test.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api";

const client = createClient<paths>({ baseUrl: "http://localhost:8080" });

// Valid test My Numbers (check digit per SPEC §6).
const myNumber = "123456789018";
const otherMyNumber = "987654321093";

export async function calls(): Promise<void> {
  const linked = await client.POST("/api/v1/linkages", {
    body: {
      institutionCode: "131016", localRecordId: "A-0001", myNumber, method: "jlis-3-items",
      evidence: { queryItems: ["kanaName", "dateOfBirth", "sex"], candidateCount: 2, documents: [] },
      operatorId: "staff-17", checkerIds: [], approverId: null, reason: "児童手当 認定請求", occurredAt: "2025-04-01T10:00:00+09:00",
    },
  });
  const linkageId: string | undefined = linked.data?.linkageId;

  await client.POST("/api/v1/linkages/{linkageId}/verifications", {
    params: { path: { linkageId: linkageId ?? "" } },
    body: { method: "jlis-4-items", occurredAt: "2025-05-01T10:00:00+09:00", agreed: true, details: "住民票と一致" },
  });

  const incident = await client.POST("/api/v1/linkages/{linkageId}/mislinkage", {
    params: { path: { linkageId: linkageId ?? "" } },
    body: { discoveredAt: "2025-06-10T15:00:00+09:00", discoveredBy: "staff-3", cause: "別人を選択", correctMyNumber: otherMyNumber },
  });
  const incidentId: string | undefined = incident.data?.incidentId;

  const history = await client.GET("/api/v1/linkages/{linkageId}/history", {
    params: { path: { linkageId: linkageId ?? "" }, query: { asOf: "2025-06-30" } },
  });
  const status: string | undefined = history.data?.state.status;

  await client.POST("/api/v1/exchanges", {
    body: {
      exchangeId: "NWS-2025-000000001", inquirerCode: "131016", providerCode: "011002", procedureCode: "74", infoItemCode: "2",
      inquirerLocalRecordId: "A-0001", period: { from: "2024-01-01", to: "2024-12-31" }, requestedAt: "2025-06-01T09:00:00+09:00",
      nonDisclosure: { reason: "dv" },
    },
  });

  await client.POST("/api/v1/exchanges/{exchangeId}/provision", {
    params: { path: { exchangeId: "NWS-2025-000000001" } },
    body: {
      providerLocalRecordId: "S-77", providedAt: "2025-06-01T09:00:05+09:00", result: "provided", errorCode: null,
      payloadDigest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    },
  });

  await client.POST("/api/v1/exchanges/{exchangeId}/corrections", {
    params: { path: { exchangeId: "NWS-2025-000000001" } },
    body: { kind: "wrong-subject", note: "照会対象者誤りのため追記", by: "staff-9", occurredAt: "2025-06-03T10:00:00+09:00" },
  });

  await client.POST("/api/v1/exchanges/{exchangeId}/non-disclosure", {
    params: { path: { exchangeId: "NWS-2025-000000001" } }, body: { reason: "dv", by: "staff-9" },
  });
  await client.POST("/api/v1/exchanges/{exchangeId}/non-disclosure/lift", {
    params: { path: { exchangeId: "NWS-2025-000000001" } }, body: { by: "staff-9", note: "解除" },
  });

  const protection = await client.POST("/api/v1/subjects/protections", {
    body: { myNumber, reason: "dv", registeredBy: "staff-5", occurredAt: "2025-06-05T10:00:00+09:00" },
  });
  await client.POST("/api/v1/subjects/protections/{protectionId}/end", {
    params: { path: { protectionId: protection.data?.protectionId ?? "" } },
  });

  const page = await client.POST("/api/v1/mynaportal/records/search", {
    body: {
      myNumber, viewer: { kind: "self" }, from: null, to: null, institutionCode: null, procedureCode: null, infoItemCode: null,
      pageSize: 20, cursor: null,
    },
  });
  const items: components["schemas"]["PortalPage"]["items"] | undefined = page.data?.items;
  const next: string | null | undefined = page.data?.nextCursor;

  const records = await client.GET("/api/v1/parties/{institutionCode}/records", {
    params: { path: { institutionCode: "131016" }, query: { role: "inquirer", from: "2025-04-01", pageSize: 100 } },
  });
  const recordIds: string[] | undefined = records.data?.items.map((r) => r.exchangeId);

  const trace = await client.GET("/api/v1/incidents/{incidentId}/trace", { params: { path: { incidentId: incidentId ?? "" } } });
  const reportable: boolean | undefined = trace.data?.ppcReport.reportable;

  const checkpoint = await client.GET("/api/v1/audit/checkpoints/latest");
  const head: string | undefined = checkpoint.data?.chainHead;

  // A refusal is problem+json naming the fields.
  const refused = await client.POST("/api/v1/exchanges", { body: { exchangeId: "x", inquirerCode: "131016", providerCode: "011002",
    procedureCode: "74", infoItemCode: "2", inquirerLocalRecordId: "A-0001", requestedAt: "2025-06-01T09:00:00+09:00" } });
  const errors: Record<string, string[]> | undefined = refused.error && "errors" in refused.error ? refused.error.errors : undefined;

  console.log(status, items, next, recordIds, reportable, head, errors);
}

// The wrong shapes must not type-check: a misspelt field and a result outside the enumeration.
await client.POST("/api/v1/exchanges/{exchangeId}/provision", {
  params: { path: { exchangeId: "x" } },
  // @ts-expect-error `result` is one of provided | no-data | error
  body: { providerLocalRecordId: "S-77", providedAt: "2025-06-01T09:00:05+09:00", result: "sent" },
});
// @ts-expect-error a linkage needs its evidence and more
await client.POST("/api/v1/linkages", { body: { institutionCode: "131016", localRecordId: "A-0001" } });
