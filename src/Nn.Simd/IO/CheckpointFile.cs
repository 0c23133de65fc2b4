// The checkpoint file, version 1 (docs/checkpoint-format.md). Little-endian throughout:
//
//   offset  size      field
//   0       8         magic "NNSIMDCK"
//   8       4         version (uint32) = 1
//   12      4         K = length of the run key in bytes (UTF-8, 1 … 4096)
//   16      8         M = length of the embedded model file (int64)
//   24      8         P = parameter count (int64), which the model must have
//   32      4         S = optimizer state arrays (0, 1 or 2)
//   36      4         flags: bit 0 best parameters present, bit 1 stopped early; other bits zero
//   40      4         epochs completed (int32)
//   44      4         training samples (int32)
//   48      8         steps taken (int64)
//   56      32        shuffle generator: 4 × uint64 (xoshiro256**, not all zero)
//   88      20        plateau schedule state (PlateauState.Write)
//   108     4         early stopping: best epoch (int32)
//   112     4         early stopping: epochs without improvement (int32)
//   116     8         early stopping: best value (float64)
//   124     4         zero
//   128     K         run key, zero-padded to a multiple of 4
//           M         the model file (docs/model-format.md, its own checksum included), zero-padded to a multiple of 4
//           4·P·S     optimizer state (float32), each array in the parameters' order W¹, b¹, W², b², …
//           4·P       the best epoch's parameters, if flag bit 0
//           4·N       the sample order the next epoch's shuffle starts from (int32, a permutation of 0 … N−1; N the training samples)
//           8         XxHash64 (seed 0) of every byte before it
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.IO;

