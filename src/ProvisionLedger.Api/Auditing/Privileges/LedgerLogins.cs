using Npgsql;

namespace ProvisionLedger.Api.Auditing.Privileges;

/// <summary>
/// The two database logins: <c>ConnectionStrings:Ledger</c>, the runtime login every request uses, and
/// <c>ConnectionStrings:LedgerAdmin</c>, the owner of the ledger's tables, used only to apply the schema at start.
/// Without LedgerAdmin the runtime login applies the schema itself, and so owns the tables (compatibility mode).
/// </summary>
public sealed record LedgerLogins(string Runtime, string? Admin)
{
    public static LedgerLogins From(IConfiguration configuration) => new(
        configuration.GetConnectionString("Ledger") is { Length: > 0 } runtime
            ? runtime
            : throw new InvalidOperationException("ConnectionStrings:Ledger is not set."),
        configuration.GetConnectionString("LedgerAdmin") is { Length: > 0 } admin ? admin : null);

    /// <summary>True when the schema is applied by a separate owner login and the runtime login must be least-privileged.</summary>
    public bool Separated => Admin is not null;

    public string RuntimeUser => new NpgsqlConnectionStringBuilder(Runtime).Username is { Length: > 0 } user
        ? user
        : throw new InvalidOperationException("ConnectionStrings:Ledger must name its Username when ConnectionStrings:LedgerAdmin is set.");
}
