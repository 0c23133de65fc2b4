using System.Globalization;

namespace Nn.Simd.Data;

/// <summary>How a CSV file is read into a labelled <see cref="Dataset"/>.</summary>
public sealed record CsvOptions
{
    /// <summary>The 0-based column holding the class label; <see langword="null"/> (default) means the last column.</summary>
    public int? LabelColumn { get; init; }

    /// <summary>The label column by header name (needs a header row); overrides <see cref="LabelColumn"/>.</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>
    /// Whether the first row is a header; <see langword="null"/> (default) decides by this rule: a
    /// first row in which no field parses as a number is a header, one in which every field does is
    /// data, and a mix (e.g. numbers with one mistyped) is refused with its line and column, so a
    /// typo never silently drops a row — unless <see cref="LabelColumnName"/> is given, which
    /// needs a header, and then the first row is one.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>Every input value is multiplied by this (e.g. 1/255 for 8-bit pixels). Default 1.</summary>
    public float InputScale { get; init; } = 1f;

    /// <summary>
    /// The number of classes, e.g. a network's outputs: a label of this or more is refused with its
    /// line. <see langword="null"/> (default) takes the largest label + 1, where every label must
    /// be below <see cref="ReadLimits.MaxClassCount"/>.
    /// </summary>
    public int? ClassCount { get; init; }

    /// <summary>The limits on line length, values, bytes and classes; <see cref="ReadLimits.Default"/> unless set.</summary>
    public ReadLimits Limits { get; init; } = ReadLimits.Default;

    /// <summary>The field separator. Default ','.</summary>
    public char Separator { get; init; } = ',';
}

