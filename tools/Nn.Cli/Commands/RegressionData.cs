using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Model;

namespace Nn.Cli.Commands;

/// <summary>
/// A CSV file for <c>nn train --task regression</c>: the <c>--target-columns</c> (0-based indexes or
/// header names, comma-separated) are continuous targets and every other column an input. A first
/// line with a field that is not a number is the header. Targets stay in their original units here.
/// </summary>
internal static class RegressionData
{
    /// <summary>The training and test parts of <paramref name="path"/>, split as classification data is (by --test-fraction and --seed).</summary>
    public static (Dataset Training, Dataset Test, string Name) Load(string path, string targetColumns, double? testFraction, long seed)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--task regression needs a CSV file; --data '{path}' is not one.");
        }

        if (testFraction is { } f && !(f >= 0 && f < 1))
        {
            throw new UsageException($"--test-fraction {f} must be in [0, 1).");
        }

        using var lines = File.ReadLines(path).GetEnumerator();
        string[]? header = null;
        string[]? first = null;
        int lineNumber = 0;
        while (first is null && lines.MoveNext())
        {
            lineNumber++;
            if (lines.Current.Trim().Length > 0)
            {
                first = Fields(lines.Current);
            }
        }

        if (first is null)
        {
            throw new InvalidDataException($"{path}: the file has no rows.");
        }

        int firstDataLine = lineNumber;
        if (first.Any(field => !IsNumber(field)))
        {
            header = first;
            first = null;
        }

        int columns = (header ?? first!).Length;
        int[] targets = Columns(targetColumns, header, columns);
        var inputs = new List<float>();
        var values = new List<float>();
        int rows = 0;
        void Add(string[] fields, int line)
        {
            if (fields.Length != columns)
            {
                throw new InvalidDataException($"{path}:{line}: {fields.Length} fields, but the file has {columns} columns.");
            }

            for (int c = 0; c < columns; c++)
            {
                bool target = Array.IndexOf(targets, c) >= 0;
                if (!float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                {
                    throw target
                        ? new UsageException($"--target-columns: column {Name(c, header)} is not numeric: '{fields[c]}' on line {line} of {path}; a regression target must be a finite number.")
                        : new InvalidDataException($"{path}:{line}: column {Name(c, header)} holds '{fields[c]}', not a finite number.");
                }

                if (!target)
                {
                    inputs.Add(value);
                }
            }

            foreach (int c in targets)
            {
                values.Add(float.Parse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture));
            }

            rows++;
        }

        if (first is not null)
        {
            Add(first, firstDataLine);
        }

        while (lines.MoveNext())
        {
            lineNumber++;
            if (lines.Current.Trim().Length > 0)
            {
                Add(Fields(lines.Current), lineNumber);
            }
        }

        if (rows < 2)
        {
            throw new InvalidDataException($"{path}: {rows} samples; regression needs at least 2.");
        }

        Dataset all = Dataset.FromTargets([.. inputs], columns - targets.Length, [.. values], targets.Length);
        DataSplit split = all.Split(0, DataSources.TestFraction(testFraction), seed);
        return (split.Training, split.Test, path);
    }

    /// <summary>The same data with its targets standardised by <paramref name="scaling"/>, as the network learns them.</summary>
    public static Dataset Standardized(Dataset data, TargetScaling scaling)
    {
        var targets = new float[data.Count * data.TargetSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.CopyTarget(i, targets.AsSpan(i * data.TargetSize, data.TargetSize));
        }

        return Dataset.FromTargets(data.Inputs.ToArray(), data.InputSize, scaling.Standardize(targets), data.TargetSize);
    }

    private static int[] Columns(string list, string[]? header, int columns)
    {
        var result = new List<int>();
        foreach (string item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            int column = int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                ? index
                : header is null ? -1 : Array.FindIndex(header, h => h == item);
            if (column < 0 || column >= columns)
            {
                string names = header is null ? "the file has no header row, so name columns by index" : $"the header has {string.Join(", ", header.Select(h => $"'{h}'"))}";
                throw new UsageException($"--target-columns '{list}': '{item}' is not a column of the file ({columns} columns, 0 to {columns - 1}; {names}).");
            }

            if (result.Contains(column))
            {
                throw new UsageException($"--target-columns '{list}' names column {column} twice.");
            }

            result.Add(column);
        }

        return result.Count < columns
            ? [.. result]
            : throw new UsageException($"--target-columns '{list}' leaves no input column.");
    }

    private static string[] Fields(string line) => line.Split(',', StringSplitOptions.TrimEntries);

    private static bool IsNumber(string field) => float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Name(int column, string[]? header) => header is null ? column.ToString(CultureInfo.InvariantCulture) : $"{column} ('{header[column]}')";
}
