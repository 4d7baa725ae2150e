using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ProvisionLedger.BrowserTests.Harness;

/// <summary>
/// One browser tab on the site, with everything a test may want to look at afterwards: every request the browser sent
/// (the privacy tests look for a My Number in them), script errors, and Content-Security-Policy violations, which
/// Chromium reports on the console. Disposing closes its browser context, popups included.
/// </summary>
public sealed class SitePage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _cspViolations = new();
    private readonly ConcurrentQueue<string> _scriptErrors = new();
    private readonly ConcurrentQueue<SentRequest> _requests = new();

    private SitePage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        context.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                _cspViolations.Enqueue(message.Text);
            }
        };
        context.WebError += (_, error) => _scriptErrors.Enqueue(error.Error);
        context.Request += (_, request) => _requests.Enqueue(new SentRequest(request.Method, request.Url, request.PostData));
    }

    public IPage Page { get; }

    public IReadOnlyCollection<string> CspViolations => _cspViolations;

    public IReadOnlyCollection<string> ScriptErrors => _scriptErrors;

    public IReadOnlyCollection<SentRequest> Requests => _requests;

    public static async Task<SitePage> OpenAsync(IBrowserContext context) => new(context, await context.NewPageAsync());

    public ILocator this[string selector] => Page.Locator(selector);

    public async Task<IResponse> GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        response.Should().NotBeNull("{0} was expected to load", path);
        response!.Status.Should().Be(200, "{0} was expected to load", path);
        return response;
    }

    /// <summary>Enters the token in the page's token bar, as a user pastes what the CLI issued.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.FillAsync("#token", token);
        await Page.ClickAsync("#token-form button[type=submit]");
        await Expect(Page.Locator("#token-status")).ToContainTextAsync("role");
    }

    /// <summary>What every page must hold to at the end of a test: no script error, nothing refused by the policy.</summary>
    public void ShouldHaveRunCleanly()
    {
        ScriptErrors.Should().BeEmpty("the page's scripts must not fail");
        CspViolations.Should().BeEmpty("the pages and the report must live within their Content-Security-Policy");
    }

    /// <summary>
    /// With <c>LEDGER_BROWSER_SCREENSHOTS</c> set to a folder, each page's last state is kept there as a PNG, named by
    /// its path and a counter, for a person to look at what the tests saw.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("LEDGER_BROWSER_SCREENSHOTS") is { Length: > 0 } folder && !Page.IsClosed)
        {
            Directory.CreateDirectory(folder);
            var name = new Uri(Page.Url).AbsolutePath.Trim('/').Replace('/', '-');
            var file = Path.Combine(folder, $"{(name.Length == 0 ? "index" : name)}-{Interlocked.Increment(ref _shots):D3}.png");
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        }

        await _context.CloseAsync();
    }

    private static int _shots;
}

public sealed record SentRequest(string Method, string Url, string? PostData);
