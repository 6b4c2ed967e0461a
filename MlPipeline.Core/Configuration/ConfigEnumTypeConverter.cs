using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Reads enum-valued keys by their Kafka spellings (<see cref="ConfigEnumSpellings"/>). A value outside the list
/// throws <see cref="ConfigEnumValueException"/>; the loader turns it into the one-line error with the key path.
/// </summary>
internal sealed class ConfigEnumTypeConverter : IYamlTypeConverter
{
    public bool Accepts(Type type) => ConfigEnumSpellings.Supports(Nullable.GetUnderlyingType(type) ?? type);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        var scalar = parser.Consume<Scalar>();
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null && IsNull(scalar))
        {
            return null;
        }

        var enumType = underlying ?? type;
        return ConfigEnumSpellings.TryParse(enumType, scalar.Value, out var value)
            ? value
            : throw new ConfigEnumValueException(ConfigEnumSpellings.NotOneOf(enumType));
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        emitter.Emit(new Scalar(value is Enum e ? ConfigEnumSpellings.Spell(e) : ""));

    // A plain empty scalar or ~/null means "not set" (YAML core schema); a quoted "" is a real (invalid) value.
    private static bool IsNull(Scalar scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>Raised inside deserialization for an enum value outside the allowed list; Message is "is not one of …".</summary>
internal sealed class ConfigEnumValueException(string notOneOf) : Exception(notOneOf);
