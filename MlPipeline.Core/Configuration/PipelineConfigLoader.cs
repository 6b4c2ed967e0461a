using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Reads <c>config/kafka_config.yaml</c> into a validated <see cref="PipelineConfig"/>, or throws a
/// <see cref="ConfigurationException"/> whose lines say exactly what is wrong.
/// </summary>
/// <remarks>
/// Order: file exists → YAML parses (line/column) → every key is known (all typos reported together) →
/// values bind (first conversion error, with its key) → environment overrides → <see cref="PipelineConfigValidator"/>.
/// Each step needs the previous one to have succeeded, so errors come from one step at a time.
/// </remarks>
public static partial class PipelineConfigLoader
{
    /// <summary>Overrides <c>kafka.bootstrap_servers</c> (e.g. set by docker-compose or CI).</summary>
    public const string BootstrapServersVariable = "KAFKA_BOOTSTRAP_SERVERS";

    /// <summary>Overrides <c>kafka.security_protocol</c>.</summary>
    public const string SecurityProtocolVariable = "KAFKA_SECURITY_PROTOCOL";

    /// <summary>Overrides <c>http.port</c> (the convention of PaaS hosts and the original API).</summary>
    public const string PortVariable = "PORT";

    /// <summary>Loads and validates <paramref name="path"/>; <paramref name="environment"/> supplies the overrides
    /// (pass a snapshot of the process environment; tests pass their own). Empty variables are ignored.</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or invalid.</exception>
    public static PipelineConfig Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        var errors = new ConfigurationErrorList(path);
        if (!File.Exists(path))
        {
            errors.General($"configuration file not found (looked for {Path.GetFullPath(path)})");
            errors.ThrowIfAny();
        }

        var text = File.ReadAllText(path);
        var schema = new ConfigKeySchema();
        var root = Parse(text, errors);
        errors.ThrowIfAny();
        if (root is not null)
        {
            schema.Check(root, typeof(PipelineConfig), errors);
            errors.ThrowIfAny();
        }

        var config = Bind(text, schema, errors) ?? new PipelineConfig();
        errors.ThrowIfAny();

        ApplyEnvironment(config, environment, errors);
        errors.ThrowIfAny();

        new PipelineConfigValidator().Validate(config, errors);
        errors.ThrowIfAny();
        return config;
    }

    /// <summary>A snapshot of the process environment in the shape <see cref="Load"/> takes.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(entry => (string)entry.Key, entry => entry.Value as string, StringComparer.Ordinal);

    private static YamlMappingNode? Parse(string text, ConfigurationErrorList errors)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            errors.General($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {WithoutPosition(InnermostMessage(e))}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a position) when the file ends inside an unclosed flow
            // collection; the last event it produced is the best position we have.
            var where = parser.Current?.End ?? Mark.Empty;
            errors.General(
                $"invalid YAML at line {where.Line}, column {where.Column}: an unclosed [ ], {{ }} or quote near here runs to the end of the file");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return null; // An empty file means "all defaults".
        }

        switch (stream.Documents[0].RootNode)
        {
            case YamlMappingNode mapping:
                return mapping;
            case YamlScalarNode { Value: "" or null }:
                return null;
            case var other:
                errors.General(
                    $"invalid YAML at line {other.Start.Line}, column {other.Start.Column}: the file must be a mapping of sections (kafka:, topics:, ...)");
                return null;
        }
    }

    private static PipelineConfig? Bind(string text, ConfigKeySchema schema, ConfigurationErrorList errors)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithTypeConverter(new ConfigEnumTypeConverter())
            .Build();
        try
        {
            return deserializer.Deserialize<PipelineConfig?>(text);
        }
        catch (YamlException e)
        {
            // The deserializer reports a bad value only by position; the schema walk knows which key sits there.
            if (schema.FindValueAt(e.Start) is { } location)
            {
                errors.InvalidValue(location.KeyPath, location.Text, Describe(e, location.TargetType));
            }
            else
            {
                errors.General($"cannot read line {e.Start.Line}, column {e.Start.Column}: {WithoutPosition(InnermostMessage(e))}");
            }

            return null;
        }
    }

    private static string Describe(YamlException error, Type targetType)
    {
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is ConfigEnumValueException notOneOf)
            {
                return notOneOf.Message;
            }
        }

        var type = Nullable.GetUnderlyingType(targetType) ?? targetType;
        return type switch
        {
            _ when type == typeof(bool) => "is not true or false",
            _ when type == typeof(short) => $"is not a whole number between {short.MinValue} and {short.MaxValue}",
            _ when type == typeof(int) => $"is not a whole number between {int.MinValue} and {int.MaxValue}",
            _ when type == typeof(long) => "is not a whole number",
            _ => $"cannot be read as {type.Name}: {InnermostMessage(error)}",
        };
    }

    private static void ApplyEnvironment(
        PipelineConfig config, IReadOnlyDictionary<string, string?> environment, ConfigurationErrorList errors)
    {
        if (Variable(environment, BootstrapServersVariable) is { } bootstrapServers)
        {
            config.Kafka.BootstrapServers = bootstrapServers;
        }

        if (Variable(environment, SecurityProtocolVariable) is { } protocolText)
        {
            if (ConfigEnumSpellings.TryParse<Confluent.Kafka.SecurityProtocol>(protocolText, out var protocol))
            {
                config.Kafka.SecurityProtocol = protocol;
            }
            else
            {
                errors.InvalidValue($"kafka.security_protocol (from {SecurityProtocolVariable})", protocolText,
                    ConfigEnumSpellings.NotOneOf(typeof(Confluent.Kafka.SecurityProtocol)));
            }
        }

        if (Variable(environment, PortVariable) is { } portText)
        {
            if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                config.Http.Port = port;
            }
            else
            {
                errors.InvalidValue($"http.port (from {PortVariable})", portText, "is not a whole number between 0 and 65535");
            }
        }
    }

    private static string? Variable(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    // YamlDotNet prefixes messages with "(Line: 1, Col: 2, Idx: 3) - (Line: ...): "; we give the position ourselves.
    private static string WithoutPosition(string message) => PositionPrefix().Replace(message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();

    private static string InnermostMessage(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error.Message;
    }
}
