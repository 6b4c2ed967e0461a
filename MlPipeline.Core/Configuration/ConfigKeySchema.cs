using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Checks the parsed YAML tree against the options classes before anything is bound: every key must name a
/// property (so a typo is an error, never a silently ignored key), sections must be mappings and values scalars.
/// Unlike the deserializer, which stops at the first problem, this reports every bad key at once. It also records
/// where each scalar value sits, so a later conversion error (reported by position only) can name its key.
/// </summary>
/// <remarks>Key names come from the same rules the deserializer uses: <see cref="YamlMemberAttribute.Alias"/>
/// when present, otherwise <see cref="UnderscoredNamingConvention"/>; properties without a public setter or marked
/// <see cref="YamlIgnoreAttribute"/> are not keys.</remarks>
internal sealed class ConfigKeySchema
{
    private readonly Dictionary<(long Line, long Column), ConfigValueLocation> _valuesByPosition = [];

    /// <summary>Walks <paramref name="root"/> as an instance of <paramref name="rootType"/>, adding errors to <paramref name="errors"/>.</summary>
    public void Check(YamlMappingNode root, Type rootType, ConfigurationErrorList errors) =>
        CheckMapping(root, rootType, pathPrefix: "", errors);

    /// <summary>The key whose value starts at <paramref name="mark"/>, if any.</summary>
    public ConfigValueLocation? FindValueAt(Mark mark) =>
        _valuesByPosition.GetValueOrDefault((mark.Line, mark.Column));

    public static string KeyName(PropertyInfo property) =>
        property.GetCustomAttribute<YamlMemberAttribute>()?.Alias
        ?? UnderscoredNamingConvention.Instance.Apply(property.Name);

    public static IEnumerable<PropertyInfo> KeyProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.SetMethod is { IsPublic: true })
            .Where(property => property.GetCustomAttribute<YamlIgnoreAttribute>() is null);

    private static bool IsSection(Type type) => type.IsClass && type != typeof(string) && ListItemType(type) is null;

    /// <summary>T for a <c>List&lt;T&gt;</c> of sections (e.g. <c>auth.api_keys</c>), else null.</summary>
    private static Type? ListItemType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && type.GetGenericArguments()[0] is { IsClass: true } item
            && item != typeof(string)
            ? item
            : null;

    // A map whose keys are the user's own (logging.levels: category → level): any key is allowed, values are scalars.
    private static Type? MapValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string)
            ? type.GetGenericArguments()[1]
            : null;

    private void CheckMapping(YamlMappingNode mapping, Type type, string pathPrefix, ConfigurationErrorList errors)
    {
        var propertiesByKey = KeyProperties(type).ToDictionary(KeyName, StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var path = pathPrefix + key;
            if (!propertiesByKey.TryGetValue(key, out var property))
            {
                var where = pathPrefix.Length == 0 ? "top-level sections" : $"keys of {pathPrefix.TrimEnd('.')}";
                errors.General(
                    $"{path} is not a known key {At(keyNode.Start)}; {where}: {string.Join(", ", propertiesByKey.Keys)}");
                continue;
            }

            if (MapValueType(property.PropertyType) is { } valueType)
            {
                CheckMap(valueNode, valueType, path, errors);
            }
            else if (IsSection(property.PropertyType))
            {
                CheckSection(valueNode, property.PropertyType, path, errors);
            }
            else if (ListItemType(property.PropertyType) is { } itemType)
            {
                CheckList(valueNode, itemType, path, errors);
            }
            else if (valueNode is YamlScalarNode scalar)
            {
                _valuesByPosition[(scalar.Start.Line, scalar.Start.Column)] =
                    new ConfigValueLocation(path, scalar.Value ?? "", property.PropertyType);
            }
            else
            {
                errors.General($"{path} must be a single value, not a list or section {At(valueNode.Start)}");
            }
        }
    }

    private void CheckMap(YamlNode valueNode, Type valueType, string path, ConfigurationErrorList errors)
    {
        if (valueNode is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" })
        {
            return;
        }

        if (valueNode is not YamlMappingNode map)
        {
            errors.General($"{path} must be a section of 'name: value' lines {At(valueNode.Start)}");
            return;
        }

        foreach (var (keyNode, entryNode) in map.Children)
        {
            var entryPath = $"{path}.{(keyNode as YamlScalarNode)?.Value}";
            if (entryNode is YamlScalarNode scalar)
            {
                _valuesByPosition[(scalar.Start.Line, scalar.Start.Column)] = new ConfigValueLocation(entryPath, scalar.Value ?? "", valueType);
            }
            else
            {
                errors.General($"{entryPath} must be a single value, not a list or section {At(entryNode.Start)}");
            }
        }
    }

    private void CheckSection(YamlNode valueNode, Type sectionType, string path, ConfigurationErrorList errors)
    {
        switch (valueNode)
        {
            case YamlMappingNode section:
                CheckMapping(section, sectionType, path + ".", errors);
                break;
            // "monitoring:" with nothing under it: the section keeps its defaults.
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" }:
                break;
            default:
                errors.General($"{path} must be a section of 'key: value' lines {At(valueNode.Start)}");
                break;
        }
    }

    private void CheckList(YamlNode valueNode, Type itemType, string path, ConfigurationErrorList errors)
    {
        switch (valueNode)
        {
            case YamlSequenceNode list:
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (list.Children[i] is YamlMappingNode item)
                        CheckMapping(item, itemType, $"{path}[{i}].", errors);
                    else
                        errors.General($"{path}[{i}] must be a section of 'key: value' lines {At(list.Children[i].Start)}");
                }

                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" }:
                break;
            default:
                errors.General($"{path} must be a list of '- key: value' sections {At(valueNode.Start)}");
                break;
        }
    }

    private static string At(Mark mark) => $"(line {mark.Line}, column {mark.Column})";
}

/// <summary>A scalar value in the file: its key path, text as written, and the property type it binds to.</summary>
internal sealed record ConfigValueLocation(string KeyPath, string Text, Type TargetType);
