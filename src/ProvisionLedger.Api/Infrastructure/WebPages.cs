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
    /// Placed before authentication: the static-file middleware answers the pages itself, so the fallback policy (an
    /// authenticated user for every endpoint) never sees them, and they are no routes of the role matrix.
    /// </summary>
    public static IApplicationBuilder UseLedgerWebPages(this IApplicationBuilder app)
    {
        // /console/audit → /console/audit/ → /console/audit/index.html
        app.UseDefaultFiles();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            OnPrepareResponse = context => AddHeaders(context.Context.Response.Headers),
        });
        return app;
    }

    private static void AddHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The pages show personal records once a token is entered: nothing of them is to be kept by a browser or proxy.
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
