using System.Net;
using System.Text.RegularExpressions;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Contract;

/// <summary>
/// The README's API examples are valid by the OpenAPI document the service serves: one complete request (its route,
/// query parameters and body) and its answer for every route family, that is every tag of the document.
/// </summary>
public sealed partial class ReadmeExampleTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [GeneratedRegex(@"```http\n(?<request>.*?)```\n```http\n(?<answer>HTTP/1\.1 .*?)```", RegexOptions.Singleline)]
    private static partial Regex Pairs();

    [GeneratedRegex(@"^(?<method>[A-Z]+) (?<path>[^\s?]+)(\?(?<query>\S*))?$")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"^HTTP/1\.1 (?<status>\d{3})")]
    private static partial Regex StatusLine();

    [Fact]
    public async Task Every_request_and_answer_in_the_readme_is_valid_by_the_document()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(OpenApiDocumentTests.RepositoryRoot(), "README.md"));
        var contract = await api.ContractAsync();
        var pairs = Pairs().Matches(readme);
        pairs.Count.Should().BeGreaterThanOrEqualTo(9, "the README shows one call per route family");
        var families = new HashSet<string>(StringComparer.Ordinal);

        foreach (Match pair in pairs)
        {
            var (requestHead, requestBody) = Split(pair.Groups["request"].Value);
            var (answerHead, answerBody) = Split(pair.Groups["answer"].Value);
            var line = RequestLine().Match(requestHead[0]);
            line.Success.Should().BeTrue($"'{requestHead[0]}' is a request line");
            var method = line.Groups["method"].Value;
            var path = line.Groups["path"].Value;
            var template = contract.TemplateOf(method, path);
            template.Should().NotBeNull($"{method} {path} is a route of the document");
            families.Add(contract.TagOf(method, template!)!);
            contract.CheckQuery(method, template!, line.Groups["query"].Value).Should().BeEmpty($"the README's {method} {path} query is valid");
            if (requestBody.Length > 0)
            {
                contract.CheckRequest(method, template!, requestBody).Should().BeEmpty($"the README's {method} {path} body is valid");
            }

            var status = (HttpStatusCode)int.Parse(StatusLine().Match(answerHead[0]).Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var mediaType = answerHead.Skip(1).Select(h => h.Split(':', 2)).Where(h => h[0] == "Content-Type").Select(h => h[1].Trim()).FirstOrDefault();
            contract.Check(method, path, status, mediaType, answerBody).Should().BeEmpty($"the README's answer to {method} {path} is valid");
        }

        families.Should().BeEquivalentTo(contract.Tags, "the README shows a complete call of every route family (every tag of the document)");
    }

    private static (string[] Head, string Body) Split(string block)
    {
        var parts = block.Split("\n\n", 2);
        return (parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries), parts.Length > 1 ? parts[1].Trim() : "");
    }
}
