namespace ProvisionLedger.Tests.Nodes;

/// <summary>
/// The tests that run the service as processes of its own run one at a time, after the parallel classes: a cold
/// process compiles each endpoint on its first request, and beside a dozen in-process classes on a small machine that
/// took longer than any client waits, while the timing they measure (a takeover within 5 s) is the point of them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServiceProcesses
{
    public const string Name = "service processes";
}
