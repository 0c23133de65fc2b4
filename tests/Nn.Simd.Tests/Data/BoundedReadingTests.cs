using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Nn.Simd.Data;

namespace Nn.Simd.Tests.Data;

/// <summary>
/// The reading layer every data loader shares: devices, endless streams and headers that claim too
/// much are refused in bounded memory, with one line naming the file and the limit.
/// </summary>
public sealed class BoundedReadingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-bounded-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>/dev/zero never ends a line: the CSV reader stops at the line limit instead of growing to gigabytes.</summary>
    [Fact]
    public void A_device_that_never_ends_a_line_stops_at_the_line_limit()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("No /dev/zero on this system.");
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read("/dev/zero", new CsvOptions { Limits = ReadLimits.Default with { MaxLineLength = 1 << 20 } }));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("/dev/zero:1: the line is longer than 1,048,576 characters, the limit (ReadLimits.MaxLineLength).", e.Message);
        Assert.True(allocated < 64L << 20, $"reading allocated {allocated:N0} bytes");
        var predict = Assert.Throws<InvalidDataException>(() => CsvDataReader.ReadInputs("/dev/zero"));
        Assert.Contains("ReadLimits.MaxLineLength", predict.Message, StringComparison.Ordinal);
    }

    /// <summary>An endless stream of rows stops at the value limit, and one of blank lines at the byte limit.</summary>
    [Fact]
    public void Endless_streams_stop_at_a_limit()
    {
        var rows = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read(new StreamReader(new Endless("1,2,0\n"u8.ToArray())), "rows", new CsvOptions { Limits = ReadLimits.Default with { MaxDataValues = 1000 } }));
        Assert.Equal("rows:501: the rows so far hold 1,002 values, more than the limit of 1,000 (ReadLimits.MaxDataValues).", rows.Message);

        var blank = Assert.Throws<InvalidDataException>(() => CsvDataReader.StreamInputs(new Endless("\n"u8.ToArray()), "blank", new CsvOptions { Limits = ReadLimits.Default with { MaxDataBytes = 4096 } }).ToList());
        Assert.Equal("blank: the data goes past 4,096 bytes, more than the limit of 4,096 (ReadLimits.MaxDataBytes).", blank.Message);
    }

    /// <summary>
    /// A byte-order mark before the first row is skipped, from a file (raw and gzip), from a text
    /// reader that kept it, and from a byte stream: the first row is data, not a header.
    /// </summary>
    [Fact]
    public void A_byte_order_mark_is_skipped_everywhere()
    {
        const string text = "0.5,0.25,1\n0.75,1,0\n";
        byte[] bom = [0xEF, 0xBB, 0xBF];
        byte[] bytes = [.. bom, .. Encoding.UTF8.GetBytes(text)];
        string raw = Path.Combine(_folder, "bom.csv");
        File.WriteAllBytes(raw, bytes);
        string gz = Path.Combine(_folder, "bom.csv.gz");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        Assert.Equal(2, CsvDataReader.Read(raw).Count);
        Assert.Equal(2, CsvDataReader.Read(gz).Count);
        Assert.Equal(2, CsvDataReader.Read(new StringReader("\uFEFF" + text), "reader").Count);
        Assert.Equal(2, CsvDataReader.StreamInputs(new MemoryStream(bytes), "stream").Count());
        Assert.Equal([0.5f, 0.25f, 1f], CsvDataReader.StreamInputs(new MemoryStream(bytes), "stream").First());
    }

    /// <summary>A first row of numbers with one mistyped is refused with its line and column, not dropped as a header.</summary>
    [Fact]
    public void A_first_row_with_one_mistyped_number_is_refused_not_taken_for_a_header()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvDataReader.Read(new StringReader("\n0.5,0.2S,1\n0.75,1,0\n"), "typo.csv"));
        Assert.Equal("typo.csv:2: column 2 ('0.2S') is not a number, though 2 other field(s) of this first row are; a header row has no numeric field.", e.Message);
        var input = Assert.Throws<InvalidDataException>(() => CsvDataReader.StreamInputs(new MemoryStream("1,x\n"u8.ToArray()), "standard input").ToList());
        Assert.StartsWith("standard input:1: column 2 ('x') is not a number", input.Message, StringComparison.Ordinal);

        // A row with no number is a header; a named label column makes the first row one even where a name looks like a number.
        Assert.Equal(1, CsvDataReader.Read(new StringReader("a,b,label\n0.5,0.2,1\n"), "h.csv").Count);
        Assert.Equal(1, CsvDataReader.Read(new StringReader("2019,b,label\n0.5,0.2,1\n"), "h.csv", new CsvOptions { LabelColumnName = "label" }).Count);
    }

    /// <summary>
    /// The gzip bomb of the hardening reproductions: a header that claims 1.27 million images over
    /// a megabyte-scale compressed file is refused from the header — by the value limit, or by
    /// deflate's bound when the limit is raised — before the data is decompressed.
    /// </summary>
    [Fact]
    public void A_gzip_idx_header_claiming_too_much_is_refused_before_decompressing()
    {
        string path = Path.Combine(_folder, "bomb-images-idx3-ubyte.gz");
        IdxFiles.Write(path, 3, [1_270_000, 28, 28], new byte[16 << 20]);
        var watch = Stopwatch.StartNew();
        var limit = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"{path}: the header declares 995,680,000 pixel bytes, more than the limit of 268,435,456 (ReadLimits.MaxDataValues).", limit.Message);
        var bound = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, ReadLimits.Default with { MaxDataValues = 1L << 31 }));
        Assert.Contains("truncated or corrupt: the header promises 995,680,000 pixel bytes, more than", bound.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"refusing took {watch.Elapsed}");

        string labels = Path.Combine(_folder, "labels-idx1-ubyte");
        IdxFiles.Write(labels, 1, [100], new byte[100]);
        var few = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(labels, ReadLimits.Default with { MaxDataValues = 99 }));
        Assert.Contains("the header declares 100 labels, more than the limit of 99", few.Message, StringComparison.Ordinal);
        Assert.Equal(100, IdxReader.ReadLabels(labels, ReadLimits.Default with { MaxDataValues = 100 }).Length);
    }

    /// <summary>An IDX file on a device reads without a known length, bounded by the limits.</summary>
    [Fact]
    public void An_idx_read_from_a_device_is_refused_by_its_magic()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("No /dev/zero on this system.");
        }

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages("/dev/zero"));
        Assert.Equal("/dev/zero: element type 0x00 is not supported; only unsigned bytes (0x08) are.", e.Message);
    }

    /// <summary>A stream that repeats its bytes for ever, as a pipe fed by <c>yes</c> would.</summary>
    private sealed class Endless(byte[] pattern) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                buffer[offset + i] = pattern[_position++ % pattern.Length];
            }

            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
