# The service, built and run as the runbook (ops/README.md) describes: restore cached on the build files alone, Marten's
# and Wolverine's code generated at build time (Production loads it, no Roslyn at run time), a non-root user, and a
# health check on readiness. Keys and the connection string come from the environment (docker-compose.yml).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore from the build files only: this layer is rebuilt when a package changes, not when the code does.
COPY global.json nuget.config Directory.Build.props Directory.Packages.props ./
COPY packages/local-feed/ packages/local-feed/
COPY src/ProvisionLedger.Integrity/ProvisionLedger.Integrity.csproj src/ProvisionLedger.Integrity/
COPY src/ProvisionLedger.Api/ProvisionLedger.Api.csproj src/ProvisionLedger.Api/
RUN dotnet restore src/ProvisionLedger.Api/ProvisionLedger.Api.csproj

COPY src/ProvisionLedger.Integrity/ src/ProvisionLedger.Integrity/
COPY src/ProvisionLedger.Api/ src/ProvisionLedger.Api/

# `codegen write` builds the host without serving or connecting (a placeholder connection string and development keys
# are enough) and writes the generated code under Internal/Generated; the publish below compiles it in.
# The OpenAPI document is the repository's (docs/openapi/v1.json, written by developers' builds): not generated here.
WORKDIR /src/src/ProvisionLedger.Api
RUN dotnet build -c Release --no-restore -p:OpenApiGenerateDocumentsOnBuild=false \
 && ConnectionStrings__Ledger="Host=127.0.0.1;Database=codegen" \
    Ledger__Auth__SigningKey="Y29kZWdlbi1vbmx5LWNvZGVnZW4tb25seS1jb2RlZ2VuLW9ubHk=" \
    Ledger__Subjects__HmacKey="Y29kZWdlbi1vbmx5LWNvZGVnZW4tb25seS1jb2RlZ2VuLW9ubHk=" \
    DOTNET_ENVIRONMENT=Production dotnet bin/Release/net10.0/ProvisionLedger.Api.dll codegen write \
 && dotnet publish -c Release --no-restore -p:OpenApiGenerateDocumentsOnBuild=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The image's unprivileged user (uid 1654); the service needs no write access to /app.
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health/ready > /dev/null || exit 1
ENTRYPOINT ["dotnet", "ProvisionLedger.Api.dll"]
