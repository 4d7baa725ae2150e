using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// xunit 2 has no assembly fixtures: this runner hook stops the run's one <see cref="PostgresServer"/> after the last
/// test class, however the classes were scheduled. Each test project that compiles the harness names it in its own
/// <c>[assembly: TestFramework]</c> attribute (an <c>AssemblyAttribute</c> item in its project file).
/// </summary>
public sealed class LedgerTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    private static IMessageSink? _diagnostics;

    /// <summary>Shown by the runner when xunit.runner.json enables diagnostic messages.</summary>
    public static void Diagnostic(string message) => _diagnostics?.OnMessage(new DiagnosticMessage(message));

    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName)
    {
        _diagnostics = DiagnosticMessageSink;
        return new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);
    }

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnostics)
    {
        protected override async void RunTestCases(
            IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(
        ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnostics,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnostics, executionMessageSink, executionOptions)
    {
        protected override async Task BeforeTestAssemblyFinishedAsync()
        {
            try
            {
                await PostgresServer.StopSharedAsync();
            }
            catch (Exception e)
            {
                // A cluster that will not stop is worth a line in the output, not a failed run of passing tests.
                Diagnostic($"Stopping the test PostgreSQL failed: {e.Message}");
            }

            await base.BeforeTestAssemblyFinishedAsync();
        }
    }
}
