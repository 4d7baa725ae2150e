using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Edges;

/// <summary>
/// A Production host refuses to start with the keys published in the repository, and in embedded mode, saying why in
/// one line (issue 12). The refusal comes before the host is built, so these hosts never touch a database.
/// </summary>
public sealed class ProductionStartTests
{
    private const string ComposeSigningKey = "bG9jYWwtb25seS1zaWduaW5nLWtleS1yZXBsYWNlLW1lLTAwMDA=";
    private const string ComposeHmacKey = "bG9jYWwtb25seS1obWFjLWtleS1yZXBsYWNlLW1lLTAwMDAwMDA=";

    private static readonly string OwnKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static TheoryData<string, string?, string, string, string> Refusals() => new()
    {
        { "embedded mode", null, OwnKey, OwnKey, "ConnectionStrings:Ledger" },
        { "docker-compose signing key", "Host=127.0.0.1;Database=none", ComposeSigningKey, OwnKey, "Ledger:Auth:SigningKey" },
        { "docker-compose hmac key", "Host=127.0.0.1;Database=none", OwnKey, ComposeHmacKey, "Ledger:Subjects:HmacKey" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Production_refuses_to_start(string why, string? connection, string signingKey, string hmacKey, string named)
    {
        using var host = new ProductionHost(connection, signingKey, hmacKey);

        var start = () => host.Server;

        var refusal = start.Should().Throw<StartupRefusedException>(why).Which.Message;
        refusal.Should().StartWith("Production refuses").And.Contain(named).And.NotContain("\n");
    }

    private sealed class ProductionHost(string? connection, string signingKey, string hmacKey) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Ledger", connection ?? "");
            builder.UseSetting("Ledger:Auth:SigningKey", signingKey);
            builder.UseSetting("Ledger:Subjects:HmacKey", hmacKey);
            // Embedded mode would start a cluster in the user's data folder if the guard let it through.
            builder.UseSetting("Ledger:Embedded:DataDirectory", Path.Combine(Path.GetTempPath(), "ledger-production-test-" + Guid.NewGuid().ToString("N")));
        }
    }
}
