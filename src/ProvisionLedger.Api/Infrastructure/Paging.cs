using System.Globalization;
using System.Text;
using Marten;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// A listing's <c>pageSize</c> and <c>cursor</c> query parameters as the request gave them, bound by Wolverine
/// (<see cref="EndpointParameters"/>). They are read, not judged: each listing checks them against its own
/// <see cref="PageLimits"/> and cursor binding when its answers say it should, so every listing keeps its order of answers.
/// </summary>
public sealed record PageRequest(string? PageSize, string? Cursor)
{
    public static PageRequest FromQuery(HttpRequest request) =>
        new(request.Query.TryGetValue("pageSize", out var size) ? size.ToString() : null, request.Query["cursor"].ToString());

    /// <summary>The page size asked for, or the default; a problem naming <c>pageSize</c> when it is not a whole number in range.</summary>
    public int Size(PageLimits limits, FieldErrors errors)
    {
        if (PageSize is null)
        {
            return limits.DefaultSize;
        }

        if (!int.TryParse(PageSize, CultureInfo.InvariantCulture, out var size) || size < 1 || size > limits.MaxSize)
        {
            errors.Add("pageSize", $"must be a whole number between 1 and {limits.MaxSize}.");
        }

        return size;
    }
}

/// <summary>How many items a listing answers when not told, and at most.</summary>
public sealed record PageLimits(int DefaultSize, int MaxSize)
{
    /// <summary>A page size given in a JSON body (already a number): a problem naming <c>pageSize</c> when out of range.</summary>
    public void Check(int? size, FieldErrors errors)
    {
        if (size is < 1 || size > MaxSize)
        {
            errors.Add("pageSize", $"must be between 1 and {MaxSize}.");
        }
    }
}

/// <summary>Where a keyset page starts: after the last item of the page before (its sort key and id).</summary>
public readonly record struct KeysetPosition(long SortKey, string Id);

/// <summary>One page of a keyset listing and the sealed cursor that continues it (null on the last page).</summary>
public sealed record KeysetPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset paging, the one way every listing pages: the position is opened from a sealed cursor bound to the listing and
/// its filters (<see cref="CursorSealer"/>: a cursor of one listing is refused by another), one more row than the page is
/// read, and the next cursor is sealed from the last item shown.
/// </summary>
public sealed class Keyset(CursorSealer cursors)
{
    /// <summary>
    /// The position a cursor holds, or null without one; a problem naming <c>cursor</c> ("is not a cursor of
    /// <paramref name="listing"/>.") when it was not sealed for <paramref name="binding"/>.
    /// </summary>
    public KeysetPosition? Open(string? cursor, string binding, FieldErrors errors, string listing = "this listing")
    {
        try
        {
            return cursors.Open(cursor, binding) is { } at ? new KeysetPosition(at.SortKey, at.Id) : null;
        }
        catch (InvalidCursorException)
        {
            errors.Add("cursor", $"is not a cursor of {listing}.");
            return null;
        }
    }

    public string Seal(long sortKey, string id, string binding) => cursors.Seal(sortKey, id, binding);

    /// <summary>The first <paramref name="size"/> of <paramref name="rows"/> (read one longer), and a cursor when more follow.</summary>
    public KeysetPage<T> Page<T>(IReadOnlyList<T> rows, int size, string binding, Func<T, KeysetPosition> position)
    {
        var shown = rows.Take(size).ToList();
        if (rows.Count <= size)
        {
            return new KeysetPage<T>(shown, null);
        }

        var last = position(shown[^1]);
        return new KeysetPage<T>(shown, cursors.Seal(last.SortKey, last.Id, binding));
    }

    /// <summary>Runs <paramref name="query"/> for the page after <paramref name="after"/> and answers it with its next cursor.</summary>
    public async Task<KeysetPage<T>> ReadAsync<T>(
        IQuerySession session, KeysetQuery query, KeysetPosition? after, int size, string binding, Func<T, KeysetPosition> position,
        CancellationToken ct = default)
    {
        var (sql, args) = query.Build(after, size + 1);
        var rows = await session.QueryAsync<T>(sql, ct, args);
        return Page(rows, size, binding, position);
    }
}

/// <summary>
/// The where clause of a keyset listing over a document table with a <c>sort_key</c> column and an id column (the keyset
/// indexes of <see cref="ReadModelIndexes"/>): <paramref name="where"/> and its arguments, filters, an inclusive period
/// on <c>sort_key</c>, then the position and the order, oldest or newest first, with Marten's <c>?</c> placeholders.
/// </summary>
public sealed class KeysetQuery(bool newestFirst, string where = "true", string id = "d.id", params object[] args)
{
    private readonly StringBuilder _sql = new StringBuilder("where ").Append(where);
    private readonly List<object> _args = [.. args];

    /// <summary>Adds <c> and {condition}</c>, with one argument for each <c>?</c> in it.</summary>
    public KeysetQuery And(string condition, params object[] args)
    {
        _sql.Append(" and ").Append(condition);
        _args.AddRange(args);
        return this;
    }

    public KeysetQuery Period(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f)
        {
            And("d.sort_key >= ?", f.UtcTicks);
        }

        if (to is { } t)
        {
            And("d.sort_key <= ?", t.UtcTicks);
        }

        return this;
    }

    public (string Sql, object[] Args) Build(KeysetPosition? after, int limit)
    {
        var sql = new StringBuilder().Append(_sql);
        var args = new List<object>(_args);
        if (after is { } a)
        {
            sql.Append(CultureInfo.InvariantCulture, $" and (d.sort_key, {id}) {(newestFirst ? '<' : '>')} (?, ?)");
            args.Add(a.SortKey);
            args.Add(a.Id);
        }

        sql.Append(CultureInfo.InvariantCulture, $" order by d.sort_key{(newestFirst ? " desc" : "")}, {id}{(newestFirst ? " desc" : "")} limit ?");
        args.Add(limit);
        return (sql.ToString(), args.ToArray());
    }
}