/// <summary>
/// Reads labelled samples from CSV (optionally gzip-compressed): one sample per row, numeric
/// inputs and one integer class label. Every problem is reported with its line and column. Files
/// and streams are read through the bounded layer every loader shares (see <see cref="ReadLimits"/>):
/// a line, the values, the bytes and the class count are capped, and a byte-order mark is skipped.
/// </summary>
public static class CsvDataReader
{
    /// <summary>Reads a CSV file; a <c>.gz</c> file (by its gzip magic) is decompressed on the fly.</summary>
    /// <param name="path">The file (a regular file, a device or a pipe).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The labelled data set.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The content is malformed or goes past a limit; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.ClassCount"/> is less than 1, or <see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static Dataset Read(string path, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        using StreamReader reader = OpenText(path, options.Limits);
        return Read(reader, path, options);
    }

    /// <summary>Reads CSV text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">A name for messages (e.g. the file path).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The labelled data set.</returns>
    /// <exception cref="InvalidDataException">The content is malformed or goes past a limit; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.ClassCount"/> is less than 1, or <see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static Dataset Read(TextReader reader, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        if (options.ClassCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ClassCount, "CsvOptions.ClassCount must be at least 1.");
        }

        var parser = new Parser(reader, source, options, withLabels: true);
        var inputs = new List<float>();
        var labels = new List<int>();
        while (parser.Next(inputs, out int label))
        {
            labels.Add(label);
        }

        parser.CheckNotEmpty(labels.Count);
        int classCount = options.ClassCount ?? (labels.Max() + 1);
        return Dataset.FromLabels([.. inputs], parser.InputColumns, [.. labels], classCount);
    }

    /// <summary>
    /// Reads unlabelled inputs (e.g. for prediction): every column is an input, except the label
    /// column if <see cref="CsvOptions.LabelColumn"/> or <see cref="CsvOptions.LabelColumnName"/> names one.
    /// </summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The values, row-major, and the number of values per row.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The content is malformed or goes past a limit; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static (float[] Values, int Columns) ReadInputs(string path, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        using StreamReader reader = OpenText(path, options.Limits);
        return ReadInputs(reader, path, options);
    }

    /// <summary>Reads unlabelled inputs from CSV text, as <see cref="ReadInputs(string, CsvOptions?)"/> does from a file.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">A name for messages.</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>The values, row-major, and the number of values per row.</returns>
    /// <exception cref="InvalidDataException">The content is malformed or goes past a limit; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static (float[] Values, int Columns) ReadInputs(TextReader reader, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        var parser = new Parser(reader, source, options, withLabels: DropsLabel(options));
        var inputs = new List<float>();
        int rows = 0;
        while (parser.Next(inputs, out _))
        {
            rows++;
        }

        parser.CheckNotEmpty(rows);
        return ([.. inputs], parser.InputColumns);
    }

    /// <summary>
    /// Streams unlabelled inputs row by row from a byte stream (e.g. standard input): each row is
    /// handed out as soon as its line ends, so a caller can answer it before the next arrives. A
    /// UTF-8 byte-order mark is skipped; gzip is decompressed; <see cref="ReadLimits.MaxDataBytes"/>
    /// and <see cref="ReadLimits.MaxLineLength"/> bound the memory, and nothing accumulates.
    /// </summary>
    /// <param name="stream">The bytes; disposed when the enumeration ends.</param>
    /// <param name="source">A name for messages, e.g. "standard input".</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <returns>One array of inputs per data row, all of the same length.</returns>
    /// <exception cref="InvalidDataException">The content is malformed or goes past a limit; the message names the line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CsvOptions.InputScale"/> is not finite.</exception>
    public static IEnumerable<float[]> StreamInputs(Stream stream, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new CsvOptions();
        using var reader = new StreamReader(DataFileStream.FromStream(stream, source, options.Limits.MaxDataBytes, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxDataBytes)));
        var parser = new Parser(reader, source, options with { Limits = options.Limits with { MaxDataValues = long.MaxValue } }, withLabels: DropsLabel(options));
        var row = new List<float>();
        int rows = 0;
        while (parser.Next(row, out _))
        {
            rows++;
            yield return [.. row];
            row.Clear();
        }

        parser.CheckNotEmpty(rows);
    }

    private static bool DropsLabel(CsvOptions options) => options.LabelColumn is not null || options.LabelColumnName is not null;

    /// <summary>An existing CSV file's text, raw or gzip, through the bounded reading layer; the reader owns (and disposes) the file.</summary>
    private static StreamReader OpenText(string path, ReadLimits limits) => File.Exists(path)
        ? new StreamReader(DataFileStream.Open(path, limits.MaxDataBytes, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxDataBytes)))
        : throw new FileNotFoundException($"CSV file '{path}' does not exist.", path);

    /// <summary>The rows of one CSV text, checked as they are read.</summary>
    private sealed class Parser
    {
        private readonly CsvLineReader _lines;
        private readonly string _source;
        private readonly CsvOptions _options;
        private readonly bool _withLabels;
        private readonly int _maxLabel;
        private int _columns = -1;
        private int _labelColumn = -1;
        private long _values;

        public Parser(TextReader reader, string source, CsvOptions options, bool withLabels)
        {
            if (!float.IsFinite(options.InputScale))
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.InputScale, "CsvOptions.InputScale must be a finite number.");
            }

            ArgumentNullException.ThrowIfNull(options.Limits);
            options.Limits.Validate();
            _lines = new CsvLineReader(reader, source, options.Limits.MaxLineLength);
            _source = source;
            _options = options;
            _withLabels = withLabels;
            _maxLabel = (options.ClassCount ?? options.Limits.MaxClassCount) - 1;
        }

        /// <summary>Inputs per row (the label column left out).</summary>
        public int InputColumns => _withLabels ? _columns - 1 : _columns;

        /// <summary>Reads the next data row, appending its inputs to <paramref name="inputs"/>.</summary>
        /// <returns>false at the end of the text.</returns>
        public bool Next(List<float> inputs, out int label)
        {
            label = -1;
            string? line;
            while ((line = _lines.ReadLine()) is not null)
            {
                int lineNumber = _lines.LineNumber;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                string[] fields = line.Split(_options.Separator);
                if (_columns < 0 && FirstRowIsHeader(fields, lineNumber))
                {
                    continue;
                }

                if (fields.Length != _columns)
                {
                    throw new InvalidDataException($"{_source}:{lineNumber}: the row has {fields.Length} columns but the first row has {_columns}.");
                }

                _values += InputColumns;
                if (_values > _options.Limits.MaxDataValues)
                {
                    throw DataFileStream.OverLimit($"{_source}:{lineNumber}", "the rows so far hold " + _values.ToString("N0", CultureInfo.InvariantCulture) + " values", _options.Limits.MaxDataValues, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxDataValues));
                }

                for (int c = 0; c < _columns; c++)
                {
                    string field = fields[c].Trim();
                    if (c == _labelColumn)
                    {
                        label = ParseLabel(field, lineNumber, c);
                    }
                    else
                    {
                        inputs.Add(ParseInput(field, lineNumber, c));
                    }
                }

                return true;
            }

            return false;
        }

        /// <summary>Throws when no data row was read.</summary>
        public void CheckNotEmpty(int rows)
        {
            if (rows == 0)
            {
                throw new InvalidDataException($"{_source}: no data rows.");
            }
        }

        /// <summary>Learns the column count and label column from the first row; whether that row is a header (see <see cref="CsvOptions.HasHeader"/>).</summary>
        private bool FirstRowIsHeader(string[] fields, int lineNumber)
        {
            _columns = fields.Length;
            if (_withLabels && _columns < 2)
            {
                throw new InvalidDataException($"{_source}:{lineNumber}: a row needs at least one input column and a label column, but it has {_columns} column(s) (separator '{_options.Separator}').");
            }

            bool header = _options.HasHeader ?? IsHeader(fields, lineNumber);
            _labelColumn = _withLabels ? ResolveLabelColumn(header ? fields : null) : -1;
            return header;
        }

        /// <summary>The rule of <see cref="CsvOptions.HasHeader"/>: no numeric field makes a header, all numeric make data, a mix is refused.</summary>
        private bool IsHeader(string[] fields, int lineNumber)
        {
            int firstText = Array.FindIndex(fields, f => !IsNumber(f));
            int numbers = fields.Count(IsNumber);
            if (firstText >= 0 && numbers > 0 && _options.LabelColumnName is null)
            {
                throw new InvalidDataException($"{_source}:{lineNumber}: column {firstText + 1} ('{fields[firstText].Trim()}') is not a number, though {numbers} other field(s) of this first row are; a header row has no numeric field.");
            }

            return firstText >= 0;
        }

        private static bool IsNumber(string field) => float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        private int ResolveLabelColumn(string[]? header)
        {
            if (_options.LabelColumnName is { } name)
            {
                if (header is null)
                {
                    throw new InvalidDataException($"{_source}: the label column '{name}' was named, but the file has no header row.");
                }

                int index = Array.FindIndex(header, h => string.Equals(h.Trim().Trim('"'), name, StringComparison.OrdinalIgnoreCase));
                return index >= 0
                    ? index
                    : throw new InvalidDataException($"{_source}: no column is named '{name}'; the header has: {string.Join(", ", header.Select(h => h.Trim()))}.");
            }

            int column = _options.LabelColumn ?? (_columns - 1);
            return column >= 0 && column < _columns
                ? column
                : throw new InvalidDataException($"{_source}: label column {column} does not exist; rows have columns 0..{_columns - 1}.");
        }

        private float ParseInput(string field, int line, int c)
        {
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            {
                throw new InvalidDataException($"{_source}:{line}: column {c + 1} ('{field}') is not a number.");
            }

            if (!float.IsFinite(value))
            {
                throw new InvalidDataException($"{_source}:{line}: column {c + 1} is {field}; inputs must be finite numbers.");
            }

            float scaled = value * _options.InputScale;
            return float.IsFinite(scaled)
                ? scaled
                : throw new InvalidDataException($"{_source}:{line}: column {c + 1} ({field}) times the input scale {_options.InputScale.ToString(CultureInfo.InvariantCulture)} is beyond a float's range.");
        }

        private int ParseLabel(string field, int line, int column)
        {
            double number;
            if (int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int whole))
            {
                number = whole;
            }
            else if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || number != Math.Floor(number))
            {
                throw new InvalidDataException($"{_source}:{line}: the label in column {column + 1} ('{field}') is not a class number (a whole number from 0 to {_maxLabel}).");
            }

            if (number >= 0 && number <= _maxLabel)
            {
                return (int)number;
            }

            string allowed = _options.ClassCount is { } classes
                ? $"outside the {classes:N0} classes 0..{classes - 1}"
                : $"outside 0..{_maxLabel:N0}: a data set may have at most {_maxLabel + 1:N0} classes (ReadLimits.MaxClassCount)";
            throw new InvalidDataException($"{_source}:{line}: the label in column {column + 1} is {field}, {allowed}.");
        }
    }
}
