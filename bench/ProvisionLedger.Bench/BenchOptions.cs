using System.Globalization;

namespace ProvisionLedger.Bench;

/// <summary>Sizes of one run. <c>--quick</c> is the small smoke run for CI; the defaults are the full run.</summary>
public sealed class BenchOptions
{
    /// <summary>
    /// The store's stages: it grows through the bulk path to each of these sizes (exchange records preloaded, cumulative),
    /// and every read figure is measured again at each stage.
    /// </summary>
    public int[] Sizes { get; set; } = [1_000_000, 3_000_000, 10_000_000];

    /// <summary>The client counts of the single-route comparison (HTTP and plain Marten one event per transaction).</summary>
    public int[] ClientsList { get; set; } = [1, 8, 64];

    /// <summary>Records under the wrongly linked record of each stage's incident (confirmation and trace timed).</summary>
    public int TraceRecords { get; set; } = 10_000;

    /// <summary>Records of the one large incident, measured after the first stage.</summary>
    public int LargeTraceRecords { get; set; } = 100_000;

    /// <summary>Events copied into a database of their own for the projection rebuilds (the first ones of the store after stage 1).</summary>
    public int RebuildEvents { get; set; } = 500_000;

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
    /// "bulk" (POST /api/v1/exchanges/batch over HTTP, then the corrections appended in process in sessions of
    /// <see cref="BatchSize"/>) or "marten" (in-process sessions with the inline projections, corrections in the same batch).
    /// </summary>
    public string PreloadVia { get; set; } = "bulk";

    public int HotSubjectRecords { get; set; } = 200;

    /// <summary>
    /// Only the incidents (<c>--incidents-only</c>): on an empty store, one incident of <see cref="TraceRecords"/> and one of
    /// <see cref="LargeTraceRecords"/>, confirmation and trace timed; no other phase. For working on the confirmation and
    /// the trace: minutes instead of hours.
    /// </summary>
    public bool IncidentsOnly { get; set; }

    public int PortalCalls { get; set; } = 2_000;

    public int PageCalls { get; set; } = 1_000;

    /// <summary>fsync and synchronous_commit on (the default, as the service's own cluster runs), or off.</summary>
    public bool Durable { get; set; } = true;

    public bool Keep { get; set; }

    /// <summary>Phase 1 and its plain-Marten comparison only (<c>--single-routes-only</c>): for work on the single routes.</summary>
    public bool SingleRoutesOnly { get; set; }

    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), $"ledger-bench-{Environment.ProcessId}");

    public bool Quick { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Sizes = [5_000, 10_000];
            o.HttpPersons = 100;
            o.HttpExchanges = 400;
            o.Warmup = 50;
            o.BatchExchanges = 2_000;
            o.FileLines = 2_000;
            o.PreloadPersons = 300;
            o.PortalCalls = 100;
            o.PageCalls = 60;
            o.TraceRecords = 1_000;
            o.LargeTraceRecords = 2_000;
            o.RebuildEvents = 5_000;
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.Parse(Next(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            int[] Ints() => [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => int.Parse(x, NumberStyles.None, CultureInfo.InvariantCulture))];
            switch (args[i])
            {
                case "--quick": break;
                case "--records": o.Sizes = [Int()]; break;
                case "--sizes": o.Sizes = Ints(); break;
                case "--clients-list": o.ClientsList = Ints(); break;
                case "--trace-records": o.TraceRecords = Int(); break;
                case "--large-trace-records": o.LargeTraceRecords = Int(); break;
                case "--rebuild-events": o.RebuildEvents = Int(); break;
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
                case "--single-routes-only": o.SingleRoutesOnly = true; break;
                case "--incidents-only": o.IncidentsOnly = true; break;
                case "--data-dir": o.DataDirectory = Next(); break;
                default: throw new ArgumentException($"Unknown argument {args[i]}. See bench/README.md.");
            }
        }

        if (o.PreloadVia is not ("bulk" or "marten"))
        {
            throw new ArgumentException("--preload-via is bulk or marten.");
        }

        if (o.Sizes.Length == 0 || o.Sizes.Zip(o.Sizes.Skip(1)).Any(p => p.Second <= p.First) || o.Sizes[0] <= 0)
        {
            throw new ArgumentException("--sizes are positive and increasing, e.g. 1000000,3000000,10000000.");
        }

        if (o.ClientsList.Length == 0 || o.ClientsList.Any(c => c <= 0))
        {
            throw new ArgumentException("--clients-list are positive client counts, e.g. 1,8,64.");
        }

        if (o.HotSubjectRecords > o.Sizes[0])
        {
            throw new ArgumentException("--hot-records must not exceed the first of --sizes.");
        }

        return o;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"sizes={string.Join(',', Sizes)} clients-list={string.Join(',', ClientsList)} trace-records={TraceRecords:N0} " +
        $"large-trace-records={LargeTraceRecords:N0} rebuild-events={RebuildEvents:N0} http-persons={HttpPersons:N0} http-exchanges={HttpExchanges:N0} warmup={Warmup} " +
        $"batch-exchanges={BatchExchanges:N0} batch-size={BatchSize} file-lines={FileLines:N0} lines-per-file={LinesPerFile:N0} clients={Clients} preload-via={PreloadVia} " +
        $"preload-tasks={PreloadTasks} preload-persons={PreloadPersons:N0} hot-records={HotSubjectRecords} " +
        $"portal-calls={PortalCalls} page-calls={PageCalls} durable={Durable}{(IncidentsOnly ? " incidents-only" : "")}");
}
