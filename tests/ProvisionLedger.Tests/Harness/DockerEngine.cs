using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// Finds a Docker engine that answers, quickly. Testcontainers' own discovery waits and retries; a machine with only
/// the docker client (or nothing) must fall through to local PostgreSQL binaries within a second or two.
/// </summary>
public static class DockerEngine
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>The endpoint of an engine that answered <c>/_ping</c>, or null.</summary>
    public static async Task<Uri?> FindAsync()
    {
        foreach (var endpoint in Candidates())
        {
            if (await AnswersAsync(endpoint))
            {
                return endpoint;
            }
        }

        return null;
    }

    private static IEnumerable<Uri> Candidates()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(fromEnv) && Uri.TryCreate(fromEnv, UriKind.Absolute, out var given))
        {
            // An explicit DOCKER_HOST is what the developer means: do not probe elsewhere.
            yield return given;
            yield break;
        }

        yield return new Uri("unix:///var/run/docker.sock");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return new Uri($"unix://{Path.Combine(home, ".docker", "run", "docker.sock")}");
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrWhiteSpace(runtime))
        {
            yield return new Uri($"unix://{Path.Combine(runtime, "docker.sock")}");
        }
    }

    private static async Task<bool> AnswersAsync(Uri endpoint)
    {
        EndPoint? target = endpoint.Scheme switch
        {
            "unix" when File.Exists(endpoint.AbsolutePath) => new UnixDomainSocketEndPoint(endpoint.AbsolutePath),
            "tcp" => new DnsEndPoint(endpoint.Host, endpoint.Port),
            _ => null,
        };
        if (target is null)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(Patience);
        using var socket = target is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target, timeout.Token);
            if (Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is "1")
            {
                // A TLS engine will not answer a plain ping; a listening port is the best quick sign.
                return true;
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"), timeout.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
