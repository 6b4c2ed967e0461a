using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// Checks a JSON body before anything binds it, so that what System.Text.Json would accept silently or fail on later
/// (as a 500, deep in a handler) is refused up front with a sentence naming the problem: a key given twice in one
/// object (which of the two would win is up to the parser), bytes that are not UTF-8, and <c>\uD800</c>-style escapes
/// of a lone surrogate (no character; most encoders cannot write it back out).
/// </summary>
internal static class StrictJson
{
    /// <summary>Nesting deeper than this is refused; request bodies of this API are a few levels deep.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>What is wrong with <paramref name="utf8Json"/>, or null when it is one strict JSON value.</summary>
    public static string? FindProblem(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
            return "the body is empty: send a JSON object";
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        // One set of key names per open object; null for an open array.
        var keysPerLevel = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keysPerLevel.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.StartArray:
                        keysPerLevel.Push(null);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        keysPerLevel.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        if (ReadText(ref reader, "a key", out var key) is { } badKey)
                            return badKey;
                        if (!keysPerLevel.Peek()!.Add(key!))
                            return $"the body is not valid JSON: key '{key}' appears twice in one object (byte {reader.TokenStartIndex}); give each key once";
                        break;
                    case JsonTokenType.String:
                        if (ReadText(ref reader, "a string", out _) is { } badString)
                            return badString;
                        break;
                }
            }
        }
        catch (JsonException exception)
        {
            return $"the body is not valid JSON: {exception.Message}";
        }

        return null;
    }

    /// <summary>The start of a refused text, for the message (invalid bytes shown as U+FFFD).</summary>
    private static string Preview(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw, 0, Math.Min(raw.Length, 40));
        return raw.Length > 40 ? text + "…" : text;
    }

    /// <summary>Decodes the current key or string; the reason it cannot be decoded, or null.</summary>
    private static string? ReadText(ref Utf8JsonReader reader, string what, out string? text)
    {
        try
        {
            text = reader.GetString();
            return null;
        }
        catch (InvalidOperationException)
        {
            text = null;
            var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
            var where = $"{what} at byte {reader.TokenStartIndex}";
            return Utf8.IsValid(raw)
                ? $"the body is not valid JSON: {where} holds an escaped lone surrogate (\\uD800-\\uDFFF without its pair), which is no character"
                : $"the body is not valid UTF-8: {where} holds bytes that are not UTF-8 text (near '{Preview(raw)}'); send UTF-8";
        }
    }
}
