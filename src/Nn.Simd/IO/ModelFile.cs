// The model file, version 1 (docs/model-format.md). Little-endian throughout:
//
//   offset        size      field
//   0             8         magic "NNSIMDMF"
//   8             4         version (uint32) = 1
//   12            4         n = number of layer sizes, inputs included (2 ≤ n ≤ 1024)
//   16            4·n       layer sizes (int32, each 1 … 2²⁴)
//   16+4n         n−1       activation codes (byte: 0 sigmoid, 1 tanh, 2 relu, 3 identity, 4 softmax)
//   15+5n         1         cost code (byte: 0 quadratic, 1 cross-entropy, 2 log-likelihood)
//   16+5n         pad       zero bytes up to a multiple of 4
//   h             8         parameter count P (int64), which the sizes must give exactly
//   h+8           4·P       parameters (float32) in the network's order: W¹, b¹, W², b², …
//   h+8+4P        8         XxHash64 (seed 0) of every byte before it
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>
/// Reads and writes networks in the versioned binary model format. Writes are atomic (a temporary
/// file, flushed to disk, then renamed over the target), so a crash never leaves a half-written
/// model. Reads check everything and refuse a bad file with <see cref="InvalidDataException"/>
/// naming what is wrong; they never allocate more than the file's own size.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version this build writes; it reads every version up to this one.</summary>
    public const uint CurrentVersion = 1;

    /// <summary>The conventional file extension.</summary>
    public const string Extension = ".nnm";

    private const int MaxLayers = 1024;
    private const int MaxLayerSize = 1 << 24;
    private static readonly byte[] Magic = "NNSIMDMF"u8.ToArray();

    /// <summary>Saves <paramref name="network"/> atomically.</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file is an error and is left untouched.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed (the target is then untouched).</exception>
    public static void Save(Network network, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        AtomicFile.Write(path, overwrite, stream => Write(network, stream));
    }

    /// <summary>Loads a network, checking the whole file first.</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The network.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid model; the message says why.</exception>
    public static Network Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }

        return Read(File.ReadAllBytes(path), path);
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
        if (n < 2 || n > MaxLayers)
        {
            throw Bad(source, $"the layer count {n} is outside 2 … {MaxLayers}");
        }

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
        long declared = BinaryPrimitives.ReadInt64LittleEndian(bytes[(headerLength - 8)..]);
        if (declared != parameterCount)
        {
            throw Bad(source, $"sizes do not add up: the layers [{string.Join(',', sizes)}] have {parameterCount:N0} parameters but the file declares {declared:N0}");
        }

        long expectedLength = headerLength + (4 * parameterCount) + 8;
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

        MemoryMarshal.Cast<byte, float>(bytes[headerLength..body]).CopyTo(network.Parameters);
        int nonFinite = network.Parameters.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (nonFinite >= 0)
        {
            throw Bad(source, $"parameter {nonFinite} is {network.Parameters[nonFinite]}; a model's parameters must be finite");
        }

        return network;
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
