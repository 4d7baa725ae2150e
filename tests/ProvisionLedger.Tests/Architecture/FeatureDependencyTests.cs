using System.Text.RegularExpressions;

namespace ProvisionLedger.Tests.Architecture;

/// <summary>
/// The API's folders depend one way only: each feature on <c>Infrastructure</c> and on features it builds on, never back;
/// <c>Infrastructure</c> on no feature (features register what it needs); the composition root (<c>Program</c>,
/// <c>LedgerFeatures</c>, <c>ApiContract</c>) on everything, and nothing on it.
/// </summary>
public sealed partial class FeatureDependencyTests
{
    private const string Infrastructure = "Infrastructure";

    private static readonly FeatureDependencies Dependencies = FeatureDependencies.Of(typeof(Program).Assembly, "ProvisionLedger.Api");

    [Fact]
    public void The_scan_sees_the_references_features_have()
    {
        // Party copies are projected from exchange events; every feature uses the plumbing; the root registers features.
        Dependencies.From("Parties").Should().Contain(["Exchanges", Infrastructure]);
        Dependencies.From(FeatureDependencies.Root).Should().Contain(["Parties", "Auditing", Infrastructure]);
    }

    [Fact]
    public void Infrastructure_refers_to_no_feature_nor_to_the_composition_root()
    {
        var referenced = Dependencies.From(Infrastructure).ToList();

        referenced.Should().BeEmpty("Infrastructure/ is plumbing that features register with, but it refers to {0}",
            string.Join("; ", referenced.Select(to => $"{to} ({string.Join(", ", Dependencies.Examples(Infrastructure, to))})")));
    }

    [Fact]
    public void Infrastructure_source_names_no_feature_namespace()
    {
        // Constants, nameof and doc references leave no trace in IL; the source says them.
        var api = Path.Combine(RepositoryRoot(), "src", "ProvisionLedger.Api");
        var features = Directory.GetDirectories(api).Select(Path.GetFileName)
            .Where(name => name is not (Infrastructure or "bin" or "obj" or "Properties" or "wwwroot")).ToList();
        var qualified = new Regex($@"(?<![\w.])(?:ProvisionLedger\.Api\.)?({string.Join('|', features)})\.[A-Z]");

        var found = Directory.EnumerateFiles(Path.Combine(api, Infrastructure), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line: LineComment().Replace(line, ""), number: i + 1)))
            .Where(l => qualified.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(api, l.file)}:{l.number}: {l.line.Trim()}")
            .ToList();

        found.Should().BeEmpty();
    }

    [Fact]
    public void No_folders_depend_on_each_other_in_a_cycle()
    {
        var cycles = Dependencies.Cycles().Select(group => string.Join(" and ", group) + ": " + string.Join("; ",
            from source in @group
            from target in Dependencies.From(source)
            where @group.Contains(target)
            select $"{source} → {target} ({string.Join(", ", Dependencies.Examples(source, target))})")).ToList();

        cycles.Should().BeEmpty();
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ProvisionLedger.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No ProvisionLedger.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("//.*$")]
    private static partial Regex LineComment();
}
