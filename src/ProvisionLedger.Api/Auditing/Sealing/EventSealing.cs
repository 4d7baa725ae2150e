using JasperFx.Events;
using Marten;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Api.Auditing.Sealing;

/// <summary>
/// Seals every event when it is written: each session that appends events enrols a transaction participant, which runs
/// after Marten's statements and before commit, reads the transaction's own event rows back as stored, and inserts one
/// <see cref="EventSeal"/> signed with the seal key over their digests. An event inserted with the database login alone
/// has no seal, and an edited one no longer matches its seal: <c>verify</c> names both. The key never reaches the
/// database; auditors check seals with its public key.
/// </summary>
public static class EventSealing
{
    /// <summary>Seals every event appended through stores built from <paramref name="opts"/>.</summary>
    public static void Use(StoreOptions opts, SealSigner signer, TimeProvider clock) =>
        opts.Listeners.Add(new SealingListener(signer, clock, new AuditDatabase(LedgerStore.Schema)));

    private sealed class SealingListener(SealSigner signer, TimeProvider clock, AuditDatabase tables) : DocumentSessionListenerBase
    {
        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            // Marten's appends, and the events appended set-based in the same transaction (StreamAppends).
            var events = session.PendingChanges.Streams().SelectMany(s => s.Events).Concat(StreamAppends.TakeForSeal(session)).ToList();
            if (events.Count > 0)
            {
                ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(new Seal(events, signer, clock, tables));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>One SaveChanges' seal. Marten keeps a session's participants until it is disposed: each seals once.</summary>
    private sealed class Seal(List<IEvent> events, SealSigner signer, TimeProvider clock, AuditDatabase tables) : ITransactionParticipant
    {
        private bool _done;

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            var seqIds = events.Select(e => e.Sequence).Order().ToArray();
            if (seqIds.Length == 0 || seqIds[0] <= 0)
            {
                throw new InvalidOperationException("Events were appended without sequence numbers: they cannot be sealed.");
            }

            // The rows as PostgreSQL stored them (jsonb's own text, server timestamps): what verify will read.
            await using var read = new NpgsqlCommand(
                $"select {AuditDatabase.EventColumns} from {tables.Schema}.mt_events e where e.seq_id = any(@seqs) order by e.seq_id",
                connection, transaction);
            read.Parameters.AddWithValue("seqs", seqIds);
            var digests = new List<byte[]>(seqIds.Length);
            await using (var r = await read.ExecuteReaderAsync(token))
            {
                while (await r.ReadAsync(token))
                {
                    var row = AuditDatabase.ReadEvent(r, 0);
                    if (row.SeqId != seqIds[digests.Count])
                    {
                        break;
                    }

                    digests.Add(CanonicalEvent.SealedDigest(row));
                }
            }

            if (digests.Count != seqIds.Length)
            {
                throw new InvalidOperationException($"Read back {digests.Count} of the {seqIds.Length} events this transaction appended: not sealed.");
            }

            await tables.InsertSealAsync(connection, transaction, signer.Seal(seqIds, [.. digests], clock.GetUtcNow()), token);
        }
    }
}
