using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Tests.Nodes;

/// <summary>
/// The built service as an operator runs it: <c>dotnet ProvisionLedger.Api.dll --urls …</c> in a process of its own,
/// configured through the environment only, so that a test can run several nodes on one database and kill one.
/// </summary>
public sealed partial class ServiceNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Guid> _nodeId = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _signingKey;

    private ServiceNode(Process process, Uri address, byte[] signingKey)
    {
        _process = process;
        Address = address;
        _signingKey = signingKey;
    }

    public Uri Address { get; }

    /// <summary>The id Wolverine knows this node by in <c>wolverine_nodes</c>, from the line the service logs at start.</summary>
    public Task<Guid> NodeIdAsync => _nodeId.Task;

    /// <summary>The last lines the process wrote, for a failing test's message.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a node; <paramref name="settings"/> are configuration keys (<c>ConnectionStrings:Ledger</c>, …).</summary>
    public static ServiceNode Start(IReadOnlyDictionary<string, string> settings, byte[] signingKey)
    {
        // The test project references the service, so its build output holds the service's own dll and runtime config.
        var dll = Path.Combine(AppContext.BaseDirectory, "ProvisionLedger.Api.dll");
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(address.ToString().TrimEnd('/'));
        info.Environment.Remove("ConnectionStrings__Ledger");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the service.");
        var node = new ServiceNode(process, address, signingKey);
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until the node answers <c>/health</c> and has told its Wolverine node id.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The node at {Address} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK && _nodeId.Task.IsCompleted)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The node at {Address} did not serve within {timeout}:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    public HttpClient As(string role, string? institutionCode = null)
    {
        // A cold process compiles each endpoint's code on its first request: seconds, more on a loaded machine.
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Auth.MintToken(_signingKey, role, institutionCode, "test"));
        return client;
    }

    /// <summary>kill -9: no shutdown, no goodbye to the cluster.</summary>
    public void KillHard()
    {
        // Process.Kill sends SIGKILL on Unix.
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 300 && _output.TryDequeue(out _))
        {
        }

        if (StartedLine().Match(line) is { Success: true } started)
        {
            _nodeId.TrySetResult(Guid.Parse(started.Groups[1].Value));
        }
    }

    [GeneratedRegex("Ledger node ([0-9a-f-]{36}) started")]
    private static partial Regex StartedLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
