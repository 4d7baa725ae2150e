namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Wolverine answers a query value it cannot bind (<c>pageSize=abc</c> on a typed parameter) with a problem of its own
/// that names the parameter in a <c>parameter</c> extension. Every other 400 of the ledger names its fields in
/// <c>errors</c>, and the OpenAPI document promises that: this makes Wolverine's say it the same way.
/// </summary>
public static class QueryValueProblems
{
    public static void NameInErrors(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status == StatusCodes.Status400BadRequest && problem is not HttpValidationProblemDetails
            && !problem.Extensions.ContainsKey("errors") && problem.Extensions.TryGetValue("parameter", out var value) && value is string parameter)
        {
            problem.Extensions.Remove("parameter");
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [parameter] = ["has a value of the wrong type."] };
            problem.Title = "The request has invalid fields.";
        }
    }
}
