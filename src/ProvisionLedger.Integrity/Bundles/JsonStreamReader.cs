using System.Text.Json;

namespace ProvisionLedger.Integrity.Bundles;

/// <summary>
/// Reads one JSON document from a stream token by token with <see cref="Utf8JsonReader"/>, holding only a buffer the
/// size of the largest single value asked for whole (one event), so a bundle of any length is read in constant memory.
/// Any JSON error, and a document that ends early, is an <see cref="InvalidBundleException"/>.
/// </summary>
internal sealed class JsonStreamReader(Stream stream, int maxValueBytes = JsonStreamReader.DefaultMaxValueBytes)
{
    public const int DefaultMaxValueBytes = 256 << 20;

    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _final;
    private JsonReaderState _state;

    /// <summary>The next token; for a property name or a string, its text.</summary>
    public async ValueTask<(JsonTokenType Type, string? Text)> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryNext(out var token))
            {
                return token;
            }

            await FillAsync(ct);
        }
    }

    /// <summary>The next value, whole, deserialised; or the end of the array being read (then <c>End</c> is true).</summary>
    public async ValueTask<(bool End, T? Value)> NextValueAsync<T>(JsonSerializerOptions options, CancellationToken ct)
    {
        while (true)
        {
            if (TryValue(options, out (bool End, T? Value) result))
            {
                return result;
            }

            await FillAsync(ct);
        }
    }

    /// <summary>Checks that nothing but whitespace follows the document.</summary>
    public async ValueTask EndAsync(CancellationToken ct)
    {
        while (!_final)
        {
            await FillAsync(ct);
        }

        if (TryNext(out var token))
        {
            throw new InvalidBundleException($"unexpected {token.Type} after the end of the bundle");
        }
    }

    private bool TryNext(out (JsonTokenType Type, string? Text) token)
    {
        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (!reader.Read())
            {
                token = default;
                return false;
            }

            token = (reader.TokenType, reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null);
            Consume(ref reader);
            return true;
        }
        catch (JsonException e)
        {
            throw new InvalidBundleException(e.Message);
        }
    }

    private bool TryValue<T>(JsonSerializerOptions options, out (bool End, T? Value) result)
    {
        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            var probe = reader;
            if (!probe.Read() || (probe.TokenType != JsonTokenType.EndArray && !probe.TrySkip()))
            {
                result = default;
                return false;
            }

            reader.Read();
            result = reader.TokenType == JsonTokenType.EndArray ? (true, default) : (false, JsonSerializer.Deserialize<T>(ref reader, options));
            Consume(ref reader);
            return true;
        }
        catch (JsonException e)
        {
            throw new InvalidBundleException(e.Path is null ? e.Message : $"{e.Message} (at {e.Path})");
        }
    }

    private void Consume(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_final)
        {
            throw new InvalidBundleException("the file ends before the bundle does");
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= maxValueBytes)
            {
                throw new InvalidBundleException($"a single value is larger than {maxValueBytes >> 20} MB");
            }

            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxValueBytes));
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        _final = read == 0;
    }
}
