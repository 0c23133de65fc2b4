// What a network records about itself besides its parameters: an ordered list of key = value
// pairs of text (the data source, the class names, the training options, …). A key may repeat
// (one "class" entry per class, in class order). The model file stores them in its "META"
// section (docs/model-format.md); nothing here changes a prediction or the weights hash.
using System.Text;

namespace Nn.Simd.Model;

/// <summary>
/// An ordered list of key = value text pairs that a <see cref="Network"/> carries into its model
/// file: where its data came from, its class names, how it was trained. Keys are 1 to 64
/// characters of <c>a-z A-Z 0-9 . _ -</c>; a value is any text. A key may occur more than once
/// (<see cref="GetAll"/>); the order of the entries is kept.
/// </summary>
public sealed class ModelMetadata
{
    /// <summary>The longest key.</summary>
    public const int MaxKeyLength = 64;

    private readonly List<KeyValuePair<string, string>> _entries = [];

    /// <summary>The entries in the order they were added.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries => _entries;

    /// <summary>Replaces every entry of <paramref name="key"/> with one entry holding <paramref name="value"/> (at the first one's place, else at the end).</summary>
    /// <param name="key">The key (1 to 64 characters of a-z A-Z 0-9 . _ -).</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The key is not valid.</exception>
    public void Set(string key, string value)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(value);
        int first = _entries.FindIndex(e => e.Key == key);
        if (first < 0)
        {
            _entries.Add(new(key, value));
            return;
        }

        _entries[first] = new(key, value);
        for (int i = _entries.Count - 1; i > first; i--)
        {
            if (_entries[i].Key == key)
            {
                _entries.RemoveAt(i);
            }
        }
    }

    /// <summary>Replaces every entry of <paramref name="key"/> with one entry per value, in order, at the end.</summary>
    /// <param name="key">The key (1 to 64 characters of a-z A-Z 0-9 . _ -).</param>
    /// <param name="values">The values.</param>
    /// <exception cref="ArgumentException">The key is not valid.</exception>
    public void SetAll(string key, IEnumerable<string> values)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(values);
        _entries.RemoveAll(e => e.Key == key);
        foreach (string value in values)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(values));
            _entries.Add(new(key, value));
        }
    }

    /// <summary>The first value of <paramref name="key"/>, or <see langword="null"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/> when the key is absent.</returns>
    public string? Get(string key)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>Every value of <paramref name="key"/>, in order.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The values; empty when the key is absent.</returns>
    public IReadOnlyList<string> GetAll(string key) => [.. _entries.Where(e => e.Key == key).Select(e => e.Value)];

    /// <summary>Copies every entry of <paramref name="other"/> into this (empty) list.</summary>
    internal void CopyFrom(ModelMetadata other) => _entries.AddRange(other._entries);

    /// <summary>
    /// The entries as UTF-8 text, one <c>key=value</c> line each (LF-terminated); in a value a
    /// backslash is written <c>\\</c>, a line feed <c>\n</c> and a carriage return <c>\r</c>.
    /// </summary>
    internal byte[] ToText()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _entries)
        {
            text.Append(key).Append('=');
            foreach (char c in value)
            {
                text.Append(c switch
                {
                    '\\' => @"\\",
                    '\n' => @"\n",
                    '\r' => @"\r",
                    _ => c.ToString(),
                });
            }

            text.Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads what <see cref="ToText"/> wrote.</summary>
    /// <exception cref="FormatException">The text is not in that form; the message says where.</exception>
    internal static ModelMetadata FromText(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("the metadata is not valid UTF-8");
        }

        var metadata = new ModelMetadata();
        if (text.Length > 0 && text[^1] != '\n')
        {
            throw new FormatException("the metadata's last line does not end with a line feed");
        }

        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length - 1; i++)
        {
            string line = lines[i];
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? line : line[..equals];
            if (equals < 0 || !IsValidKey(key))
            {
                throw new FormatException($"metadata line {i + 1} is not key=value with a key of 1 to {MaxKeyLength} characters a-z A-Z 0-9 . _ -");
            }

            metadata._entries.Add(new(key, Unescape(line.AsSpan(equals + 1), i + 1)));
        }

        return metadata;
    }

    private static string Unescape(ReadOnlySpan<char> value, int line)
    {
        var text = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\r')
            {
                throw new FormatException($"metadata line {line} holds a raw carriage return");
            }

            if (value[i] != '\\')
            {
                text.Append(value[i]);
                continue;
            }

            text.Append((i + 1 < value.Length ? value[++i] : '\0') switch
            {
                '\\' => '\\',
                'n' => '\n',
                'r' => '\r',
                _ => throw new FormatException($"metadata line {line} has a backslash not followed by \\, n or r"),
            });
        }

        return text.ToString();
    }

    private static bool IsValidKey(string key) =>
        key.Length is >= 1 and <= MaxKeyLength && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static void CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            throw new ArgumentException($"The metadata key '{key}' is not 1 to {MaxKeyLength} characters of a-z A-Z 0-9 . _ -.", nameof(key));
        }
    }
}
