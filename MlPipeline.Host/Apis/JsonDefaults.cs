using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Host.Apis;

/// <summary>The API's JSON shape: snake_case fields and enum names, as the wire contract and the original API.</summary>
internal static class JsonDefaults
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = ContractJson.NamingPolicy;
        options.DictionaryKeyPolicy = null;
        // A key given twice is refused, not silently resolved to one of the two values.
        options.AllowDuplicateProperties = false;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
            options.Converters.Add(new JsonStringEnumConverter(ContractJson.NamingPolicy));
        return options;
    }
}
