using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ProvisionLedger.Tests.Operations;

/// <summary>
/// An OTLP/HTTP collector in this process, on a loopback port: keeps every protobuf POST to <c>/v1/traces</c> and
/// <c>/v1/metrics</c>, and reads the names it needs out of them with a minimal protobuf wire reader (no generated classes:
/// the OpenTelemetry proto package is not available here).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public OtlpReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Posts.Enqueue((signal, body.ToArray()));
            return Results.Ok();
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Endpoint = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public string Endpoint { get; }

    public ConcurrentQueue<(string Signal, byte[] Body)> Posts { get; } = new();

    /// <summary>Every post's bytes read as text, for "this never left the service" checks.</summary>
    public string RawText => string.Join('\n', Posts.Select(p => Encoding.Latin1.GetString(p.Body)));

    /// <summary>Instrumentation scope names and span names of every trace export (ResourceSpans → ScopeSpans → scope / spans).</summary>
    public (HashSet<string> Scopes, HashSet<string> Names) Spans() => Read("traces", spanOrMetricName: 5);

    /// <summary>Meter names and metric names of every metric export (ResourceMetrics → ScopeMetrics → scope / metrics).</summary>
    public (HashSet<string> Scopes, HashSet<string> Names) Metrics() => Read("metrics", spanOrMetricName: 1);

    private (HashSet<string>, HashSet<string>) Read(string signal, int spanOrMetricName)
    {
        var scopes = new HashSet<string>();
        var names = new HashSet<string>();
        foreach (var (_, body) in Posts.Where(p => p.Signal == signal))
        {
            foreach (var resource in Fields(body, 1))
            {
                foreach (var scoped in Fields(resource, 2))
                {
                    foreach (var scope in Fields(scoped, 1))
                    {
                        scopes.UnionWith(Fields(scope, 1).Select(Encoding.UTF8.GetString));
                    }

                    foreach (var item in Fields(scoped, 2))
                    {
                        names.UnionWith(Fields(item, spanOrMetricName).Select(Encoding.UTF8.GetString));
                    }
                }
            }
        }

        return (scopes, names);
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one protobuf message.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            switch (tag & 7)
            {
                case 0:
                    Varint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    if ((int)(tag >> 3) == number)
                    {
                        found.Add(message[position..(position + length)]);
                    }

                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unexpected protobuf wire type {tag & 7}.");
            }
        }

        return found;
    }

    private static ulong Varint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
