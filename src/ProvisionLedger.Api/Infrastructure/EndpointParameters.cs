using System.Reflection;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using JasperFx.CodeGeneration.Model;
using JasperFx.Core.Reflection;
using Wolverine.Http;
using Wolverine.Http.CodeGen;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// A command read from a request's JSON body. An endpoint parameter of such a type is bound by
/// <see cref="CommandBodyStrategy"/> through <see cref="JsonBody"/>, so a malformed body, a value of the wrong type and
/// a refused identifier answer 400 naming the field, as they did when every endpoint read its body by hand.
/// </summary>
public interface ILedgerCommand;

/// <summary>A command whose body may be left out: a request without one binds as an empty object (<c>{}</c>).</summary>
public interface ILedgerOptionalCommand : ILedgerCommand;

/// <summary>Registers the parameter strategies with Wolverine's HTTP endpoints.</summary>
public static class EndpointParameters
{
    public static void UseLedgerEndpointParameters(this WolverineHttpOptions options)
    {
        options.AddParameterHandlingStrategy(new CommandBodyStrategy());
        options.AddParameterHandlingStrategy(new ActorStrategy());
        options.AddParameterHandlingStrategy(new PageRequestStrategy());
    }

    /// <summary>What Wolverine's generated endpoint code calls to bind an <see cref="ILedgerCommand"/>.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadCommandAsync<T>(HttpContext context) where T : class, ILedgerCommand
    {
        if (typeof(T).IsAssignableTo(typeof(ILedgerOptionalCommand))
            && context.Request.ContentLength is null or 0 && context.Request.Headers.TransferEncoding.Count == 0)
        {
            return (System.Text.Json.JsonSerializer.Deserialize<T>("{}"), null);
        }

        return await JsonBody.ReadAsync<T>(context.Request);
    }

    /// <summary>What Wolverine's generated endpoint code calls to bind an <see cref="Actor"/>.</summary>
    public static (Actor? Value, IResult? Problem) ReadActor(HttpContext context) =>
        Actor.FromToken(context.User) is { } actor
            ? (actor, null)
            : (null, Problems.Forbidden("The token must carry exactly one role."));

    /// <summary>What Wolverine's generated endpoint code calls to bind a <see cref="PageRequest"/>.</summary>
    public static (PageRequest? Value, IResult? Problem) ReadPage(HttpContext context) => (PageRequest.FromQuery(context.Request), null);
}

/// <summary>Binds an endpoint parameter of type <see cref="PageRequest"/> from the query string (never refused here).</summary>
internal sealed class PageRequestStrategy : IParameterStrategy
{
    public bool TryMatch(HttpChain chain, IServiceContainer container, ParameterInfo parameter, out Variable? variable)
    {
        variable = parameter.ParameterType == typeof(PageRequest)
            ? new ReadOrStopFrame(typeof(PageRequest), nameof(EndpointParameters.ReadPage), isAsync: false).Value
            : null;
        return variable is not null;
    }
}

/// <summary>Binds an endpoint parameter whose type implements <see cref="ILedgerCommand"/> from the JSON body.</summary>
internal sealed class CommandBodyStrategy : IParameterStrategy
{
    private readonly Dictionary<HttpChain, Variable> _bodies = [];

    public bool TryMatch(HttpChain chain, IServiceContainer container, ParameterInfo parameter, out Variable? variable)
    {
        variable = null;
        if (!parameter.ParameterType.CanBeCastTo<ILedgerCommand>())
        {
            return false;
        }

        // An endpoint's Validate step and the endpoint itself share one body: it is read once.
        lock (_bodies)
        {
            if (!_bodies.TryGetValue(chain, out variable))
            {
                var read = new ReadOrStopFrame(parameter.ParameterType, nameof(EndpointParameters.ReadCommandAsync), isAsync: true);
                _bodies[chain] = variable = read.Value;
            }
        }

        return true;
    }
}

/// <summary>Binds an endpoint parameter of type <see cref="Actor"/> from the bearer token, once per request.</summary>
internal sealed class ActorStrategy : IParameterStrategy
{
    private readonly Dictionary<HttpChain, Variable> _actors = [];

    public bool TryMatch(HttpChain chain, IServiceContainer container, ParameterInfo parameter, out Variable? variable)
    {
        variable = null;
        if (parameter.ParameterType != typeof(Actor))
        {
            return false;
        }

        lock (_actors)
        {
            if (!_actors.TryGetValue(chain, out variable))
            {
                var read = new ReadOrStopFrame(typeof(Actor), nameof(EndpointParameters.ReadActor), isAsync: false);
                _actors[chain] = variable = read.Value;
            }
        }

        return true;
    }
}

/// <summary>
/// Generated code: <c>var (value, problem) = [await] EndpointParameters.Read…(httpContext);</c> and, when a problem
/// came back, that problem is the answer and the endpoint is not called.
/// </summary>
internal sealed class ReadOrStopFrame : AsyncFrame
{
    private readonly string _method;
    private readonly bool _isAsync;
    private Variable? _context;

    public ReadOrStopFrame(Type valueType, string method, bool isAsync)
    {
        _method = method;
        _isAsync = isAsync;
        Value = new Variable(valueType, Variable.DefaultArgName(valueType), this);
    }

    public Variable Value { get; }

    public override IEnumerable<Variable> FindVariables(IMethodVariables chain)
    {
        _context = chain.FindVariable(typeof(HttpContext));
        yield return _context;
    }

    public override void GenerateCode(GeneratedMethod method, ISourceWriter writer)
    {
        var owner = typeof(EndpointParameters).FullNameInCode();
        var problem = $"{Value.Usage}_problem";
        var call = _isAsync
            ? $"await {owner}.{_method}<{Value.VariableType.FullNameInCode()}>({_context!.Usage}).ConfigureAwait(false)"
            : $"{owner}.{_method}({_context!.Usage})";
        writer.Write($"var ({Value.Usage}, {problem}) = {call};");
        writer.Write($"BLOCK:if ({problem} != null)");
        writer.Write($"await {problem}.{nameof(IResult.ExecuteAsync)}({_context.Usage}).ConfigureAwait(false);");
        writer.Write("return;");
        writer.FinishBlock();
        Next?.GenerateCode(method, writer);
    }
}
