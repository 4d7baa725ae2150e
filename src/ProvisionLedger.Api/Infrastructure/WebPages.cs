using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using ProvisionLedger.Api.Incidents.Reporting;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// The web pages (wwwroot: the Mynaportal-style view and the incident and audit consoles), served anonymously as static
/// files. They hold no data: every data call they make carries the bearer token the user enters, and goes through the
/// API's own authorization.
/// </summary>
public static class WebPages
{
    /// <summary>
    /// Scripts only from this origin, none inline; data only from this origin; no plugins, frames or foreign forms.
    /// The one inline stylesheet allowed is the incident report's, by hash: the console opens the report (fetched with
    /// the token) as a blob document, and a blob document inherits the policy of the page that made it.
    /// </summary>
    public static string ContentSecurityPolicy { get; } = string.Join("; ",
        "default-src 'none'",
        "script-src 'self'",
        $"style-src 'self' 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(ReportDocument.Style)))}'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'");

    /// <summary>
    /// Headers on every answer, API and pages alike, set as the answer starts so that error and status-code pages carry
    /// them too: the policy above, no sniffing, no framing, no referrer, and nothing kept by a browser or proxy (the API
    /// answers with personal records and audit data). No <c>Server</c> header: Kestrel's is off (Program.cs).
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            AddHeaders(context.Response.Headers);
            return Task.CompletedTask;
        });
        return next(context);
    });

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

    private static void AddHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The pages show personal records once a token is entered, and the API answers with them: nothing is to be kept
        // by a browser or proxy.
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
