using System.Text.Json.Nodes;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The open <c>metadata</c> object of an envelope. Stages add their own keys (row numbers, model versions…),
/// so it stays a dictionary; the keys every stage shares get typed accessors.
/// </summary>
public sealed class EnvelopeMetadata : Dictionary<string, JsonNode?>
{
    public const string CorrelationIdKey = "correlation_id";
    public const string DatasetIdKey = "dataset_id";
    public const string SchemaVersionKey = "schema_version";

    public EnvelopeMetadata()
        : base(StringComparer.Ordinal)
    {
    }

    public EnvelopeMetadata(IEnumerable<KeyValuePair<string, JsonNode?>> entries)
        : base(entries, StringComparer.Ordinal)
    {
    }

    /// <summary>The <c>message_id</c> of the message this one answers or derives from.</summary>
    public string? CorrelationId
    {
        get => GetString(CorrelationIdKey);
        set => SetString(CorrelationIdKey, value);
    }

    public string? DatasetId
    {
        get => GetString(DatasetIdKey);
        set => SetString(DatasetIdKey, value);
    }

    public string? SchemaVersion
    {
        get => GetString(SchemaVersionKey);
        set => SetString(SchemaVersionKey, value);
    }

    /// <summary>Reads a value as text; numbers and booleans are rendered, objects and arrays as JSON.</summary>
    public string? GetString(string key)
    {
        if (!TryGetValue(key, out var node) || node is null)
        {
            return null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node.ToJsonString();
    }

    private void SetString(string key, string? value)
    {
        if (value is null)
        {
            Remove(key);
        }
        else
        {
            this[key] = JsonValue.Create(value);
        }
    }

    /// <summary>A copy whose entries can be changed without touching this one's.</summary>
    public EnvelopeMetadata Clone() =>
        new(this.Select(pair => KeyValuePair.Create(pair.Key, pair.Value?.DeepClone())));
}
