using System.Globalization;
using System.Text;
using CsCheck;
using Nn.Simd.Data;

namespace Nn.Simd.Tests.Data;

public class CsvDataReaderTests
{
    /// <summary>
    /// Any table of finite floats (written in round-trip form) and labels, with the label in any
    /// column and with or without a header row, reads back bit for bit; the class count is the
    /// largest label + 1.
    /// </summary>
    [Fact]
    public void Written_tables_read_back_exactly()
    {
        Gen<(int Rows, int Inputs, float[] Values, int[] Labels, int LabelColumn, bool Header)> tables =
            from rows in Gen.Int[1, 12]
            from inputs in Gen.Int[1, 6]
            from values in Gen.Float.Where(float.IsFinite).Array[rows * inputs]
            from labels in Gen.Int[0, 1000].Array[rows]
            from labelColumn in Gen.Int[0, inputs]
            from header in Gen.Bool
            select (rows, inputs, values, labels, labelColumn, header);
        tables.Sample(table =>
        {
            var text = new StringBuilder();
            if (table.Header)
            {
                text.AppendLine(string.Join(',', Enumerable.Range(0, table.Inputs + 1).Select(c => c == table.LabelColumn ? "label" : $"x{c}")));
            }

            for (int r = 0; r < table.Rows; r++)
            {
                List<string> fields = [.. table.Values.AsSpan(r * table.Inputs, table.Inputs).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))];
                fields.Insert(table.LabelColumn, table.Labels[r].ToString(CultureInfo.InvariantCulture));
                text.AppendLine(string.Join(',', fields));
            }

            Dataset data = CsvDataReader.Read(new StringReader(text.ToString()), "table.csv", new CsvOptions { LabelColumn = table.LabelColumn });
            Assert.Equal(table.Rows, data.Count);
            Assert.Equal(table.Inputs, data.InputSize);
            Assert.Equal(table.Labels.Max() + 1, data.TargetSize);
            Assertions.BitsEqual(table.Values, data.Inputs, "CSV values read back");
            Assert.Equal(table.Labels, Enumerable.Range(0, data.Count).Select(data.Label));
        });
    }

    /// <summary>
    /// Any text at all over the characters CSV numbers are made of is read or refused with an
    /// <see cref="InvalidDataException"/> whose one line starts with the source — never another
    /// exception.
    /// </summary>
    [Fact]
    public void Any_text_is_read_or_refused_naming_the_source()
    {
        Gen.String[Gen.Char["0123456789,.-+eE \n\"xN"], 0, 40].Sample(
            text =>
            {
                try
                {
                    Dataset data = CsvDataReader.Read(new StringReader(text), "any.csv");
                    Assert.True(data.Count > 0);
                }
                catch (InvalidDataException e)
                {
                    Assert.StartsWith("any.csv", e.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain('\n', e.Message);
                }
            },
            iter: 20_000);
    }

    /// <summary>
    /// Labels are whole numbers below <see cref="ReadLimits.MaxClassCount"/> (or the class count
    /// given); anything else is refused with its line, however large — the class count is never
    /// taken blindly from the largest label.
    /// </summary>
    [Theory]
    [InlineData("65535.0", null)]
    [InlineData("65536", "is 65536, outside 0..65,535: a data set may have at most 65,536 classes (ReadLimits.MaxClassCount)")]
    [InlineData("5000000", "is 5000000, outside 0..65,535")]
    [InlineData("2147483648", "is 2147483648, outside 0..65,535")]
    [InlineData("-1", "is -1, outside 0..65,535")]
    [InlineData("1.5", "('1.5') is not a class number")]
    public void Labels_are_whole_numbers_below_the_class_limit(string label, string? message)
    {
        var reader = new StringReader($"0.5,1\n0.25,{label}\n");
        if (message is null)
        {
            Dataset data = CsvDataReader.Read(reader, "labels.csv");
            Assert.Equal(65535, data.Label(1));
            Assert.Equal(65536, data.TargetSize);
            return;
        }

        var e = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read(reader, "labels.csv"));
        Assert.Contains("labels.csv:2: the label in column 2 " + message, e.Message, StringComparison.Ordinal);
    }

    /// <summary>A larger limit, or a class count that a network fixes, moves the bound: the first label past it is refused with its line.</summary>
    [Fact]
    public void The_class_bound_follows_the_limits_or_the_given_class_count()
    {
        Assert.Equal(int.MaxValue - 1, CsvDataReader.Read(new StringReader("0.5,2147483646.0\n"), "labels.csv", new CsvOptions { ClassCount = int.MaxValue }).Label(0));
        Assert.Equal(99_999, CsvDataReader.Read(new StringReader("0.5,99999\n"), "labels.csv", new CsvOptions { Limits = ReadLimits.Default with { MaxClassCount = 100_000 } }).Label(0));
        var e = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read(new StringReader("0.5,1\n0.5,9\n0.5,10\n"), "labels.csv", new CsvOptions { ClassCount = 10 }));
        Assert.Equal("labels.csv:3: the label in column 2 is 10, outside the 10 classes 0..9.", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void An_input_scale_that_is_not_finite_is_refused(float scale)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CsvDataReader.Read(new StringReader("1,0\n"), "c.csv", new CsvOptions { InputScale = scale }));
        Assert.Contains("InputScale must be a finite number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_the_scale_takes_beyond_a_float_is_refused_with_its_line_and_column()
    {
        var options = new CsvOptions { InputScale = 1e30f };
        Assert.Equal(1e30f, CsvDataReader.Read(new StringReader("1,0\n"), "c.csv", options).Input(0)[0]);
        var e = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read(new StringReader("1,0\n2,1\n3e10,0\n"), "c.csv", options));
        Assert.Equal("c.csv:3: column 1 (3e10) times the input scale 1E+30 is beyond a float's range.", e.Message);
    }

    [Fact]
    public void A_class_count_below_one_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CsvDataReader.Read(new StringReader("1,0\n"), "c.csv", new CsvOptions { ClassCount = 0 }));
        Assert.Contains("ClassCount", e.Message, StringComparison.Ordinal);
    }
}
