using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ProvisionLedger.Cli.Output;

namespace ProvisionLedger.Cli.Commands;

/// <summary>
/// <c>import</c>: posts a 一括照会 file to <c>POST /api/v1/inquiries/files</c> as it is, showing the upload's progress; the
/// ledger then records every line in one transaction, or none and names the bad lines.
/// </summary>
public static class ImportCommand
{
    private const int Chunk = 64 * 1024;

    public static Command Create(CliConsole console)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The 一括照会 file (one inquiry per line, as the layout gives it)" };
        var url = new Option<Uri>("--url")
        {
            Description = "The ledger's base address, e.g. https://ledger.example.jp/",
            Required = true,
            CustomParser = result => Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : Error<Uri>(result, $"--url must be an http(s) address, not '{result.Tokens.Single().Value}'"),
        };
        var token = new Option<string>("--token") { Description = "A bearer token of the inquiring institution (or nws)", Required = true };
        var charset = new Option<string?>("--charset") { Description = "utf-8 or shift_jis (default: utf-8 when the file is valid UTF-8, else shift_jis)" };
        charset.AcceptOnlyFromAmong("utf-8", "shift_jis");
        var command = new Command("import", "Send a 一括照会 file to the ledger, with progress.") { file, url, token, charset };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!path.Exists)
            {
                throw new CliException($"{path.FullName} does not exist");
            }

            var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            var encoding = parse.GetValue(charset) ?? (IsUtf8(bytes) ? "utf-8" : "shift_jis");
            using var http = new HttpClient { BaseAddress = parse.GetRequiredValue(url), Timeout = TimeSpan.FromMinutes(30) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/inquiries/files");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parse.GetRequiredValue(token));
            var (status, body) = await console.WithProgressAsync("import", "bytes", async progress =>
            {
                progress.SetTotal(bytes.Length);
                request.Content = new UploadContent(bytes, progress);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse($"text/csv; charset={encoding}");
                using var response = await http.SendAsync(request, ct);
                return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            });
            return await ReportAsync(console, path.Name, status, body);
        });
        return command;
    }

    private static async Task<int> ReportAsync(CliConsole console, string name, HttpStatusCode status, string body)
    {
        using var json = Parse(body);
        var root = json?.RootElement;
        if (status is HttpStatusCode.Created or HttpStatusCode.OK && root is { } answer)
        {
            var lines = answer.GetProperty("lines").GetInt32();
            await console.Out.WriteLineAsync(status == HttpStatusCode.Created
                ? $"recorded: {name}, {answer.GetProperty("recorded").GetInt32():N0} of {lines:N0} lines, file id {answer.GetProperty("fileId").GetString()}"
                : $"already recorded: {name}, {lines:N0} lines, file id {answer.GetProperty("fileId").GetString()} (nothing recorded again)");
            return ExitCodes.Intact;
        }

        // The bad lines are the result an operator needs: on standard output, one per line, as the ledger named them.
        var problems = root is { } problem && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString() ?? e.Name)).ToList()
            : [];
        foreach (var line in problems)
        {
            await console.Out.WriteLineAsync(line);
        }

        var title = root is { } r && r.TryGetProperty("title", out var t) ? t.GetString() : null;
        throw new CliException($"the ledger refused {name} ({(int)status}{(title is null ? "" : $": {title}")})"
                               + (problems.Count > 0 ? $"; {problems.Count} problem(s) listed on standard output, nothing was recorded" : ""));
    }

    private static JsonDocument? Parse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static T Error<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    /// <summary>The file's bytes as the request body, reporting how much has been sent.</summary>
    private sealed class UploadContent(byte[] bytes, WorkProgress progress) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var sent = 0; sent < bytes.Length; sent += Chunk)
            {
                await stream.WriteAsync(bytes.AsMemory(sent, Math.Min(Chunk, bytes.Length - sent)));
                progress.Report(Math.Min(sent + Chunk, bytes.Length));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
