using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ProvisionLedger.Api.Infrastructure.OpenApi;

/// <summary>Rules for a request body type: its required fields and the enumerations of its string fields.</summary>
public sealed record BodyRules(Type Type, params string[] Required)
{
    public IReadOnlyDictionary<string, string[]> Enums { get; init; } = new Dictionary<string, string[]>();
}

/// <summary>The whole contract: the operations, the tags (features) and the rules of the request bodies.</summary>
public sealed record ApiContractTable(
    IReadOnlyList<OperationContract> Operations,
    IReadOnlyList<(string Name, string Description)> Tags,
    IReadOnlyList<BodyRules> Bodies,
    string Title,
    string Description);

/// <summary>
/// Writes the contract table into the OpenAPI document ASP.NET generates: one document transformer (info, the bearer
/// scheme, the problem schemas, tags, a stable order), one operation transformer (operationId, tag, summary and
/// description, roles, query parameters, request body with example, every answer) and one schema transformer (the
/// constraints of request fields: the My Number's 12 digits, the identifier alphabet, lengths, list ceilings, enums).
/// </summary>
public static class ContractTransformers
{
    public const string BearerScheme = "bearer";
    public const string ProblemSchema = "Problem";
    public const string ValidationProblemSchema = "ValidationProblem";
    public const string ProblemMediaType = "application/problem+json";

    private static readonly HashSet<string> MyNumberFields = new(StringComparer.Ordinal) { "myNumber", "correctMyNumber" };

