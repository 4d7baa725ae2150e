using System.Reflection;
using System.Reflection.Emit;

namespace ProvisionLedger.Tests.Architecture;

/// <summary>
/// Which top-level folder of the API refers to which (a folder is a namespace under <c>ProvisionLedger.Api</c>:
/// <c>Infrastructure</c>, a feature such as <c>Parties</c>, or the composition root itself, <c>(root)</c>). A type refers
/// to another through its base type, interfaces, attributes, fields, properties, signatures and locals, and the types,
/// methods and fields its IL names; nested and compiler-generated types (lambdas, async state machines) count for the
/// namespace that declares them. Constants and <c>nameof</c> leave nothing in IL: the source check covers those.
/// </summary>
public sealed class FeatureDependencies
{
    public const string Root = "(root)";

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly Dictionary<(string From, string To), SortedSet<string>> _edges = [];

    private FeatureDependencies(Assembly assembly, string rootNamespace)
    {
        RootNamespace = rootNamespace;
        foreach (var type in assembly.GetTypes())
        {
            if (FolderOf(type) is not { } from)
            {
                continue;
            }

            foreach (var referenced in References(type).SelectMany(Expand).Where(t => t.Assembly == assembly).Distinct())
            {
                if (FolderOf(referenced) is { } to && to != from)
                {
                    Add(from, to, $"{Name(type)} → {Name(referenced)}");
                }
            }
        }
    }

    public string RootNamespace { get; }

    public IEnumerable<string> Folders => _edges.Keys.SelectMany(k => new[] { k.From, k.To }).Distinct().Order(StringComparer.Ordinal);

    public static FeatureDependencies Of(Assembly assembly, string rootNamespace) => new(assembly, rootNamespace);

    /// <summary>The folders <paramref name="from"/> refers to.</summary>
    public IEnumerable<string> From(string from) => _edges.Keys.Where(k => k.From == from).Select(k => k.To).Order(StringComparer.Ordinal);

    /// <summary>A few of the references that make <paramref name="from"/> depend on <paramref name="to"/>, to say where to look.</summary>
    public IEnumerable<string> Examples(string from, string to, int count = 3) =>
        _edges.TryGetValue((from, to), out var examples) ? examples.Take(count) : [];

    /// <summary>Every group of folders that depend on each other in a cycle (strongly connected, two or more folders).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string folder)
        {
            index[folder] = low[folder] = index.Count;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var next in From(folder))
            {
                if (!index.TryGetValue(next, out var seen))
                {
                    Visit(next);
                    low[folder] = Math.Min(low[folder], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[folder] = Math.Min(low[folder], seen);
                }
            }

            if (low[folder] == index[folder])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    group.Add(member);
                }
                while (member != folder);

                if (group.Count > 1)
                {
                    cycles.Add(group.Order(StringComparer.Ordinal).ToList());
                }
            }
        }

        foreach (var folder in Folders.Where(f => !index.ContainsKey(f)))
        {
            Visit(folder);
        }

        return cycles;
    }

    /// <summary>The folder a type belongs to; null for types outside the root namespace (generated helpers).</summary>
    public string? FolderOf(Type type)
    {
        var ns = type.Namespace;
        if (ns == RootNamespace)
        {
            return Root;
        }

        return ns is not null && ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal)
            ? ns[(RootNamespace.Length + 1)..].Split('.')[0]
            : null;
    }

    private void Add(string from, string to, string example)
    {
        if (!_edges.TryGetValue((from, to), out var examples))
        {
            _edges[(from, to)] = examples = new SortedSet<string>(StringComparer.Ordinal);
        }

        examples.Add(example);
    }

    private static string Name(Type type) => type.FullName ?? type.Name;

    private static IEnumerable<Type> References(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var item in type.GetInterfaces().Concat(AttributeTypes(type.CustomAttributes)))
        {
            yield return item;
        }

        foreach (var field in type.GetFields(Declared))
        {
            yield return field.FieldType;
            foreach (var item in AttributeTypes(field.CustomAttributes))
            {
                yield return item;
            }
        }

        foreach (var property in type.GetProperties(Declared))
        {
            yield return property.PropertyType;
            foreach (var item in AttributeTypes(property.CustomAttributes))
            {
                yield return item;
            }
        }

        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            foreach (var item in Signature(method).Concat(AttributeTypes(method.CustomAttributes)).Concat(Body(method)))
            {
                yield return item;
            }

            foreach (var parameter in method.GetParameters())
            {
                foreach (var item in AttributeTypes(parameter.CustomAttributes))
                {
                    yield return item;
                }
            }
        }
    }

    private static IEnumerable<Type> Signature(MethodBase method)
    {
        if (method.DeclaringType is { } declaring)
        {
            yield return declaring;
        }

        if (method is MethodInfo info)
        {
            yield return info.ReturnType;
            if (info.IsGenericMethod)
            {
                foreach (var argument in info.GetGenericArguments())
                {
                    yield return argument;
                }
            }
        }

        foreach (var parameter in method.GetParameters())
        {
            yield return parameter.ParameterType;
        }
    }

    private static IEnumerable<Type> AttributeTypes(IEnumerable<CustomAttributeData> attributes)
    {
        foreach (var attribute in attributes)
        {
            yield return attribute.AttributeType;
            foreach (var value in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(a => a.TypedValue)))
            {
                if (value.Value is Type argument)
                {
                    yield return argument;
                }
            }
        }
    }

    /// <summary>The locals of a method body and every type, method and field its instructions name.</summary>
    private static IEnumerable<Type> Body(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null)
        {
            yield break;
        }

        foreach (var local in body.LocalVariables)
        {
            yield return local.LocalType;
        }

        foreach (var item in MembersNamedBy(method).SelectMany(Types))
        {
            yield return item;
        }
    }

    /// <summary>Every type, method and field the instructions of a method body name (what it calls, reads, creates).</summary>
    public static IEnumerable<MemberInfo> MembersNamedBy(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType is { IsGenericType: true } generic ? generic.GetGenericArguments() : null;
        var methodArguments = method is MethodInfo { IsGenericMethod: true } genericMethod ? genericMethod.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var opCode = il[at] == 0xFE ? OpCodesByValue[unchecked((short)(0xFE00 | il[at + 1]))] : OpCodesByValue[il[at]];
            at += opCode.Size;
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = Resolve(method.Module, BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    at += 4;
                    if (member is not null)
                    {
                        yield return member;
                    }

                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                    at += 4;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
        {
            return null;
        }
    }

    private static IEnumerable<Type> Types(MemberInfo? member) => member switch
    {
        Type type => [type],
        FieldInfo field => [field.DeclaringType!, field.FieldType],
        MethodBase method => Signature(method),
        _ => [],
    };

    /// <summary>A type and what it is made of: element types, generic definitions and arguments.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var item in Expand(type.GetElementType()!))
            {
                yield return item;
            }

            yield break;
        }

        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
        {
            foreach (var item in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return item;
            }
        }
    }
}
