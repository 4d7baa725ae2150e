using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Tests.Architecture;

/// <summary>
/// The actor comes from one place: endpoints take an <see cref="Actor"/> parameter that Wolverine binds from the token
/// once per request (<see cref="EndpointParameters"/>, 403 for a token without exactly one role). No feature reads the
/// token itself, so no route can act for a role or institution its [Authorize] did not weigh.
/// </summary>
public sealed class ActorBindingTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Assembly Api = typeof(Program).Assembly;

    [Fact]
    public void The_scan_sees_the_binding_read_the_token()
    {
        TokenReadersIn(typeof(EndpointParameters)).Should().Contain(m => m.Contains(nameof(Actor.FromToken)));
    }

    [Fact]
    public void No_endpoint_takes_the_claims_principal()
    {
        var endpoints = Api.GetTypes().SelectMany(t => t.GetMethods(Declared))
            .Where(m => m.GetCustomAttributes<WolverineHttpMethodAttribute>().Any()).ToList();
        endpoints.Should().HaveCountGreaterThan(30, "the scan finds Wolverine's HTTP endpoints");

        var principals = endpoints
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(ClaimsPrincipal) || p.ParameterType == typeof(ClaimsIdentity)))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .ToList();

        principals.Should().BeEmpty("an endpoint takes the bound Actor, never the token's claims");
    }

    [Fact]
    public void Only_infrastructure_reads_the_actor_from_the_token()
    {
        var readers = Api.GetTypes()
            .Where(t => t.Namespace is { } ns && ns.StartsWith("ProvisionLedger.Api.", StringComparison.Ordinal)
                && !ns.StartsWith("ProvisionLedger.Api.Infrastructure", StringComparison.Ordinal))
            .SelectMany(TokenReadersIn)
            .ToList();

        readers.Should().BeEmpty("features take the Actor bound by EndpointParameters");
    }

    /// <summary>
    /// Where a type (with its lambdas and async state machines) turns claims into an actor or reads the request's user:
    /// any method of <see cref="Actor"/> that takes a <see cref="ClaimsPrincipal"/>, or <see cref="HttpContext.User"/>.
    /// </summary>
    private static IEnumerable<string> TokenReadersIn(Type type) =>
        from t in new[] { type }.Concat(NestedTypes(type))
        from method in t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared))
        from member in FeatureDependencies.MembersNamedBy(method)
        where member is MethodBase called
            && ((called.DeclaringType == typeof(Actor) && called.GetParameters().Any(p => p.ParameterType == typeof(ClaimsPrincipal)))
                || (called.DeclaringType == typeof(HttpContext) && called.Name == "get_User"))
        select $"{t.FullName}.{method.Name} calls {member.DeclaringType!.Name}.{member.Name}";

    private static IEnumerable<Type> NestedTypes(Type type) =>
        type.GetNestedTypes(Declared).SelectMany(n => new[] { n }.Concat(NestedTypes(n)));
}
