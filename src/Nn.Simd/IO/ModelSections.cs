// The tagged sections of a version-2 model file (docs/model-format.md, "Sections"), after the
// parameters and before the checksum. Little-endian:
//
//   size   field
//   4      S, the number of sections (uint32, ≤ 1024)
//   then S times:
//   4      tag: four ASCII bytes 0x21 … 0x7E (e.g. "META"); no tag occurs twice
//   4      flags (uint32): bit 0 "required"; the other bits are zero
//   8      L, the payload's length in bytes (uint64)
//   L      the payload
//   0–3    zero bytes up to the next multiple of 4
//
// A reader applies the sections it knows, skips an unknown one whose required bit is clear and
// refuses a file with an unknown required one (a section that changes what the model computes
// must not be dropped silently). Every length is checked against the bytes that remain before
// anything is allocated for it.
//
// Adding a section type is one entry in Known: its tag, whether it is required, how a network
// gives its payload (null: the network has none to write) and how a payload is applied to a
// network being loaded (a FormatException refuses the file with its message).
using System.Buffers.Binary;
using System.Text;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>The registry of the model file's section types, and the reading and writing of the section list.</summary>
internal static class ModelSections
{
    /// <summary>The most sections one file may hold.</summary>
    public const int MaxSections = 1024;

    /// <summary>The bytes of one section's tag, flags and length.</summary>
    public const int EntryHeaderLength = 16;

    /// <summary>The flag bit of a section that a reader must understand to use the model.</summary>
    public const uint RequiredFlag = 1;

    /// <summary>Every section type this build reads and writes, in the order they are written.</summary>
    private static readonly SectionKind[] Known =
    [
        new("META", Required: false, n => n.Metadata.Entries.Count == 0 ? null : n.Metadata.ToText(), (n, p) => n.Metadata.CopyFrom(ModelMetadata.FromText(p))),
        new("INSC", Required: true, n => n.InputScaling is { } s ? EncodeScaling(s) : null, (n, p) => n.InputScaling = DecodeScaling(p, n.InputSize)),
        new("TGSC", Required: true, n => n.TargetScaling is { } s ? EncodeTargetScaling(s) : null, (n, p) => n.TargetScaling = DecodeTargetScaling(p, n.OutputSize)),
        new(QuantizedSection.Tag, Required: true, n => n.Quantized is { } q ? QuantizedSection.Encode(q) : null, (n, p) => n.Quantized = QuantizedSection.Decode(n, p)),
    ];

    /// <summary>A network's payload for a section, or <see langword="null"/> when it has nothing to write.</summary>
    internal delegate byte[]? Encoder(Network network);

    /// <summary>Applies a section's payload to a network being loaded; throws <see cref="FormatException"/> for a payload it cannot take.</summary>
    internal delegate void Decoder(Network network, ReadOnlySpan<byte> payload);

    /// <summary>One section in a file: its tag, flags and where its payload is.</summary>
    internal readonly record struct Entry(string Tag, uint Flags, int Offset, int Length);

