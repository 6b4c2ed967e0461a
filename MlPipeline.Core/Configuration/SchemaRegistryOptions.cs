namespace MlPipeline.Core.Configuration;

/// <summary>The <c>schema_registry:</c> section. The pipeline speaks JSON envelopes; a registry is optional.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>Base URL of a Confluent-compatible Schema Registry (http or https). <value>Default <c>http://localhost:8081</c>.</value></summary>
    public string Url { get; set; } = "http://localhost:8081";

    /// <summary>Register/check envelope schemas in the registry. <value>Default false.</value></summary>
    public bool Enabled { get; set; }
}
