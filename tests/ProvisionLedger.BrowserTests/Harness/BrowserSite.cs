using System.Net;
using Microsoft.Playwright;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.BrowserTests.Harness;

/// <summary>
/// The service on real Kestrel at a loopback port (the same <see cref="LedgerApi"/> fixture the unit tests use, with its
/// own database and keys and the given state built through the API), and a headless Chromium to browse it. A class
/// fixture: each test opens a <see cref="SitePage"/> of its own, in a fresh browser context (its own sessionStorage).
/// </summary>
public sealed class BrowserSite<TLedger> : IAsyncLifetime where TLedger : LedgerApi, new()
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public TLedger Ledger { get; } = new();

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // First, so that a machine without the browser fails at once and says why.
        Chromium.EnsureInstalled();

        // Port 0: the system picks a free port; the factory reads the bound address back for its clients.
        Ledger.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await Ledger.InitializeAsync();
        BaseAddress = Ledger.ClientOptions.BaseAddress;

        // A loaded 2-core machine runs these beside the unit tests: give the page assertions room.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
        });
    }

    /// <summary>A page in a browser context of its own. Japan is not assumed: the browser runs in another time zone.</summary>
    public async Task<SitePage> OpenAsync(bool javaScript = true)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            JavaScriptEnabled = javaScript,
            Locale = "ja-JP",
            TimezoneId = "America/Los_Angeles",
        });
        context.SetDefaultTimeout(30_000);
        return await SitePage.OpenAsync(context);
    }

    public string Token(string role, string? institutionCode = null) => Ledger.Token(role, institutionCode);

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await ((IAsyncLifetime)Ledger).DisposeAsync();
    }
}
