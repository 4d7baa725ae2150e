using System.Net.Http.Json;
using System.Text.Json;

namespace ProvisionLedger.Integrity.Witnessing;

/// <summary>What a witness decided about the log's latest checkpoint.</summary>
/// <param name="PreviousSize">The size of the checkpoint it had accepted before (null on the first run).</param>
public sealed record WitnessOutcome(bool Accepted, long? PreviousSize, long Size, string Message, NoteSignature? Cosignature = null);

/// <summary>
/// An outside party that keeps the last checkpoint it accepted (in its own state folder, never in the ledger) and
/// cosigns a newer one only when a consistency proof shows that the newer tree extends it. A log that rewrote its history
/// (even with its own keys) cannot get a cosignature: the witness refuses, naming both sizes.
/// </summary>
public sealed class Witness(string stateFolder, string name, string privateKeyPem, IReadOnlyList<string> logPublicKeyPems)
{
    public const string StateFile = "last-accepted.note";
    public const string HistoryFile = "accepted.log";

    public string Name => name;

    /// <summary>The last checkpoint this witness accepted, or null before its first.</summary>
    public CheckpointNote? LastAccepted()
    {
        var file = Path.Combine(stateFolder, StateFile);
        return File.Exists(file) ? CheckpointNote.Parse(File.ReadAllText(file)) : null;
    }

    /// <summary>Decides about <paramref name="latest"/>, given the proof from the last accepted size to its size.</summary>
    public WitnessOutcome Check(CheckpointNote latest, IReadOnlyList<byte[]> consistencyProof, DateTimeOffset now)
    {
        var previous = LastAccepted();
        if (!logPublicKeyPems.Any(latest.IsSignedBy))
        {
            return new WitnessOutcome(false, previous?.Size, latest.Size, $"refused: the checkpoint of size {latest.Size} is not signed by the log's key");
        }

        if (previous is not null)
        {
            if (previous.Origin != latest.Origin)
            {
                return new WitnessOutcome(false, previous.Size, latest.Size,
                    $"refused: the checkpoint of size {latest.Size} is from log '{latest.Origin}', not '{previous.Origin}'");
            }

            if (latest.Size < previous.Size || !MerkleTree.VerifyConsistency(previous.Size, latest.Size, previous.RootHash, latest.RootHash, consistencyProof))
            {
                return new WitnessOutcome(false, previous.Size, latest.Size,
                    $"refused: inconsistent: the checkpoint of size {latest.Size} does not extend the accepted checkpoint of size {previous.Size}");
            }
        }

        var cosignature = CheckpointNote.Sign(name, privateKeyPem, latest.Text, now);
        return new WitnessOutcome(true, previous?.Size, latest.Size,
            previous is null
                ? $"accepted the checkpoint of size {latest.Size} (first seen; trusted from now on)"
                : $"accepted the checkpoint of size {latest.Size}, consistent with the accepted size {previous.Size}",
            cosignature);
    }

    /// <summary>Keeps an accepted checkpoint as the new state (replaced atomically) and appends it to the history.</summary>
    public void Keep(CheckpointNote accepted)
    {
        Directory.CreateDirectory(stateFolder);
        var state = Path.Combine(stateFolder, StateFile);
        var temp = state + ".tmp";
        File.WriteAllText(temp, accepted.ToString());
        File.Move(temp, state, overwrite: true);
        File.AppendAllText(Path.Combine(stateFolder, HistoryFile), $"{DateTimeOffset.UtcNow:O} {accepted.Size} {Convert.ToBase64String(accepted.RootHash)}\n");
    }
}

/// <summary>One witness run against the ledger's API (an auditor's token): fetch, check, cosign, post back, keep.</summary>
public static class WitnessRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="ledger">An HttpClient with the ledger's base address and an auditor's bearer token.</param>
    public static async Task<WitnessOutcome> RunAsync(HttpClient ledger, Witness witness, string witnessPublicKeyPem, TimeProvider clock,
        CancellationToken ct = default)
    {
        var latest = await GetJsonAsync(ledger, "/api/v1/audit/checkpoints/latest", ct);
        var id = latest.GetProperty("id").GetInt64();
        var noteText = latest.TryGetProperty("note", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : throw new InvalidOperationException($"checkpoint {id} has no signed note (made before notes existed): make a new checkpoint");
        var served = CheckpointNote.Parse(noteText);
        var note = served with { Signatures = served.Signatures.Take(1).ToList() };
        var previous = witness.LastAccepted();
        var proof = new List<byte[]>();
        if (previous is not null && previous.Size > 0 && previous.Size < note.Size)
        {
            var answer = await GetJsonAsync(ledger, $"/api/v1/audit/consistency?from={previous.Size}&to={note.Size}", ct);
            proof = answer.GetProperty("proof").EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList();
        }

        var outcome = witness.Check(note, proof, clock.GetUtcNow());
        if (!outcome.Accepted)
        {
            return outcome;
        }

        var line = new CheckpointNote(note.Origin, note.Size, note.RootHash, [outcome.Cosignature!]).ToString().Split('\n')[^2];
        using var posted = await ledger.PostAsJsonAsync($"/api/v1/audit/checkpoints/{id}/cosignatures", new { line, publicKeyPem = witnessPublicKeyPem }, Json, ct);
        if (!posted.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the ledger refused the cosignature of checkpoint {id}: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync(ct)}");
        }

        witness.Keep(note with { Signatures = [.. note.Signatures, outcome.Cosignature!] });
        return outcome;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient ledger, string path, CancellationToken ct)
    {
        using var response = await ledger.GetAsync(path, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.Clone();
    }
}
