using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Operations;

/// <summary>The built service run as an operator runs it, with the Critter Stack's commands instead of serving.</summary>
public sealed class CommandLineTests
{
    private sealed record Run(int ExitCode, string Output);

    [Fact]
    public async Task Help_lists_the_operators_commands_without_starting_a_database()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"provision-ledger-help-{Guid.NewGuid().ToString("n")[..12]}");

        var run = await RunServiceAsync(["help"], new() { ["Ledger__Embedded__DataDirectory"] = dataDirectory });

        run.ExitCode.Should().Be(0, run.Output);
        run.Output.Should().ContainAll("codegen", "db-apply", "db-assert", "projections", "describe");
        Directory.Exists(dataDirectory).Should().BeFalse("help needs no database, so no embedded cluster is made for it");
    }

    [Fact]
    public async Task Db_apply_gives_an_empty_database_the_whole_schema_without_serving()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync(nameof(CommandLineTests));
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["ConnectionStrings__Ledger"] = connectionString,
                ["Ledger__Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Ledger__Subjects__HmacKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };

            var apply = await RunServiceAsync(["db-apply"], environment);

            apply.ExitCode.Should().Be(0, apply.Output);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var objects = new NpgsqlCommand(
                    "select to_regclass('ledger.mt_events') is not null, to_regclass('ledger.mt_doc_portalentry') is not null, " +
                    "to_regclass('ledger.wolverine_nodes') is not null, to_regclass('ledger.audit_chain') is not null, " +
                    "to_regclass('ledger.ledger_heartbeat') is not null, " +
                    "exists (select 1 from pg_proc where proname = 'audit_chain_integrate'), " +
                    "to_regclass('ledger.ledger_portal_entry_page') is not null", connection);
                await using var reader = await objects.ExecuteReaderAsync();
                await reader.ReadAsync();
                Enumerable.Range(0, reader.FieldCount).Select(reader.GetBoolean).Should().AllBeEquivalentTo(true,
                    "events, documents, Wolverine's tables, the audit chain and its integration function, the heartbeat and the keyset indexes are all created");
            }
        }
        finally
        {
            await server.DropDatabaseAsync(connectionString);
        }
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Embedded_mode_prints_the_connection_string_and_two_institutions_tokens_and_stops_its_cluster_on_a_signal_to_the_service_alone(string signal)
    {
        var root = Environment.GetEnvironmentVariable(PostgresServer.ClusterRootVariable) is { Length: > 0 } r ? r : Path.GetTempPath();
        var dataDirectory = Path.Combine(root, $"provision-ledger-embedded-{Guid.NewGuid().ToString("n")[..12]}");
        var info = ServiceStart([], new()
        {
            ["Ledger__Embedded__DataDirectory"] = dataDirectory,
            ["Ledger__Embedded__Port"] = FreePort().ToString(),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Production refuses embedded mode.
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });
        using var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
                if (line.Data?.Contains("Other institutions", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var printed = output.ToString();
            printed.Should().Contain("Connection string").And.Contain("Database=provision_ledger")
                .And.Contain("institution 131016").And.Contain("institution 011002").And.Contain("auditor: ").And.Contain("mynaportal: ");
            var postmaster = Path.Combine(dataDirectory, "postgres", "pgdata", "postmaster.pid");
            File.Exists(postmaster).Should().BeTrue("the embedded cluster runs while the service does");

            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0, output.ToString());
            File.Exists(postmaster).Should().BeFalse("the service stops its cluster when it stops");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            var pgData = Path.Combine(dataDirectory, "postgres", "pgdata");
            if (File.Exists(Path.Combine(pgData, "postmaster.pid")) && Api.Infrastructure.LocalPostgres.FindBinaries() is { } bin)
            {
                using var stop = Process.Start(Environment.UserName == "root" ? "runuser" : Path.Combine(bin, "pg_ctl"),
                    Environment.UserName == "root" ? ["-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", pgData, "-m", "immediate", "stop"] : ["-D", pgData, "-m", "immediate", "stop"]);
                await stop.WaitForExitAsync();
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Runs the service's own build output with the environment given and no other ledger settings.</summary>
    private static async Task<Run> RunServiceAsync(string[] args, Dictionary<string, string?> environment)
    {
        using var process = Process.Start(ServiceStart(args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo ServiceStart(string[] args, Dictionary<string, string?> environment)
    {
        // The service's own output folder (tests/ProvisionLedger.Tests/bin/<configuration>/<tfm> → src/ProvisionLedger.Api/bin/…):
        // the Critter Stack scans the application's folder for command assemblies, and the tests' folder holds xunit's.
        var tests = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var folder = Path.Combine(tests.Parent!.Parent!.Parent!.Parent!.Parent!.FullName, "src", "ProvisionLedger.Api", "bin", tests.Parent.Name, tests.Name);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(folder, "ProvisionLedger.Api.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("Ledger__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
