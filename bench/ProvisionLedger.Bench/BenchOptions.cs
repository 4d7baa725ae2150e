using System.Globalization;

namespace ProvisionLedger.Bench;

/// <summary>Sizes of one run. <c>--quick</c> is the small smoke run for CI; the defaults are the full run.</summary>
public sealed class BenchOptions
{
    /// <summary>Exchange records preloaded before the read measurements (the store holds at least this many).</summary>
    public int Records { get; set; } = 1_000_000;

    /// <summary>People linked through the HTTP path, each at three institutions, for the HTTP ingest.</summary>
    public int HttpPersons { get; set; } = 3_000;

    /// <summary>Exchanges (inquiry + provision) timed through HTTP, and again through plain Marten one event per transaction.</summary>
    public int HttpExchanges { get; set; } = 10_000;

    public int Warmup { get; set; } = 500;

    /// <summary>Exchanges timed through the bulk path, plain Marten batch appends and raw COPY.</summary>
    public int BatchExchanges { get; set; } = 50_000;

    public int BatchSize { get; set; } = 1_000;

    /// <summary>Inquiries timed as 一括照会 files, and again as JSON batches of inquiries, beside the bulk path.</summary>
    public int FileLines { get; set; } = 50_000;

    /// <summary>The most lines of one file (each inquirer sends its own files).</summary>
    public int LinesPerFile { get; set; } = 10_000;

    public int Clients { get; set; } = 8;

    /// <summary>Tasks preloading the big store (each sends batches of <see cref="BatchSize"/>).</summary>
    public int PreloadTasks { get; set; } = 4;

    /// <summary>People the preloaded records are spread over; each is linked at three institutions.</summary>
    public int PreloadPersons { get; set; } = 20_000;

    /// <summary>
    /// "marten" (in-process sessions with the inline projections, corrections in the same batch: measured the faster of the
    /// two here) or "bulk" (POST /api/v1/exchanges/batch, then the corrections one by one over HTTP).
    /// </summary>
    public string PreloadVia { get; set; } = "marten";

    public int HotSubjectRecords { get; set; } = 200;

    public int PortalCalls { get; set; } = 2_000;

    public int PageCalls { get; set; } = 1_000;

    /// <summary>fsync and synchronous_commit on (the default, as the service's own cluster runs), or off.</summary>
    public bool Durable { get; set; } = true;

    public bool Keep { get; set; }

    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), $"ledger-bench-{Environment.ProcessId}");

    public bool Quick { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Records = 10_000;
            o.HttpPersons = 200;
            o.HttpExchanges = 600;
            o.Warmup = 100;
            o.BatchExchanges = 3_000;
            o.FileLines = 5_000;
            o.PreloadPersons = 1_000;
            o.PortalCalls = 200;
            o.PageCalls = 100;
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.Parse(Next(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--quick": break;
                case "--records": o.Records = Int(); break;
                case "--http-persons": o.HttpPersons = Int(); break;
                case "--http-exchanges": o.HttpExchanges = Int(); break;
                case "--warmup": o.Warmup = Int(); break;
                case "--batch-exchanges": o.BatchExchanges = Int(); break;
                case "--batch-size": o.BatchSize = Int(); break;
                case "--file-lines": o.FileLines = Int(); break;
                case "--lines-per-file": o.LinesPerFile = Int(); break;
                case "--clients": o.Clients = Int(); break;
                case "--preload-tasks": o.PreloadTasks = Int(); break;
                case "--preload-persons": o.PreloadPersons = Int(); break;
                case "--preload-via": o.PreloadVia = Next(); break;
                case "--hot-records": o.HotSubjectRecords = Int(); break;
                case "--portal-calls": o.PortalCalls = Int(); break;
                case "--page-calls": o.PageCalls = Int(); break;
                case "--no-fsync": o.Durable = false; break;
                case "--keep": o.Keep = true; break;
                case "--data-dir": o.DataDirectory = Next(); break;
                default: throw new ArgumentException($"Unknown argument {args[i]}. See bench/README.md.");
            }
        }

        if (o.PreloadVia is not ("bulk" or "marten"))
        {
            throw new ArgumentException("--preload-via is bulk or marten.");
        }

        if (o.HotSubjectRecords > o.Records)
        {
            throw new ArgumentException("--hot-records must not exceed --records.");
        }

        return o;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"records={Records:N0} http-persons={HttpPersons:N0} http-exchanges={HttpExchanges:N0} warmup={Warmup} " +
        $"batch-exchanges={BatchExchanges:N0} batch-size={BatchSize} file-lines={FileLines:N0} lines-per-file={LinesPerFile:N0} clients={Clients} preload-via={PreloadVia} " +
        $"preload-tasks={PreloadTasks} preload-persons={PreloadPersons:N0} hot-records={HotSubjectRecords} " +
        $"portal-calls={PortalCalls} page-calls={PageCalls} durable={Durable}");
}
