using System.Text;
using System.Text.Json;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// Column names repeat in every row of a chunk, so one chunk's reader hands out one string per name instead of one per
/// row and column. Lives for a single read (no shared state); names come in the same order in every row, so the one
/// after the last match is tried first and a hit usually costs one comparison of UTF-8 bytes.
/// </summary>
internal sealed class RepeatedNameCache
{
    // Beyond this many distinct names (not a column layout any more) new names are no longer remembered.
    private const int MaxNames = 256;

    private readonly List<(byte[] Utf8, string Text)> names = [];
    private int next;

    /// <summary>The text of the property name or string value <paramref name="reader"/> is on.</summary>
    public string Get(ref Utf8JsonReader reader)
    {
        for (int i = 0; i < names.Count; i++)
        {
            int index = (next + i) % names.Count;
            if (reader.ValueTextEquals(names[index].Utf8))
            {
                next = index + 1;
                return names[index].Text;
            }
        }

        var text = reader.GetString()!;
        if (names.Count < MaxNames)
        {
            names.Add((Encoding.UTF8.GetBytes(text), text));
            next = names.Count;
        }

        return text;
    }
}
