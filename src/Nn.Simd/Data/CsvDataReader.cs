using System.Globalization;

namespace Nn.Simd.Data;

/// <summary>How a CSV file is read into a labelled <see cref="Dataset"/>.</summary>
public sealed record CsvOptions
{
    /// <summary>The 0-based column holding the class label; <see langword="null"/> (default) means the last column.</summary>
    public int? LabelColumn { get; init; }

    /// <summary>The label column by header name (needs a header row); overrides <see cref="LabelColumn"/>.</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>Whether the first row is a header; <see langword="null"/> (default) detects it: a first row with any non-numeric field is a header.</summary>
    public bool? HasHeader { get; init; }

    /// <summary>Every input value is multiplied by this (e.g. 1/255 for 8-bit pixels). Default 1.</summary>
    public float InputScale { get; init; } = 1f;

    /// <summary>The number of classes; <see langword="null"/> (default) takes the largest label + 1.</summary>
    public int? ClassCount { get; init; }

    /// <summary>The field separator. Default ','.</summary>
    public char Separator { get; init; } = ',';
}

/// <summary>
/// Reads labelled samples from CSV (optionally gzip-compressed): one sample per row, numeric
/// inputs and one integer class label. Every problem is reported with its line and column.
/// </summary>
public static class CsvDataReader
{
    /// <summary>The largest label: the class count, one more, must still be an <see cref="int"/>.</summary>
    private const int MaxLabel = int.MaxValue - 1;

    /// <summary>Reads a CSV file; a <c>.gz</c> file (by its gzip magic) is decompressed on the fly.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The labelled data set.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.ClassCount"/> is less than 1, or <see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static Dataset Read(string path, CsvOptions? options = null)
    {
        using StreamReader reader = OpenText(path);
        return Read(reader, path, options);
    }

    /// <summary>Reads CSV text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">A name for messages (e.g. the file path).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The labelled data set.</returns>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.ClassCount"/> is less than 1, or <see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static Dataset Read(TextReader reader, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        if (options.ClassCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ClassCount, "CsvOptions.ClassCount must be at least 1.");
        }

        (List<float> inputs, List<int> labels, int inputColumns) = Parse(reader, source, options, withLabels: true);
        int classCount = options.ClassCount ?? (labels.Max() + 1);
        int tooLarge = labels.FindIndex(l => l >= classCount);
        if (tooLarge >= 0)
        {
            throw new InvalidDataException($"{source}: data row {tooLarge + 1} has label {labels[tooLarge]}, outside the {classCount} classes 0..{classCount - 1}.");
        }

        return Dataset.FromLabels([.. inputs], inputColumns, [.. labels], classCount);
    }

    /// <summary>
    /// Reads unlabelled inputs (e.g. for prediction): every column is an input, except the label
    /// column if <see cref="CsvOptions.LabelColumn"/> or <see cref="CsvOptions.LabelColumnName"/> names one.
    /// </summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The values, row-major, and the number of values per row.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static (float[] Values, int Columns) ReadInputs(string path, CsvOptions? options = null)
    {
        using StreamReader reader = OpenText(path);
        return ReadInputs(reader, path, options);
    }

    /// <summary>Reads unlabelled inputs from CSV text (e.g. standard input), as <see cref="ReadInputs(string, CsvOptions?)"/> does from a file.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">A name for messages.</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The values, row-major, and the number of values per row.</returns>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static (float[] Values, int Columns) ReadInputs(TextReader reader, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        bool dropLabel = options.LabelColumn is not null || options.LabelColumnName is not null;
        (List<float> inputs, _, int columns) = Parse(reader, source, options, dropLabel);
        return ([.. inputs], columns);
    }

    /// <summary>An existing CSV file's text, raw or gzip; the reader owns (and disposes) the file.</summary>
    private static StreamReader OpenText(string path) => File.Exists(path)
        ? new StreamReader(DataFileStream.Open(path))
        : throw new FileNotFoundException($"CSV file '{path}' does not exist.", path);

    private static (List<float> Inputs, List<int> Labels, int InputColumns) Parse(TextReader reader, string source, CsvOptions options, bool withLabels)
    {
        if (!float.IsFinite(options.InputScale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.InputScale, "CsvOptions.InputScale must be a finite number.");
        }

        var inputs = new List<float>();
        var labels = new List<int>();
        int columns = -1, labelColumn = -1, lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] fields = line.Split(options.Separator);
            if (columns < 0)
            {
                columns = fields.Length;
                if (withLabels && columns < 2)
                {
                    throw new InvalidDataException($"{source}:{lineNumber}: a row needs at least one input column and a label column, but it has {columns} column(s) (separator '{options.Separator}').");
                }

                bool header = options.HasHeader ?? fields.Any(f => !float.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                labelColumn = withLabels ? ResolveLabelColumn(options, header ? fields : null, columns, source) : -1;
                if (header)
                {
                    continue;
                }
            }

            if (fields.Length != columns)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: the row has {fields.Length} columns but the first row has {columns}.");
            }

            for (int c = 0; c < columns; c++)
            {
                string field = fields[c].Trim();
                if (c == labelColumn)
                {
                    labels.Add(ParseLabel(field, source, lineNumber, c));
                    continue;
                }

                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    throw new InvalidDataException($"{source}:{lineNumber}: column {c + 1} ('{field}') is not a number.");
                }

                if (!float.IsFinite(value))
                {
                    throw new InvalidDataException($"{source}:{lineNumber}: column {c + 1} is {field}; inputs must be finite numbers.");
                }

                float scaled = value * options.InputScale;
                if (!float.IsFinite(scaled))
                {
                    throw new InvalidDataException($"{source}:{lineNumber}: column {c + 1} ({field}) times the input scale {options.InputScale.ToString(CultureInfo.InvariantCulture)} is beyond a float's range.");
                }

                inputs.Add(scaled);
            }
        }

        if (columns < 0 || (inputs.Count == 0 && labels.Count == 0))
        {
            throw new InvalidDataException($"{source}: no data rows.");
        }

        return (inputs, labels, withLabels ? columns - 1 : columns);
    }

    private static int ResolveLabelColumn(CsvOptions options, string[]? header, int columns, string source)
    {
        if (options.LabelColumnName is { } name)
        {
            if (header is null)
            {
                throw new InvalidDataException($"{source}: the label column '{name}' was named, but the file has no header row.");
            }

            int index = Array.FindIndex(header, h => string.Equals(h.Trim().Trim('"'), name, StringComparison.OrdinalIgnoreCase));
            return index >= 0
                ? index
                : throw new InvalidDataException($"{source}: no column is named '{name}'; the header has: {string.Join(", ", header.Select(h => h.Trim()))}.");
        }

        int column = options.LabelColumn ?? (columns - 1);
        return column >= 0 && column < columns
            ? column
            : throw new InvalidDataException($"{source}: label column {column} does not exist; rows have columns 0..{columns - 1}.");
    }

    private static int ParseLabel(string field, string source, int line, int column)
    {
        if (int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label is >= 0 and <= MaxLabel)
        {
            return label;
        }

        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && number >= 0 && number == Math.Floor(number) && number <= MaxLabel)
        {
            return (int)number;
        }

        throw new InvalidDataException($"{source}:{line}: the label in column {column + 1} ('{field}') is not a class number (a whole number from 0 to {MaxLabel}).");
    }
}