    public static void AddLedgerContract(this OpenApiOptions options, ApiContractTable table)
    {
        var operations = table.Operations.ToDictionary(o => o.Key, StringComparer.OrdinalIgnoreCase);
        var bodies = table.Bodies.ToDictionary(b => b.Type);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            DropNumberStrings(schema);
            // Nested types are inlined, and ASP.NET drops null from object types it would have referenced: put it back
            // where the property is nullable, since the service writes those nulls.
            if (context.JsonPropertyInfo is { IsGetNullable: true } && schema.Type is { } objectType
                && (objectType & JsonSchemaType.Null) == 0 && (objectType & (JsonSchemaType.Object | JsonSchemaType.Array)) != 0)
            {
                schema.Type = objectType | JsonSchemaType.Null;
            }

            if (context.JsonPropertyInfo is { } property && bodies.TryGetValue(property.DeclaringType, out var rules))
            {
                ApplyFieldRules(schema, property.Name, property.PropertyType, property.CustomConverter is not null, rules);
            }

            // A request type's own required fields (ASP.NET would require every constructor parameter): where it is the
            // body, and where it is a field of another body (a batch record's inquiry).
            if (bodies.TryGetValue(context.JsonTypeInfo.Type, out var typeRules))
            {
                ApplyRequired(schema, typeRules);
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var key = $"{context.Description.HttpMethod} /{context.Description.RelativePath}";
            if (operations.TryGetValue(key, out var contract))
            {
                await DescribeAsync(operation, contract, context, ct);
            }
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            DescribeDocument(document, table);
            return Task.CompletedTask;
        });
    }

    private static async Task DescribeAsync(OpenApiOperation operation, OperationContract contract, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var roles = metadata.OfType<IAuthorizeData>()
            .SelectMany(a => (a.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        var anyRole = roles.Length == 0;
        if (anyRole)
        {
            // [Authorize] without roles: any valid token, and every valid token holds exactly one of the five roles.
            roles = [Roles.Institution, Roles.Nws, Roles.Mynaportal, Roles.Auditor, Roles.IncidentResponder];
        }

        operation.OperationId = contract.OperationId;
        operation.Summary = contract.Summary;
        operation.Description = contract.Description + (anonymous
            ? "\n\nNo token needed."
            : anyRole
                ? "\n\nRoles: any valid token."
                : $"\n\nRoles: {string.Join(", ", roles.Select(r => $"`{r}`"))}.");
        operation.Tags = new HashSet<OpenApiTagReference> { new(contract.Tag, document) };
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        if (!anonymous)
        {
            operation.Extensions["x-roles"] = new JsonNodeExtension(new JsonArray(roles.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray()));
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
        }
        else
        {
            operation.Security = [];
        }

        var parameters = new List<IOpenApiParameter>();
        foreach (var path in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Path))
        {
            if (path.Schema is not OpenApiSchema { Type: { } pathType } || (pathType & (JsonSchemaType.Integer | JsonSchemaType.Number)) == 0)
            {
                path.Schema = Schemas.Identifier();
            }
            else
            {
                path.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "1" };
            }

            path.Description ??= path.Schema.Type == JsonSchemaType.Integer
                ? "A sequence number."
                : "An identifier: NFKC-normalised, then at most 64 of A-Z a-z 0-9 . _ - : @ +.";
            path.Required = true;
            parameters.Add(path);
        }

        parameters.AddRange(contract.Query.Select(q => new OpenApiParameter
        {
            Name = q.Name,
            In = ParameterLocation.Query,
            Description = q.Description,
            Required = q.Required,
            Schema = q.Schema(),
        }));
        operation.Parameters = parameters;

        if (contract.Body is not null || contract.BodySchema is not null)
        {
            var schema = contract.Body is not null ? await ComponentAsync(contract.Body, context, ct) : contract.BodySchema!();
            var content = new Dictionary<string, OpenApiMediaType>();
            foreach (var mediaType in contract.BodyMediaTypes)
            {
                var example = contract.MediaExamples.GetValueOrDefault(mediaType) ?? contract.Example;
                content[mediaType] = new OpenApiMediaType
                {
                    Schema = schema,
                    Example = example is null ? null : mediaType == "application/json" ? JsonNode.Parse(example) : JsonValue.Create(example),
                };
            }

            operation.RequestBody = new OpenApiRequestBody { Required = contract.BodyRequired, Content = content };
        }
        else
        {
            operation.RequestBody = null;
        }

        var responses = new OpenApiResponses();
        foreach (var answer in contract.Answers.OrderBy(a => a.Status))
        {
            var response = new OpenApiResponse { Description = answer.Description };
            if (answer.Body is not null)
            {
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await ComponentAsync(answer.Body, context, ct) },
                };
            }
            else if (answer.MediaType is not null)
            {
                response.Content = new Dictionary<string, OpenApiMediaType> { [answer.MediaType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } };
            }
            else if (answer.IsProblem)
            {
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemMediaType] = new()
                    {
                        Schema = new OpenApiSchemaReference(answer.Status is 400 or 422 ? ValidationProblemSchema : ProblemSchema, document),
                    },
                };
            }

            if (answer.Status is 429 or 503)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before trying again.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                    },
                };
            }

            responses[answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        operation.Responses = responses;
    }

    /// <summary>A body or answer type as a named component (its nested types stay inline), so clients get its name.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(type.Name))
        {
            document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, ct);
        }

        return new OpenApiSchemaReference(type.Name, document);
    }

    private static void DescribeDocument(OpenApiDocument document, ApiContractTable table)
    {
        document.Info = new OpenApiInfo { Title = table.Title, Version = "v1", Description = table.Description };
        // The test host's and every deployment's address differ: clients call the origin they fetched the document from.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The origin this document is served from." }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "HS256 JWT, issuer and audience provision-ledger; claim `role` (exactly one of institution, nws, mynaportal, "
                + "auditor, incident-responder) and, for an institution, `inst` (its institution code). Missing, expired or wrongly "
                + "signed tokens: 401; a role the route does not accept: 403.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        // Wolverine describes every endpoint as answering IResult; the contract replaced those answers.
        document.Components.Schemas.Remove("IResult");
        document.Components.Schemas[ProblemSchema] = Problem(withErrors: false);
        document.Components.Schemas[ValidationProblemSchema] = Problem(withErrors: true);
        document.Components.Schemas = new SortedDictionary<string, IOpenApiSchema>(document.Components.Schemas, StringComparer.Ordinal)
            .ToDictionary(e => e.Key, e => e.Value);
        document.Tags = new HashSet<OpenApiTag>(table.Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));

        var sorted = new OpenApiPaths();
        foreach (var (path, item) in document.Paths.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sorted[path] = item;
        }

        document.Paths = sorted;
    }

    private static OpenApiSchema Problem(bool withErrors)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = withErrors
                ? "RFC 9457 problem details naming every refused field in `errors` (camelCase, as the request spelled it; list items as `records[3].myNumber`, file lines as `line 4: occurredAt`)."
                : "RFC 9457 problem details.",
            Required = new HashSet<string> { "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        if (withErrors)
        {
            schema.Required.Add("errors");
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }

        return schema;
    }

    /// <summary>The web serializer reads numbers from strings too; the contract is numbers.</summary>
    private static void DropNumberStrings(OpenApiSchema schema)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    private static void ApplyRequired(OpenApiSchema schema, BodyRules rules)
    {
        schema.Required = new HashSet<string>(rules.Required, StringComparer.Ordinal);
        foreach (var name in rules.Required)
        {
            if (schema.Properties?.TryGetValue(name, out var property) == true && property is OpenApiSchema inline && inline.Type is { } type)
            {
                inline.Type = type & ~JsonSchemaType.Null;
            }
        }
    }

    private static void ApplyFieldRules(OpenApiSchema schema, string name, Type clrType, bool customConverter, BodyRules rules)
    {
        var type = schema.Type ?? 0;
        if ((type == 0 || customConverter) && (clrType == typeof(DateTimeOffset?) || clrType == typeof(DateTimeOffset)))
        {
            // Read by a Japan-time converter: a date, or a date and time with or without offset.
            var dateTime = Schemas.DateTime();
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = null;
            schema.Description = dateTime.Description;
            return;
        }

        if (rules.Enums.TryGetValue(name, out var values))
        {
            var target = (type & JsonSchemaType.Array) != 0 && schema.Items is OpenApiSchema items ? items : schema;
            target.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
        }
        else if (MyNumberFields.Contains(name))
        {
            schema.Pattern = Schemas.MyNumberPattern;
            schema.Description = "A My Number: 12 ASCII digits, the last the check digit of SPEC §6. Hashed on arrival; never stored, logged or returned.";
        }
        else if ((type & JsonSchemaType.String) != 0 && schema.Format is null && InputHygiene.IsIdentifier(name))
        {
            schema.Pattern = Schemas.IdentifierPattern;
            schema.MaxLength = InputHygiene.MaxIdentifierLength;
            schema.Description ??= "An identifier: NFKC-normalised (full-width letters are the same id), then at most 64 of A-Z a-z 0-9 . _ - : @ +.";
        }
        else if ((type & JsonSchemaType.String) != 0 && schema.Format is null)
        {
            schema.MaxLength = InputHygiene.MaxTextLength;
        }

        if ((type & JsonSchemaType.Array) != 0)
        {
            schema.MaxItems = InputHygiene.ArrayLimits.TryGetValue(name, out var limit) ? limit : InputHygiene.MaxArrayItems;
            if (InputHygiene.IsIdentifier(name) && schema.Items is OpenApiSchema identifiers)
            {
                identifiers.Pattern = Schemas.IdentifierPattern;
                identifiers.MaxLength = InputHygiene.MaxIdentifierLength;
            }
        }
    }
}
