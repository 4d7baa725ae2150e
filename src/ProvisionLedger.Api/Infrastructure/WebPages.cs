using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// The web pages (wwwroot: the Mynaportal-style view and the incident and audit consoles), served anonymously as static
/// files. They hold no data: every data call they make carries the bearer token the user enters, and goes through the
/// API's own authorization.
/// </summary>
public static class WebPages
{
    /// <summary>Allows a feature's inline stylesheet by its hash (<see cref="ContentSecurityPolicy"/>).</summary>
    public static IServiceCollection AddInlineStyle(this IServiceCollection services, string css) => services.AddSingleton(new InlineStyle(css));

    /// <summary>
    /// Headers on every answer, API and pages alike, set as the answer starts so that error and status-code pages carry
    /// them too: the policy above, no sniffing, no framing, no referrer, and nothing kept by a browser or proxy (the API
    /// answers with personal records and audit data). No <c>Server</c> header: Kestrel's is off (Program.cs).
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var policy = app.ApplicationServices.GetRequiredService<ContentSecurityPolicy>().Value;
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                AddHeaders(context.Response.Headers, policy);
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    /// <summary>
    /// A folder without its trailing slash is sent to it by a <c>Location</c> without scheme or host: the static-file
    /// middleware's own redirect is absolute, built from the request's Host header.
    /// </summary>
    public static IApplicationBuilder UseRelativeFolderRedirects(this IApplicationBuilder app, IWebHostEnvironment environment) => app.Use((context, next) =>
    {
        var path = context.Request.Path.Value;
        if (HttpMethods.IsGet(context.Request.Method) && path is { Length: > 1 } && !path.EndsWith('/') && !path.StartsWith("/api/", StringComparison.Ordinal)
            && environment.WebRootFileProvider.GetDirectoryContents(path).Exists)
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = context.Request.PathBase + path + "/" + context.Request.QueryString;
            return Task.CompletedTask;
        }

        return next(context);
    });

    /// <summary>
    /// Placed before authentication: the static-file middleware answers the pages itself, so the fallback policy (an
    /// authenticated user for every endpoint) never sees them, and they are no routes of the role matrix.
    /// </summary>
    public static IApplicationBuilder UseLedgerWebPages(this IApplicationBuilder app)
    {
        // /console/audit → /console/audit/ → /console/audit/index.html
        app.UseDefaultFiles(new DefaultFilesOptions { RedirectToAppendTrailingSlash = false });
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        app.UseStaticFiles(new StaticFileOptions { ContentTypeProvider = types, RedirectToAppendTrailingSlash = false });
        return app;
    }

    private static void AddHeaders(IHeaderDictionary headers, string policy)
    {
        headers.ContentSecurityPolicy = policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The pages show personal records once a token is entered, and the API answers with them: nothing is to be kept
        // by a browser or proxy.
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
    }
}

/// <summary>An inline stylesheet a feature's page carries (the incident report's), allowed by its hash.</summary>
public sealed record InlineStyle(string Css);

/// <summary>
/// Scripts only from this origin, none inline; data only from this origin; no plugins, frames or foreign forms.
/// Inline stylesheets only those the features declare (<see cref="WebPages.AddInlineStyle"/>), by hash: the incident
/// console opens the report (fetched with the token) as a blob document, and a blob document inherits the policy of
/// the page that made it.
/// </summary>
public sealed class ContentSecurityPolicy(IEnumerable<InlineStyle> inlineStyles)
{
    public string Value { get; } = string.Join("; ",
        "default-src 'none'",
        "script-src 'self'",
        string.Join(' ', inlineStyles.Select(Hash).Prepend("style-src 'self'")),
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'");

    private static string Hash(InlineStyle style) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style.Css)))}'";
}
