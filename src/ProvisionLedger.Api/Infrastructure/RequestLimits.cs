using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// What every request must fit before an endpoint sees it: a body within its route's limit (413 problem+json above it),
/// and query values without control characters (400 naming the parameter: a NUL never reaches a query or a log). Route
/// values are identifiers, checked after authorization (<see cref="InputHygiene"/>).
/// Values of the wrong type are refused by Wolverine's <c>RejectUnparseableQueryValues</c>.
/// </summary>
public sealed class RequestLimits : IMiddleware
{
    public const long DefaultBodyBytes = 256 * 1024;

    /// <summary>The bulk routes and their own limits, in bytes; configuration <c>Ledger:RequestLimits:Bulk:{route}</c>.</summary>
    public static readonly IReadOnlyDictionary<string, long> DefaultBulkBodyBytes = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        // 1,000 inquiries with their provisions are about 700 KB.
        ["/api/v1/exchanges/batch"] = 4L * 1024 * 1024,
        // A re-check file of 20,000 lines; the route's own 8 MB limit.
        ["/api/v1/linkages/verifications/batch"] = 8L * 1024 * 1024,
        // A 一括照会 file; the route may hold a smaller limit of its own.
        ["/api/v1/inquiries/files"] = 64L * 1024 * 1024,
    };

    private readonly Dictionary<string, long> _bulk;

    public RequestLimits(IConfiguration configuration)
    {
        BodyBytes = configuration.GetValue("Ledger:RequestLimits:BodyBytes", DefaultBodyBytes);
        _bulk = DefaultBulkBodyBytes.ToDictionary(
            r => r.Key,
            r => configuration.GetValue($"Ledger:RequestLimits:Bulk:{r.Key.Replace("/api/v1/", "", StringComparison.Ordinal)}", r.Value),
            StringComparer.OrdinalIgnoreCase);
    }

    public long BodyBytes { get; }

    public long BodyLimit(PathString path) => _bulk.TryGetValue(path.Value ?? "", out var bytes) ? bytes : BodyBytes;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Any(v => v is not null && v.Any(IsRefused)) || name.Any(IsRefused))
            {
                await Problems.Validation(Printable(name), "must not contain control characters.").ExecuteAsync(context);
                return;
            }
        }

        var limit = BodyLimit(context.Request.Path);
        if (context.Request.ContentLength > limit)
        {
            await TooLarge(limit).ExecuteAsync(context);
            return;
        }

        // Kestrel stops a longer body as it arrives (a body without Content-Length included); elsewhere the stream does.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }
        else if (context.Request.ContentLength is null)
        {
            context.Request.Body = new LimitedStream(context.Request.Body, limit);
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await TooLarge(limit).ExecuteAsync(context);
        }
    }

    public static IResult TooLarge(long limit) => Results.Problem(
        title: "The request body is too large.",
        detail: string.Create(CultureInfo.InvariantCulture, $"This route accepts at most {limit} bytes."),
        statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>Control characters (NUL, ESC, BEL, ...) and invisible format characters (bidi overrides, zero widths).</summary>
    private static bool IsRefused(char c) => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format;

    private static string Printable(string name) => new(name.Select(c => IsRefused(c) ? '?' : c).ToArray());

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw new BadHttpRequestException("The request body is too large.", StatusCodes.Status413PayloadTooLarge) : read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
