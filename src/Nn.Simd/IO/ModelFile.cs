// The model file, version 2 (docs/model-format.md). Little-endian throughout:
//
//   offset        size      field
//   0             8         magic "NNSIMDMF"
//   8             4         version (uint32): 1 or 2
//   12            4         n = number of layer sizes, inputs included (2 ≤ n ≤ 1024)
//   16            4·n       layer sizes (int32, each 1 … 2²⁴)
//   16+4n         n−1       activation codes (byte: 0 sigmoid, 1 tanh, 2 relu, 3 identity, 4 softmax)
//   15+5n         1         cost code (byte: 0 quadratic, 1 cross-entropy, 2 log-likelihood)
//   16+5n         pad       zero bytes up to a multiple of 4 (a non-zero padding byte is refused)
//   h             8         parameter count P (int64), which the sizes must give exactly
//   h+8           4·P       parameters (float32) in the network's order: W¹, b¹, W², b², …
//   h+8+4P        …         version 2 only: the tagged sections (ModelSections.cs): a count, then
//                           per section a tag, flags, a length and the payload, padded to 4
//   end−8         8         XxHash64 (seed 0) of every byte before it
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Nn.Simd.Data;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>
/// Reads and writes networks in the versioned binary model format. Writes are atomic (a temporary
/// file, flushed to disk, then renamed over the target), so a crash never leaves a half-written
/// model. Reads check everything and refuse a bad file with <see cref="InvalidDataException"/>
/// naming what is wrong. A load reads the header first and checks the length it declares against
/// <see cref="ReadLimits.MaxModelBytes"/> and against the file's length before it allocates for
/// the parameters, so a device (/dev/zero), a pipe or a forged header costs no more memory than
/// the bytes that really arrive, up to that limit.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version this build writes; it reads every version up to this one.</summary>
    public const uint CurrentVersion = 2;

    /// <summary>The conventional file extension.</summary>
    public const string Extension = ".nnm";

    /// <summary>The most layer sizes (inputs included) a model may have.</summary>
    public const int MaxLayers = 1024;

    /// <summary>The largest layer a model may have.</summary>
    public const int MaxLayerSize = 1 << 24;

    private const string LimitName = nameof(ReadLimits) + "." + nameof(ReadLimits.MaxModelBytes);
    private static readonly byte[] Magic = "NNSIMDMF"u8.ToArray();

    /// <summary>Saves <paramref name="network"/> atomically.</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file is an error and is left untouched.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed (the target is then untouched).</exception>
    /// <exception cref="InvalidDataException">The network breaks a rule the reader enforces (see <see cref="CheckLoadable"/>); nothing is written.</exception>
    public static void Save(Network network, string path, bool overwrite = false)
    {
        CheckLoadable(network, path);
        AtomicFile.Write(path, overwrite, stream => Write(network, stream));
    }

    /// <summary>Loads a network, checking the whole file first.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="limits">The limits; only <see cref="ReadLimits.MaxModelBytes"/> applies. <see cref="ReadLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The network.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid model, or is larger than the limit; the message says why.</exception>
    public static Network Load(string path, ReadLimits? limits = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }

        long limit = (limits ?? ReadLimits.Default).MaxModelBytes;
        using var stream = DataFileStream.Open(path, limit, LimitName, decompress: false);
        return Load(stream, limit);
    }

    /// <summary>Loads a network from the bounded reading layer (the fuzzing target reads from memory through it).</summary>
    internal static Network Load(DataFileStream stream, long limit) => Read(ReadBounded(stream, stream.Source, limit), stream.Source);

    /// <summary>
    /// Checks what a writer is about to save with the reader's rules: layer count and sizes, and
    /// finite parameters, so that every file written can be loaded again.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="source">A name for messages (e.g. the target path).</param>
    /// <exception cref="InvalidDataException">A rule is broken; the message says which.</exception>
    public static void CheckLoadable(Network network, string source)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = network.LayerSizes.Count;
        if (n < 2 || n > MaxLayers)
        {
            throw Bad(source, $"the layer count {n} is outside 2 … {MaxLayers}, which a model file allows");
        }

        for (int i = 0; i < n; i++)
        {
            if (network.LayerSizes[i] > MaxLayerSize)
            {
                throw Bad(source, $"layer {i} has size {network.LayerSizes[i]}, above the {MaxLayerSize} a model file allows");
            }
        }

        CheckFinite(network, source);
    }

    /// <summary>
    /// The bytes of a model file, read header first: the length the header declares is checked
    /// against the limit and the file's length before the rest is read, and a device or a pipe is
    /// read only as far as that length (plus one byte, to see that it ends there).
    /// </summary>
    private static byte[] ReadBounded(DataFileStream stream, string source, long limit)
    {
        var start = new byte[16];
        int got = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        int n = ParseStart(start.AsSpan(0, got), source);
        var header = new byte[HeaderLength(n)];
        start.CopyTo(header, 0);
        got += stream.ReadAtLeast(header.AsSpan(16), header.Length - 16, throwOnEndOfStream: false);
        (_, _, _, long expected) = ParseHeader(header.AsSpan(0, got), source);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)) >= 2)
        {
            return ReadBoundedWithSections(stream, header, expected, source, limit);
        }

        return stream.ReadDeclared(header, expected, "a model", limit, LimitName);
    }

    /// <summary>
    /// The bytes of a version-2 file after its header: the parameters and the section count, then
    /// one section at a time, each entry's declared length checked against the limit and the
    /// file's length before its payload is read, then the checksum.
    /// </summary>
    private static byte[] ReadBoundedWithSections(DataFileStream stream, byte[] header, long minimum, string source, long limit)
    {
        var chunks = new List<byte[]> { header };
        long total = header.Length;

        // Reads the next `length` bytes, after checking that they and the `after` bytes still to
        // come fit the limit and the file. A stream of unknown length is read in pieces of at most
        // 64 KiB, so that a length no bytes back cost no more than the bytes that do arrive.
        byte[] Next(long length, long after, string what)
        {
            long end = total + length + after;
            if (end > limit)
            {
                throw DataFileStream.OverLimit(source, $"the file declares at least {end:N0} bytes", limit, LimitName);
            }

            if (end > Array.MaxLength)
            {
                throw Bad(source, $"the file declares at least {end:N0} bytes, more than one array can hold");
            }

            if (stream.FileLength is { } fileLength && end > fileLength)
            {
                throw Bad(source, $"truncated: the file declares at least {end:N0} bytes but the file has {fileLength:N0}");
            }

            byte[] piece = [];
            for (long left = length; left > 0; left -= piece.Length)
            {
                piece = new byte[stream.FileLength is null ? Math.Min(left, 1 << 16) : left];
                int got = stream.ReadAtLeast(piece, piece.Length, throwOnEndOfStream: false);
                if (got < piece.Length)
                {
                    throw Bad(source, $"truncated: the file ends within {what}, after {total + got:N0} bytes");
                }

                chunks.Add(piece);
                total += piece.Length;
            }

            return piece;
        }

        Next(minimum - 12 - header.Length, 12, "the parameters");
        int count = ModelSections.ParseCount(Next(4, 8, "the section count"), long.MaxValue, source);
        for (int i = 0; i < count; i++)
        {
            byte[] entry = Next(ModelSections.EntryHeaderLength, 8, $"section {i}'s entry");
            (string tag, _, long padded) = ModelSections.ParseEntryHeader(entry, i, source);
            Next(padded, 8, $"section '{tag}'");
        }

        Next(8, 0, "the checksum");
        if (stream.ReadByte() >= 0)
        {
            throw Bad(source, $"sizes do not add up: the sections end after {total - 8:N0} bytes but the file goes on");
        }

        var bytes = new byte[total];
        int at = 0;
        foreach (byte[] chunk in chunks)
        {
            chunk.CopyTo(bytes, at);
            at += chunk.Length;
        }

        return bytes;
    }

    /// <summary>Writes <paramref name="network"/> to a stream in the current format.</summary>
    /// <param name="network">The network.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Write(Network network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        int n = network.LayerSizes.Count;
        int headerLength = HeaderLength(n);
        var header = new byte[headerLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), CurrentVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), n);
        for (int i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16 + (4 * i)), network.LayerSizes[i]);
        }

        for (int i = 0; i < n - 1; i++)
        {
            header[16 + (4 * n) + i] = (byte)network.Activations[i];
        }

        header[15 + (5 * n)] = (byte)network.Cost;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(headerLength - 8), network.ParameterCount);

        var hash = new XxHash64();
        hash.Append(header);
        stream.Write(header);
        ReadOnlySpan<byte> parameters = MemoryMarshal.AsBytes<float>(network.Parameters);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Model files are little-endian; big-endian hosts are not supported.");
        }

        hash.Append(parameters);
        stream.Write(parameters);
        byte[] sections = ModelSections.Encode(network);
        hash.Append(sections);
        stream.Write(sections);
        Span<byte> checksum = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, hash.GetCurrentHashAsUInt64());
        stream.Write(checksum);
    }

    /// <summary>Reads a network from the bytes of a model file.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">A name for messages (e.g. the path).</param>
    /// <returns>The network.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid model; the message says why.</exception>
    public static Network Read(ReadOnlySpan<byte> bytes, string source)
    {
        (int[] sizes, Activation[] activations, Cost cost, long expectedLength) = ParseHeader(bytes, source);
        int headerLength = HeaderLength(sizes.Length);
        int parametersEnd = (int)Math.Min(expectedLength - 8, int.MaxValue);
        ModelSections.Entry[] sections = [];
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]) >= 2)
        {
            // The section count is part of the minimum length the header declares.
            parametersEnd -= 4;
            if (bytes.Length >= expectedLength)
            {
                sections = ModelSections.Parse(bytes[parametersEnd..^8], parametersEnd, source);
                expectedLength = bytes.Length;
            }
        }

        if (bytes.Length < expectedLength)
        {
            throw Bad(source, $"truncated: a [{string.Join(',', sizes)}] model takes {expectedLength:N0} bytes but the file has {bytes.Length:N0}");
        }

        if (bytes.Length > expectedLength)
        {
            throw Bad(source, $"sizes do not add up: a [{string.Join(',', sizes)}] model takes {expectedLength:N0} bytes but the file has {bytes.Length - expectedLength:N0} more");
        }

        int body = (int)(expectedLength - 8);
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes[body..]);
        ulong actual = XxHash64.HashToUInt64(bytes[..body]);
        if (stored != actual)
        {
            throw Bad(source, $"checksum mismatch (stored 0x{stored:X16}, computed 0x{actual:X16}): the file is corrupted");
        }

        Network network;
        try
        {
            network = Network.CreateUninitialized(sizes, activations, cost);
        }
        catch (ArgumentException e)
        {
            throw Bad(source, $"the architecture is not valid: {e.Message}");
        }

        MemoryMarshal.Cast<byte, float>(bytes[headerLength..parametersEnd]).CopyTo(network.Parameters);
        CheckFinite(network, source);
        ModelSections.Apply(network, bytes[parametersEnd..^8], sections, source);
        return network;
    }

    /// <summary>The magic, version and layer count: the first 16 bytes.</summary>
    private static int ParseStart(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 16)
        {
            throw Bad(source, $"truncated: {bytes.Length} bytes, fewer than the 16-byte start of a model file");
        }

        if (!bytes[..8].SequenceEqual(Magic))
        {
            throw Bad(source, $"bad magic number '{Printable(bytes[..8])}': not an Nn.Simd model file (those start with 'NNSIMDMF')");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version == 0 || version > CurrentVersion)
        {
            throw Bad(source, $"unknown format version {version}; this build reads versions 1 to {CurrentVersion}");
        }

        int n = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        return n is >= 2 and <= MaxLayers ? n : throw Bad(source, $"the layer count {n} is outside 2 … {MaxLayers}");
    }

    /// <summary>Everything before the parameters, checked; and the length of the whole file the header declares (version 2: at least that long).</summary>
    private static (int[] Sizes, Activation[] Activations, Cost Cost, long ExpectedLength) ParseHeader(ReadOnlySpan<byte> bytes, string source)
    {
        int n = ParseStart(bytes, source);
        int headerLength = HeaderLength(n);
        if (bytes.Length < headerLength)
        {
            throw Bad(source, $"truncated: the header of a {n}-layer model needs {headerLength} bytes but the file has {bytes.Length}");
        }

        var sizes = new int[n];
        long parameterCount = 0;
        for (int i = 0; i < n; i++)
        {
            sizes[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(16 + (4 * i))..]);
            if (sizes[i] < 1 || sizes[i] > MaxLayerSize)
            {
                throw Bad(source, $"layer {i} has size {sizes[i]}, outside 1 … {MaxLayerSize}");
            }

            if (i > 0)
            {
                parameterCount += ((long)sizes[i] * sizes[i - 1]) + sizes[i];
            }
        }

        var activations = new Activation[n - 1];
        for (int i = 0; i < n - 1; i++)
        {
            byte code = bytes[16 + (4 * n) + i];
            activations[i] = Enum.IsDefined((Activation)code)
                ? (Activation)code
                : throw Bad(source, $"layer {i + 1} has unknown activation code {code}");
        }

        byte costCode = bytes[15 + (5 * n)];
        Cost cost = Enum.IsDefined((Cost)costCode) ? (Cost)costCode : throw Bad(source, $"unknown cost code {costCode}");
        int padding = bytes[(16 + (5 * n))..(headerLength - 8)].IndexOfAnyExcept((byte)0);
        if (padding >= 0)
        {
            int offset = 16 + (5 * n) + padding;
            throw Bad(source, $"padding byte at offset {offset} is 0x{bytes[offset]:X2}; padding must be zero");
        }

        long declared = BinaryPrimitives.ReadInt64LittleEndian(bytes[(headerLength - 8)..]);
        if (declared != parameterCount)
        {
            throw Bad(source, $"sizes do not add up: the layers [{string.Join(',', sizes)}] have {parameterCount:N0} parameters but the file declares {declared:N0}");
        }

        // Version 2 adds at least the 4-byte section count.
        long sectionList = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]) >= 2 ? 4 : 0;
        return (sizes, activations, cost, headerLength + (4 * parameterCount) + sectionList + 8);
    }

    private static void CheckFinite(Network network, string source)
    {
        int nonFinite = network.Parameters.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (nonFinite >= 0)
        {
            throw Bad(source, $"parameter {nonFinite} is {network.Parameters[nonFinite]}; a model's parameters must be finite");
        }
    }

    private static int HeaderLength(int layerCount) => (((16 + (5 * layerCount)) + 3) & ~3) + 8;

    private static InvalidDataException Bad(string source, string what) => new($"{source}: {what}.");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }

        return text.ToString();
    }
}