    /// <summary>The bytes of the section list of <paramref name="network"/>: the count, then each section.</summary>
    public static byte[] Encode(Network network)
    {
        var sections = new List<(SectionKind Kind, byte[] Payload)>();
        foreach (SectionKind kind in Known)
        {
            if (kind.Encode(network) is { } payload)
            {
                sections.Add((kind, payload));
            }
        }

        long length = 4;
        foreach (var (_, payload) in sections)
        {
            length += EntryHeaderLength + Padded(payload.Length);
        }

        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)sections.Count);
        int at = 4;
        foreach (var (kind, payload) in sections)
        {
            Encoding.ASCII.GetBytes(kind.Tag, bytes.AsSpan(at, 4));
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), kind.Required ? RequiredFlag : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at + 8), (ulong)payload.Length);
            payload.CopyTo(bytes, at + EntryHeaderLength);
            at += EntryHeaderLength + (int)Padded(payload.Length);
        }

        return bytes;
    }

    /// <summary>
    /// The section count at the start of <paramref name="bytes"/>, checked: at most
    /// <see cref="MaxSections"/>, and no more than the bytes that follow could hold.
    /// </summary>
    public static int ParseCount(ReadOnlySpan<byte> bytes, long remaining, string source)
    {
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (count > MaxSections)
        {
            throw Bad(source, $"the file declares {count:N0} sections, more than the {MaxSections:N0} a model file allows");
        }

        return count * (long)EntryHeaderLength <= remaining
            ? (int)count
            : throw Bad(source, $"truncated: {count:N0} sections need at least {count * (long)EntryHeaderLength:N0} bytes but {remaining:N0} remain before the checksum");
    }

    /// <summary>
    /// The tag, flags and padded length of the section whose 16-byte entry header is
    /// <paramref name="header"/>, checked, and the length it declares.
    /// </summary>
    public static (string Tag, uint Flags, long PaddedLength) ParseEntryHeader(ReadOnlySpan<byte> header, int index, string source)
    {
        foreach (byte b in header[..4])
        {
            if (b is < 0x21 or > 0x7E)
            {
                throw Bad(source, $"section {index} has a tag byte 0x{b:X2}; a tag is four printable ASCII characters");
            }
        }

        string tag = Encoding.ASCII.GetString(header[..4]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if ((flags & ~RequiredFlag) != 0)
        {
            throw Bad(source, $"section '{tag}' has flags 0x{flags:X8}; only bit 0 (required) is defined");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        return length <= int.MaxValue
            ? (tag, flags, Padded((long)length))
            : throw Bad(source, $"section '{tag}' declares {length:N0} bytes, more than one array can hold");
    }

    /// <summary>
    /// Walks the section list that fills <paramref name="bytes"/> exactly (from the count to just
    /// before the checksum), checking every length against what remains and the padding.
    /// </summary>
    /// <param name="bytes">The section list.</param>
    /// <param name="fileOffset">The offset of <paramref name="bytes"/> in the file, for messages.</param>
    /// <param name="source">A name for messages.</param>
    public static Entry[] Parse(ReadOnlySpan<byte> bytes, long fileOffset, string source)
    {
        if (bytes.Length < 4)
        {
            throw Bad(source, $"truncated: the file ends {4 - bytes.Length} bytes short of its section count");
        }

        int count = ParseCount(bytes, bytes.Length - 4, source);
        var entries = new Entry[count];
        int at = 4;
        for (int i = 0; i < count; i++)
        {
            if (bytes.Length - at < EntryHeaderLength)
            {
                throw Bad(source, $"truncated: section {i} of {count} has no room for its 16-byte entry");
            }

            (string tag, uint flags, long padded) = ParseEntryHeader(bytes.Slice(at, EntryHeaderLength), i, source);
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes[(at + 8)..]);
            at += EntryHeaderLength;
            if (padded > bytes.Length - at)
            {
                throw Bad(source, $"truncated: section '{tag}' declares {length:N0} bytes but {bytes.Length - at:N0} remain before the checksum");
            }

            if (Array.FindIndex(entries, 0, i, e => e.Tag == tag) >= 0)
            {
                throw Bad(source, $"section '{tag}' occurs twice");
            }

            int padding = bytes.Slice(at + length, (int)padded - length).IndexOfAnyExcept((byte)0);
            if (padding >= 0)
            {
                throw Bad(source, $"padding byte at offset {fileOffset + at + length + padding} is 0x{bytes[at + length + padding]:X2}; padding must be zero");
            }

            entries[i] = new Entry(tag, flags, at, length);
            at += (int)padded;
        }

        return at == bytes.Length
            ? entries
            : throw Bad(source, $"sizes do not add up: the sections end {bytes.Length - at:N0} bytes before the checksum");
    }

    /// <summary>Applies the sections this build knows to <paramref name="network"/>; skips unknown optional ones and refuses unknown required ones.</summary>
    public static void Apply(Network network, ReadOnlySpan<byte> bytes, Entry[] entries, string source)
    {
        foreach (Entry entry in entries)
        {
            if ((entry.Flags & RequiredFlag) != 0 && Array.Find(Known, k => k.Tag == entry.Tag) is null)
            {
                throw Bad(source, $"section '{entry.Tag}' is required to use this model but this build does not know it; a newer Nn.Simd wrote the file");
            }
        }

        // In the order of Known, whatever the file's order: the int8 form (QNT8) takes the input
        // scaling (INSC), so INSC is applied first.
        foreach (SectionKind kind in Known)
        {
            int index = Array.FindIndex(entries, e => e.Tag == kind.Tag);
            if (index < 0)
            {
                continue;
            }

            Entry entry = entries[index];
            try
            {
                kind.Decode(network, bytes.Slice(entry.Offset, entry.Length));
            }
            catch (FormatException e)
            {
                throw Bad(source, $"section '{entry.Tag}': {e.Message}");
            }
        }
    }

    /// <summary>"INSC": the kind (uint32: 0 standardisation, 1 min–max), the feature count n (uint32), n float32 offsets, n float32 scales.</summary>
    private static byte[] EncodeScaling(InputScaling scaling)
    {
        int n = scaling.Size;
        var bytes = new byte[8 + (8 * n)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)scaling.Kind);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)n);
        for (int k = 0; k < n; k++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + (4 * k)), scaling.Offsets[k]);
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + (4 * (n + k))), scaling.Scales[k]);
        }

        return bytes;
    }

    private static InputScaling DecodeScaling(ReadOnlySpan<byte> payload, int inputSize)
    {
        if (payload.Length < 8)
        {
            throw new FormatException($"{payload.Length} bytes, fewer than the 8 of its kind and feature count");
        }

        uint kind = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        if (n != inputSize || payload.Length != 8 + (8L * n))
        {
            throw new FormatException($"{n:N0} features in {payload.Length:N0} bytes, for a network of {inputSize:N0} inputs (8 + 8 per feature expected)");
        }

        var offsets = new float[n];
        var scales = new float[n];
        for (int k = 0; k < n; k++)
        {
            offsets[k] = BinaryPrimitives.ReadSingleLittleEndian(payload[(8 + (4 * k))..]);
            scales[k] = BinaryPrimitives.ReadSingleLittleEndian(payload[(8 + (4 * ((int)n + k)))..]);
        }

        try
        {
            return InputScaling.Create((InputScalingKind)kind, offsets, scales);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>"TGSC": the target count n (uint32), n float32 means μ, n float32 deviations σ.</summary>
    private static byte[] EncodeTargetScaling(TargetScaling scaling)
    {
        int n = scaling.Size;
        var bytes = new byte[4 + (8 * n)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)n);
        for (int k = 0; k < n; k++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + (4 * k)), scaling.Means[k]);
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + (4 * (n + k))), scaling.Deviations[k]);
        }

        return bytes;
    }

    private static TargetScaling DecodeTargetScaling(ReadOnlySpan<byte> payload, int outputSize)
    {
        if (payload.Length < 4)
        {
            throw new FormatException($"{payload.Length} bytes, fewer than the 4 of its target count");
        }

        uint n = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (n != outputSize || payload.Length != 4 + (8L * n))
        {
            throw new FormatException($"{n:N0} targets in {payload.Length:N0} bytes, for a network of {outputSize:N0} outputs (4 + 8 per target expected)");
        }

        var means = new float[n];
        var deviations = new float[n];
        for (int k = 0; k < n; k++)
        {
            means[k] = BinaryPrimitives.ReadSingleLittleEndian(payload[(4 + (4 * k))..]);
            deviations[k] = BinaryPrimitives.ReadSingleLittleEndian(payload[(4 + (4 * ((int)n + k)))..]);
        }

        try
        {
            return TargetScaling.Create(means, deviations);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>A length rounded up to a multiple of 4.</summary>
    public static long Padded(long length) => (length + 3) & ~3L;

    private static InvalidDataException Bad(string source, string what) => new($"{source}: {what}.");

    /// <summary>A section type: its tag, whether a reader must know it, and its encoder and decoder.</summary>
    private sealed record SectionKind(string Tag, bool Required, Encoder Encode, Decoder Decode);
}
