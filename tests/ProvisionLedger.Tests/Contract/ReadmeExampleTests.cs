using System.Net;
using System.Text.RegularExpressions;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Contract;

/// <summary>The README's API examples (one request and its answer per route family) are valid by the OpenAPI document.</summary>
public sealed partial class ReadmeExampleTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [GeneratedRegex(@"```http\n(?<request>.*?)```\n```http\n(?<answer>HTTP/1\.1 .*?)```", RegexOptions.Singleline)]
    private static partial Regex Pairs();

    [GeneratedRegex(@"^(?<method>[A-Z]+) (?<path>[^\s?]+)(\?\S*)?$")]
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

        foreach (Match pair in pairs)
        {
            var (requestHead, requestBody) = Split(pair.Groups["request"].Value);
            var (answerHead, answerBody) = Split(pair.Groups["answer"].Value);
            var line = RequestLine().Match(requestHead[0]);
            line.Success.Should().BeTrue($"'{requestHead[0]}' is a request line");
            var method = line.Groups["method"].Value;
            var path = line.Groups["path"].Value;
            if (requestBody.Length > 0)
            {
                var template = contract.TemplateOf(method, path);
                template.Should().NotBeNull($"{method} {path} is a route of the document");
                contract.CheckRequest(method, template!, requestBody).Should().BeEmpty($"the README's {method} {path} body is valid");
            }

            var status = (HttpStatusCode)int.Parse(StatusLine().Match(answerHead[0]).Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var mediaType = answerHead.Skip(1).Select(h => h.Split(':', 2)).Where(h => h[0] == "Content-Type").Select(h => h[1].Trim()).FirstOrDefault();
            contract.Check(method, path, status, mediaType, answerBody).Should().BeEmpty($"the README's answer to {method} {path} is valid");
        }
    }

    private static (string[] Head, string Body) Split(string block)
    {
        var parts = block.Split("\n\n", 2);
        return (parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries), parts.Length > 1 ? parts[1].Trim() : "");
    }
}
