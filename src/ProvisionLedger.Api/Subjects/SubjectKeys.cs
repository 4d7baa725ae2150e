using System.Security.Cryptography;
using System.Text;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Subjects;

/// <summary>
/// The only place a My Number is used: turned at once into keyed hashes. <c>subjectRef</c> identifies the person inside
/// the ledger; the 機関別符号 identifies the person to one institution only.
/// </summary>
public sealed class SubjectKeys(LedgerOptions options)
{
    public string SubjectRef(string myNumber) => Hash("subject", myNumber);

    public string InstitutionCode(string institutionCode, string myNumber) => Hash($"institution:{institutionCode}", myNumber);

    private string Hash(string purpose, string myNumber)
    {
        var bytes = HMACSHA256.HashData(options.SubjectHmacKey, Encoding.UTF8.GetBytes($"{purpose}\n{myNumber}"));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 20));
    }
}
