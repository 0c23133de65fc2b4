using CsCheck;
using Nn.Simd.Data;

namespace Nn.Simd.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-idx-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A named pipe given as a path is not opened to look for the IDX magic: its bytes are read once,
    /// by the CSV reader, not three of them swallowed by the sniff. Opening a pipe that has no
    /// writer blocks, so a sniff that opened it would not return.
    /// </summary>
    [Fact]
    public async Task A_named_pipe_is_not_opened_to_sniff_for_the_idx_magic()
    {
        string fifo = Path.Combine(_folder, "rows");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<bool> sniff = Task.Run(() => IdxReader.LooksLikeIdx(fifo), TestContext.Current.CancellationToken);
        Task first = await Task.WhenAny(sniff, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(first == sniff, "LooksLikeIdx returned without opening the pipe");
        Assert.False(await sniff);
    }

    /// <summary>Any images, raw or gzip, read back as their bytes / 255 with their dimensions.</summary>
    [Fact]
    public void Written_images_read_back_as_bytes_over_255()
    {
        Gen<(int Count, int Rows, int Columns, byte[] Pixels, bool Gzip)> files =
            from count in Gen.Int[0, 5]
            from rows in Gen.Int[1, 7]
            from columns in Gen.Int[1, 7]
            from pixels in Gen.Byte.Array[count * rows * columns]
            from gzip in Gen.Bool
            select (count, rows, columns, pixels, gzip);
        files.Sample(
            file =>
            {
                string path = Path.Combine(_folder, $"{Guid.NewGuid():N}-images-idx3-ubyte{(file.Gzip ? ".gz" : string.Empty)}");
                IdxFiles.Write(path, 3, [file.Count, file.Rows, file.Columns], file.Pixels);
                (float[] read, int count, int rows, int columns) = IdxReader.ReadImages(path);
                Assert.Equal((file.Count, file.Rows, file.Columns), (count, rows, columns));
                Assertions.BitsEqual([.. file.Pixels.Select(p => p / 255f)], read, "IDX pixels");
            },
            iter: 300,
            threads: 1);
    }

    /// <summary>
    /// A small image file with up to four bytes altered (header or data) and, in half the samples,
    /// cut short or extended — raw or gzip-compressed, where the alterations hit the compressed
    /// stream — is read or refused with an <see cref="InvalidDataException"/> naming the file; never
    /// another exception, never an allocation the file's size cannot justify.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Altered_files_are_read_or_refused_naming_the_file(bool gzip)
    {
        string original = Path.Combine(_folder, "original" + (gzip ? ".gz" : string.Empty));
        IdxFiles.Write(original, 3, [3, 4, 5], [.. Enumerable.Range(0, 60).Select(i => (byte)(i * 7))]);
        byte[] bytes = File.ReadAllBytes(original);
        string path = Path.Combine(_folder, "altered" + (gzip ? ".gz" : string.Empty));
        Generators.Altered(bytes).Sample(
            altered =>
            {
                File.WriteAllBytes(path, altered);
                try
                {
                    IdxReader.ReadImages(path);
                }
                catch (InvalidDataException e)
                {
                    Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
                }
            },
            iter: 3_000,
            threads: 1);
    }
}
