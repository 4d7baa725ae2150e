using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// A document member the store leaves out of the JSON it keeps, because it is derived from members that are kept (an
/// alias of the id, a sort key computed from a time). The API and reconciliation still see it: only Marten's serializer
/// skips it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotStoredAttribute : Attribute;

/// <summary>
/// A collection member the store keeps only when it has items: a missing one reads back as the property's initial empty
/// collection. Only for members of classes whose collections start empty (not for records bound by constructor).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StoredWhenNotEmptyAttribute : Attribute;

/// <summary>
/// A member the store keeps only when the named parameterless <c>bool</c> method of its class says so (e.g. a list that
/// differs from its usual value); the class restores the usual value when it is read back (<c>IJsonOnDeserialized</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StoredWhenAttribute(string predicate) : Attribute
{
    public string Predicate { get; } = predicate;
}

/// <summary>
/// The JSON the store writes for events and documents (Marten's serializer only; the API's answers have their own
/// options): no null members, and the members marked above left out. Each key of a jsonb value is stored in every row
/// with its own header, so a null or an empty list costs a row 15–25 bytes for nothing.
/// </summary>
public static class StoredJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(Compact);
    }

    private static void Compact(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is not { } member)
            {
                continue;
            }

            if (member.IsDefined(typeof(NotStoredAttribute), true))
            {
                property.ShouldSerialize = static (_, _) => false;
            }
            else if (member.IsDefined(typeof(StoredWhenNotEmptyAttribute), true))
            {
                property.ShouldSerialize = static (_, value) => value is not ICollection { Count: 0 };
            }
            else if (member.GetCustomAttributes(typeof(StoredWhenAttribute), true) is [StoredWhenAttribute when])
            {
                var predicate = type.Type.GetMethod(when.Predicate, Type.EmptyTypes) is { } method && method.ReturnType == typeof(bool)
                    ? method
                    : throw new InvalidOperationException($"{type.Type.Name} has no bool {when.Predicate}() for [StoredWhen].");
                property.ShouldSerialize = (owner, _) => (bool)predicate.Invoke(owner, null)!;
            }
        }
    }
}
