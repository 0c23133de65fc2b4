// The IDX format (MNIST, Fashion-MNIST), raw or gzip-compressed:
//
//   offset 0   0x00 0x00          two zero bytes
//          2   type               0x08 = unsigned byte (the only type these data sets use)
//          3   d                  number of dimensions (3 for images, 1 for labels)
//          4   d × int32 BE       the size of each dimension
//          …   data               the product of the sizes, one byte each, row-major
//
// Images are converted to float32 in [0, 1] (v / 255) straight from the decompressing stream into
// their final array, so loading holds no second copy of the data.
using System.Buffers.Binary;

namespace Nn.Simd.Data;

/// <summary>Reads IDX image and label files, and MNIST-layout folders of them.</summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an image file (3 dimensions: count, rows, columns) as floats in [0, 1].</summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <param name="limits">The limits on what the file may claim; <see cref="ReadLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The pixels (count × rows × columns, row-major) and the dimensions.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Bad magic, type or dimensions, a truncated file, or more pixels than <see cref="ReadLimits.MaxDataValues"/>.</exception>
    public static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(string path, ReadLimits? limits = null)
    {
        limits ??= ReadLimits.Default;
        using DataFileStream stream = Open(path, limits);
        return ReadImages(stream, limits);
    }

    /// <summary>Reads an image file from the bounded reading layer (the fuzzing targets read from memory through it).</summary>
    internal static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(DataFileStream stream, ReadLimits limits)
    {
        string path = stream.Source;
        int[] dims = ReadHeader(stream, path, expectedDimensions: 3);
        long pixelsPerImage = (long)dims[1] * dims[2];
        Int128 product = (Int128)dims[0] * pixelsPerImage;
        if (pixelsPerImage > Array.MaxLength || product > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: {dims[0]:N0} images of {dims[1]:N0}×{dims[2]:N0} are more than one array can hold.");
        }

        long total = (long)product;
        CheckRoom(stream, path, total, "pixel bytes", HeaderLength(3), limits);
        float[] pixels = GC.AllocateUninitializedArray<float>((int)total);
        var buffer = new byte[1 << 16];
        long done = 0;
        while (done < total)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, total - done));
            if (read == 0)
            {
                throw new InvalidDataException($"{path}: truncated: the header promises {total:N0} pixel bytes but the data ends after {done:N0}.");
            }

            Span<float> destination = pixels.AsSpan((int)done, read);
            for (int i = 0; i < read; i++)
            {
                destination[i] = buffer[i] / 255f;
            }

            done += read;
        }

        CheckAtEnd(stream, path);
        return (pixels, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a label file (1 dimension).</summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <param name="limits">The limits on what the file may claim; <see cref="ReadLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>One label per item.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Bad magic, type or dimensions, a truncated file, or more labels than <see cref="ReadLimits.MaxDataValues"/>.</exception>
    public static int[] ReadLabels(string path, ReadLimits? limits = null)
    {
        limits ??= ReadLimits.Default;
        using DataFileStream stream = Open(path, limits);
        return ReadLabels(stream, limits);
    }

    /// <summary>Reads a label file from the bounded reading layer.</summary>
    internal static int[] ReadLabels(DataFileStream stream, ReadLimits limits)
    {
        string path = stream.Source;
        int[] dims = ReadHeader(stream, path, expectedDimensions: 1);
        CheckRoom(stream, path, dims[0], "labels", HeaderLength(1), limits);
        var bytes = new byte[dims[0]];
        int done = 0;
        while (done < bytes.Length)
        {
            int read = stream.Read(bytes, done, bytes.Length - done);
            if (read == 0)
            {
                throw new InvalidDataException($"{path}: truncated: the header promises {bytes.Length:N0} labels but the data ends after {done:N0}.");
            }

            done += read;
        }

        CheckAtEnd(stream, path);
        return Array.ConvertAll(bytes, b => (int)b);
    }

    /// <summary>
    /// Reads the training or test part of a folder in the MNIST layout:
    /// <c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-…</c>.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="test">The t10k files instead of the train files.</param>
    /// <param name="classCount">The number of classes (10 for MNIST and Fashion-MNIST).</param>
    /// <param name="limits">The limits on what each file may claim; <see cref="ReadLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The labelled images as a data set of rows × columns inputs.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names tried.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or claims more than a limit, the counts differ, or a label is out of range.</exception>
    public static Dataset ReadMnistFolder(string folder, bool test, int classCount = 10, ReadLimits? limits = null)
    {
        string prefix = test ? "t10k" : "train";
        string images = Find(folder, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Find(folder, $"{prefix}-labels-idx1-ubyte");
        int[] labels = ReadLabels(labelsPath, limits);
        (float[] pixels, int count, int rows, int columns) = ReadImages(images, limits);
        if (labels.Length != count)
        {
            throw new InvalidDataException($"{images} holds {count:N0} images but {labelsPath} holds {labels.Length:N0} labels.");
        }

        int bad = Array.FindIndex(labels, l => l >= classCount);
        if (bad >= 0)
        {
            throw new InvalidDataException($"{labelsPath}: label {bad} is {labels[bad]}, outside the {classCount} classes 0..{classCount - 1}.");
        }

        return Dataset.FromLabels(pixels, rows * columns, labels, classCount);
    }

    /// <summary>Whether a file (raw or gzip) starts like an IDX file of unsigned bytes.</summary>
    /// <param name="path">An existing file.</param>
    /// <returns><see langword="true"/> for the IDX magic 00 00 08 (any dimension count).</returns>
    public static bool LooksLikeIdx(string path)
    {
        // An IDX file is a regular file with a header; a pipe or a device reports no length, and
        // opening it here would consume bytes that its real reader then never sees.
        if (File.Exists(path) && new FileInfo(path).Length < 3)
        {
            return false;
        }

        using var stream = Open(path, ReadLimits.Default);
        Span<byte> magic = stackalloc byte[3];
        return stream.ReadAtLeast(magic, 3, throwOnEndOfStream: false) == 3 && magic[0] == 0 && magic[1] == 0 && magic[2] == UnsignedByte;
    }

    private static string Find(string folder, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"Neither {name} nor {name}.gz is in '{folder}'.", Path.Combine(folder, name));
    }

    private static DataFileStream Open(string path, ReadLimits limits) => File.Exists(path)
        ? DataFileStream.Open(path, limits.MaxDataBytes, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxDataBytes))
        : throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);

    /// <summary>The bytes before the data: the magic number and one 32-bit size per dimension.</summary>
    private static int HeaderLength(int dimensions) => 4 + (4 * dimensions);

    /// <summary>
    /// Refuses a header that promises more than <see cref="ReadLimits.MaxDataValues"/>, or more
    /// data than the file can hold (exactly for a raw file, by deflate's largest expansion for
    /// gzip), before anything is allocated for it or decompressed. A device or a pipe has no known
    /// length; the limit alone bounds it.
    /// </summary>
    private static void CheckRoom(DataFileStream stream, string path, long promised, string what, int headerLength, ReadLimits limits)
    {
        if (promised > limits.MaxDataValues)
        {
            throw DataFileStream.OverLimit(path, $"the header declares {promised:N0} {what}", limits.MaxDataValues, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxDataValues));
        }

        if (stream.MaxLength is not { } maxLength)
        {
            return;
        }

        long room = maxLength - headerLength;
        if (promised > room)
        {
            throw new InvalidDataException(stream.IsCompressed
                ? $"{path}: truncated or corrupt: the header promises {promised:N0} {what}, more than {stream.FileLength:N0} bytes of gzip data can hold."
                : $"{path}: truncated: the header promises {promised:N0} {what} but the file holds {Math.Max(0, room):N0} bytes after the header.");
        }
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedDimensions)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(stream, magic, path, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new InvalidDataException($"{path}: bad magic number {magic[0]:X2} {magic[1]:X2} {magic[2]:X2} {magic[3]:X2}; an IDX file starts with 00 00.");
        }

        if (magic[2] != UnsignedByte)
        {
            throw new InvalidDataException($"{path}: element type 0x{magic[2]:X2} is not supported; only unsigned bytes (0x08) are.");
        }

        if (magic[3] != expectedDimensions)
        {
            throw new InvalidDataException($"{path}: {magic[3]} dimensions, but {(expectedDimensions == 3 ? "an image file has 3 (count, rows, columns)" : "a label file has 1")}.");
        }

        var dims = new int[expectedDimensions];
        Span<byte> word = stackalloc byte[4];
        for (int d = 0; d < dims.Length; d++)
        {
            ReadExactly(stream, word, path, $"dimension {d + 1}");
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[d] < 0 || (d > 0 && dims[d] == 0))
            {
                throw new InvalidDataException($"{path}: dimension {d + 1} is {dims[d]}.");
            }
        }

        return dims;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated: the file ends before {what}.");
        }
    }

    private static void CheckAtEnd(Stream stream, string path)
    {
        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException($"{path}: there are bytes after the data the header describes.");
        }
    }
}