/// <summary>
/// Saves and loads <see cref="TrainingCheckpoint"/>s in a versioned binary format with a checksum
/// (docs/checkpoint-format.md). Writes are atomic. A load reads the 128-byte header first and
/// checks the length it declares against the file's and against the limit (four times
/// <see cref="ReadLimits.MaxModelBytes"/>: a model, two optimizer states and the best parameters)
/// before it allocates; anything wrong is refused with a one-line <see cref="InvalidDataException"/>.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const uint CurrentVersion = 1;

    /// <summary>The longest run key, in bytes.</summary>
    public const int MaxRunKeyBytes = 4096;

    private const int HeaderLength = 128;
    private const string LimitName = "4 × " + nameof(ReadLimits) + "." + nameof(ReadLimits.MaxModelBytes);
    private static readonly byte[] Magic = "NNSIMDCK"u8.ToArray();

    /// <summary>Saves <paramref name="checkpoint"/> atomically.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed (the target is then untouched).</exception>
    /// <exception cref="InvalidDataException">The network breaks a rule a model file's reader enforces; nothing is written.</exception>
    public static void Save(TrainingCheckpoint checkpoint, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ModelFile.CheckLoadable(checkpoint.Network, path);
        AtomicFile.Write(path, overwrite, stream => Write(checkpoint, stream));
    }

    /// <summary>Writes <paramref name="checkpoint"/> to a stream.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Write(TrainingCheckpoint checkpoint, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Checkpoint files are little-endian; big-endian hosts are not supported.");
        }

        using var model = new MemoryStream();
        ModelFile.Write(checkpoint.Network, model);
        byte[] key = Encoding.UTF8.GetBytes(checkpoint.RunKey);
        var header = new byte[HeaderLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), CurrentVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), key.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), model.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), checkpoint.Network.ParameterCount);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(32), checkpoint.OptimizerState.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), (checkpoint.BestParameters is null ? 0 : 1) | (checkpoint.StoppedEarly ? 2 : 0));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(40), checkpoint.Epoch);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(44), checkpoint.TrainingCount);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), checkpoint.Step);
        for (int i = 0; i < TrainingCheckpoint.RandomWords; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(56 + (8 * i)), checkpoint.RandomState[i]);
        }

        checkpoint.Plateau.Write(header.AsSpan(88));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(108), checkpoint.Stopping.BestEpoch);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(112), checkpoint.Stopping.EpochsWithoutImprovement);
        BinaryPrimitives.WriteDoubleLittleEndian(header.AsSpan(116), checkpoint.Stopping.BestValue);

        var hash = new XxHash64();
        void Put(ReadOnlySpan<byte> bytes)
        {
            hash.Append(bytes);
            stream.Write(bytes);
        }

        Span<byte> zeros = stackalloc byte[4];
        zeros.Clear();
        Put(header);
        Put(key);
        Put(zeros[..Padding(key.Length)]);
        Put(model.GetBuffer().AsSpan(0, (int)model.Length));
        Put(zeros[..Padding(model.Length)]);
        foreach (float[] state in checkpoint.OptimizerState)
        {
            Put(MemoryMarshal.AsBytes<float>(state));
        }

        if (checkpoint.BestParameters is { } best)
        {
            Put(MemoryMarshal.AsBytes<float>(best));
        }

        Put(MemoryMarshal.AsBytes<int>(checkpoint.Order));

        Span<byte> checksum = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, hash.GetCurrentHashAsUInt64());
        stream.Write(checksum);
    }

    /// <summary>Loads a checkpoint, checking the whole file first.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="limits">The limits; <see cref="ReadLimits.MaxModelBytes"/> bounds the model, and four times it the file. <see cref="ReadLimits.Default"/> when null.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint, or is larger than the limit; the message says why.</exception>
    public static TrainingCheckpoint Load(string path, ReadLimits? limits = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        }

        long modelLimit = (limits ?? ReadLimits.Default).MaxModelBytes;
        using var stream = DataFileStream.Open(path, FileLimit(modelLimit), LimitName, decompress: false);
        return Load(stream, modelLimit);
    }

    /// <summary>The most bytes a checkpoint may have: four models' worth, the header and the key.</summary>
    internal static long FileLimit(long modelLimit) => (4 * Math.Min(modelLimit, long.MaxValue / 8)) + HeaderLength + MaxRunKeyBytes + 16;

    /// <summary>Loads a checkpoint from the bounded reading layer, header first (the fuzzing target reads from memory through it).</summary>
    internal static TrainingCheckpoint Load(DataFileStream stream, long modelLimit)
    {
        string path = stream.Source;
        long limit = FileLimit(modelLimit);
        var header = new byte[HeaderLength];
        int got = stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false);
        long expected = ParseHeader(header.AsSpan(0, got), path, modelLimit);
        return Read(stream.ReadDeclared(header, expected, "a checkpoint", limit, LimitName), path, modelLimit);
    }

    /// <summary>Reads a checkpoint from the bytes of a checkpoint file.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">A name for messages (e.g. the path).</param>
    /// <param name="maxModelBytes">The largest embedded model.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid checkpoint; the message says why.</exception>
    public static TrainingCheckpoint Read(ReadOnlySpan<byte> bytes, string source, long maxModelBytes = 1L << 30)
    {
        long expected = ParseHeader(bytes, source, maxModelBytes);
        if (bytes.Length != expected)
        {
            throw Bad(source, bytes.Length < expected
                ? $"truncated: the header declares {expected:N0} bytes but there are {bytes.Length:N0}"
                : $"sizes do not add up: the header declares {expected:N0} bytes but there are {bytes.Length - expected:N0} more");
        }

        int end = (int)expected - 8;
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes[end..]);
        ulong actual = XxHash64.HashToUInt64(bytes[..end]);
        if (stored != actual)
        {
            throw Bad(source, $"checksum mismatch (stored 0x{stored:X16}, computed 0x{actual:X16}): the file is corrupted");
        }

        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        int modelLength = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        long parameters = BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]);
        int states = BinaryPrimitives.ReadInt32LittleEndian(bytes[32..]);
        int flags = BinaryPrimitives.ReadInt32LittleEndian(bytes[36..]);
        string key;
        try
        {
            key = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Slice(HeaderLength, keyLength));
        }
        catch (DecoderFallbackException)
        {
            throw Bad(source, "the run key is not valid UTF-8");
        }

        int at = HeaderLength + keyLength;
        CheckZero(bytes.Slice(at, Padding(keyLength)), at, source);
        at += Padding(keyLength);
        Network network = ModelFile.Read(bytes.Slice(at, modelLength), $"{source} (its model)");
        if (network.ParameterCount != parameters)
        {
            throw Bad(source, $"sizes do not add up: the header declares {parameters:N0} parameters but its model has {network.ParameterCount:N0}");
        }

        at += modelLength;
        CheckZero(bytes.Slice(at, Padding(modelLength)), at, source);
        at += Padding(modelLength);
        int arrayBytes = 4 * (int)parameters;
        var optimizerState = new float[states][];
        for (int i = 0; i < states; i++)
        {
            optimizerState[i] = FiniteArray(bytes.Slice(at + (i * arrayBytes), arrayBytes), $"optimizer state {i + 1}", source);
        }

        float[]? best = (flags & 1) != 0 ? FiniteArray(bytes.Slice(at + (states * arrayBytes), arrayBytes), "best-epoch parameter", source) : null;
        int samples = BinaryPrimitives.ReadInt32LittleEndian(bytes[44..]);
        int[] order = MemoryMarshal.Cast<byte, int>(bytes.Slice(at + ((states + (flags & 1)) * arrayBytes), 4 * samples)).ToArray();
        CheckPermutation(order, source);
        var random = new ulong[TrainingCheckpoint.RandomWords];
        for (int i = 0; i < random.Length; i++)
        {
            random[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(56 + (8 * i))..]);
        }

        PlateauState plateau;
        try
        {
            plateau = PlateauState.Read(bytes[88..]);
        }
        catch (InvalidDataException e)
        {
            throw Bad(source, e.Message.TrimEnd('.'));
        }

        var stopping = new StoppingState(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[108..]),
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[116..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[112..]),
            (flags & 2) != 0);
        return new TrainingCheckpoint(
            network, key, order, BinaryPrimitives.ReadInt32LittleEndian(bytes[40..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[48..]), random, plateau, stopping, optimizerState, best);
    }

    /// <summary>The header, checked field by field; returns the length of the whole file it declares.</summary>
    private static long ParseHeader(ReadOnlySpan<byte> bytes, string source, long maxModelBytes)
    {
        if (bytes.Length < HeaderLength)
        {
            throw Bad(source, $"truncated: {bytes.Length} bytes, fewer than the {HeaderLength}-byte header of a checkpoint");
        }

        if (!bytes[..8].SequenceEqual(Magic))
        {
            throw Bad(source, "bad magic number: not an Nn.Simd checkpoint (those start with 'NNSIMDCK')");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != CurrentVersion)
        {
            throw Bad(source, $"unknown checkpoint version {version}; this build reads version {CurrentVersion}");
        }

        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        long modelLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        long parameters = BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]);
        int states = BinaryPrimitives.ReadInt32LittleEndian(bytes[32..]);
        int flags = BinaryPrimitives.ReadInt32LittleEndian(bytes[36..]);
        Check(keyLength is >= 1 and <= MaxRunKeyBytes, source, $"the run key's length {keyLength} is outside 1 … {MaxRunKeyBytes}");
        Check(modelLength >= 16 && modelLength <= maxModelBytes, source, $"the model's length {modelLength:N0} is outside 16 … {maxModelBytes:N0} (ReadLimits.MaxModelBytes)");
        // Divided, not multiplied: 4·P of a forged P can wrap around to a small number.
        Check(parameters >= 1 && parameters < modelLength / 4, source, $"the parameter count {parameters:N0} does not fit a model of {modelLength:N0} bytes");
        Check(states is >= 0 and <= 2, source, $"{states} optimizer state arrays; an optimizer keeps 0, 1 or 2");
        Check((flags & ~3) == 0, source, $"unknown flags 0x{flags:X8}");
        Check(BinaryPrimitives.ReadInt32LittleEndian(bytes[40..]) >= 0, source, "the epochs completed are negative");
        Check(BinaryPrimitives.ReadInt32LittleEndian(bytes[44..]) >= 0, source, "the training samples are negative");
        Check(BinaryPrimitives.ReadInt64LittleEndian(bytes[48..]) >= 0, source, "the steps taken are negative");
        Check(bytes[56..88].IndexOfAnyExcept((byte)0) >= 0, source, "the shuffle generator's state is all zero");
        Check(BinaryPrimitives.ReadInt32LittleEndian(bytes[108..]) >= 0 && BinaryPrimitives.ReadInt32LittleEndian(bytes[112..]) >= 0, source, "the early-stopping counts are negative");
        CheckZero(bytes[124..128], 124, source);
        int arrays = states + (flags & 1);
        long samples = BinaryPrimitives.ReadInt32LittleEndian(bytes[44..]);
        return HeaderLength + keyLength + Padding(keyLength) + modelLength + Padding(modelLength) + (4 * parameters * arrays) + (4 * samples) + 8;
    }

    private static float[] FiniteArray(ReadOnlySpan<byte> bytes, string what, string source)
    {
        float[] values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        int bad = values.AsSpan().IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        return bad < 0 ? values : throw Bad(source, $"{what} value {bad} is {values[bad]}; it must be finite");
    }

    private static void CheckPermutation(int[] order, string source)
    {
        var seen = new bool[order.Length];
        foreach (int i in order)
        {
            Check((uint)i < (uint)order.Length && !seen[i], source, $"the sample order is not a permutation of 0 … {order.Length - 1} (it holds {i})");
            seen[i] = true;
        }
    }

    private static int Padding(long length) => (int)((4 - (length & 3)) & 3);

    private static void CheckZero(ReadOnlySpan<byte> padding, int offset, string source)
    {
        int bad = padding.IndexOfAnyExcept((byte)0);
        Check(bad < 0, source, $"padding byte at offset {offset + bad} is not zero");
    }

    private static void Check(bool condition, string source, string what)
    {
        if (!condition)
        {
            throw Bad(source, what);
        }
    }

    private static InvalidDataException Bad(string source, string what) => new($"{source}: {what}.");
}
