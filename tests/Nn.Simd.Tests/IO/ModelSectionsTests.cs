using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.IO;

/// <summary>The tagged sections of a version-2 model file: written, read back, skipped or refused as docs/model-format.md says.</summary>
public sealed class ModelSectionsTests
{
    private static Network WithMetadata()
    {
        var network = Network.Create([5, 4, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 9);
        network.Metadata.Set("data", "fashion-mnist");
        network.Metadata.SetAll("class", ["T-shirt/top", "a=b", "back\\slash\nnew line\r"]);
        network.Metadata.Set("note", "ünïcode ✓");
        return network;
    }

    private static byte[] Bytes(Network network)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        return stream.ToArray();
    }

    /// <summary>The bytes of a [5,4,3] model (header 48 bytes, 39 parameters) up to its section list.</summary>
    private static int SectionListOffset(Network network) => 16 + (((5 * network.LayerSizes.Count) + 3) & ~3) + 8 + (4 * network.ParameterCount);

    /// <summary>A file whose section list is replaced by <paramref name="sections"/> (count, entries), checksum recomputed.</summary>
    private static byte[] WithSections(Network network, byte[] sections)
    {
        byte[] bytes = Bytes(network);
        int at = SectionListOffset(network);
        byte[] file = [.. bytes.AsSpan(0, at), .. sections, 0, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XxHash64.HashToUInt64(file.AsSpan(0, file.Length - 8)));
        return file;
    }

    private static byte[] Section(string tag, uint flags, byte[] payload, ulong? declared = null)
    {
        int padded = (payload.Length + 3) & ~3;
        var bytes = new byte[16 + padded];
        Encoding.ASCII.GetBytes(tag, bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), declared ?? (ulong)payload.Length);
        payload.CopyTo(bytes, 16);
        return bytes;
    }

    private static byte[] List(params byte[][] sections)
    {
        byte[] count = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)sections.Length);
        return [.. count, .. sections.SelectMany(s => s)];
    }

    [Fact]
    public void Metadata_round_trips_through_a_file_and_a_pipe_with_its_order_and_escapes()
    {
        Network network = WithMetadata();
        byte[] bytes = Bytes(network);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Network read = ModelFile.Read(bytes, "memory");
        using var pipe = DataFileStream.FromStream(new MemoryStream(bytes, writable: false), "pipe", ReadLimits.Default.MaxModelBytes, "limit", decompress: false);
        Network piped = ModelFile.Load(pipe, ReadLimits.Default.MaxModelBytes);
        foreach (Network loaded in new[] { read, piped })
        {
            Assert.Equal(network.Metadata.Entries, loaded.Metadata.Entries);
            Assert.Equal(["T-shirt/top", "a=b", "back\\slash\nnew line\r"], loaded.Metadata.GetAll("class"));
            Assert.Equal(network.ComputeHash(), loaded.ComputeHash());
        }

        Assert.Equal(network.Metadata.Entries, network.Clone().Metadata.Entries);
    }

    [Fact]
    public void An_unknown_optional_section_is_skipped_and_an_unknown_required_one_refused()
    {
        Network network = WithMetadata();
        byte[] meta = network.Metadata.ToText();
        Network loaded = ModelFile.Read(WithSections(network, List(Section("ZZZ9", 0, [1, 2, 3, 4, 5]), Section("META", 0, meta))), "optional.nnm");
        Assert.Equal(network.Metadata.Entries, loaded.Metadata.Entries);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(WithSections(network, List(Section("META", 0, meta), Section("ZZZ9", 1, [1]))), "required.nnm"));
        Assert.Equal("required.nnm: section 'ZZZ9' is required to use this model but this build does not know it; a newer Nn.Simd wrote the file.", e.Message);
    }

    public static TheoryData<string, string> BadLists() => new()
    {
        { "count:1025", "the file declares 1,025 sections, more than the 1,024 a model file allows" },
        { "count:2", "truncated: 2 sections need at least 32 bytes but 20 remain before the checksum" },
        { "length:beyond", "truncated: section 'ZZZ9' declares 400 bytes but 4 remain before the checksum" },
        { "length:huge", "section 'ZZZ9' declares 18,446,744,073,709,551,615 bytes, more than one array can hold" },
        { "tag", "section 0 has a tag byte 0x20; a tag is four printable ASCII characters" },
        { "flags", "section 'ZZZ9' has flags 0x00000002; only bit 0 (required) is defined" },
        { "twice", "section 'ZZZ9' occurs twice" },
        { "padding", "padding byte at offset 219 is 0x07; padding must be zero" },
        { "trailing", "sizes do not add up: the sections end 4 bytes before the checksum" },
        { "metadata", "section 'META': metadata line 1 is not key=value with a key of 1 to 64 characters a-z A-Z 0-9 . _ -" },
    };

    /// <summary>Every malformed section list is refused with its reason, whether the bytes come from memory or through the bounded reader.</summary>
    [Theory]
    [MemberData(nameof(BadLists))]
    public void A_malformed_section_list_is_refused_with_the_reason(string corruption, string reason)
    {
        var network = Network.Create([5, 4, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 9);
        byte[] one = Section("ZZZ9", 0, [1, 2, 3]);
        byte[] list = corruption switch
        {
            "count:1025" => [.. BitConverter.GetBytes(1025u), .. one],
            "count:2" => [.. BitConverter.GetBytes(2u), .. one],
            "length:beyond" => List(Section("ZZZ9", 0, [1, 2, 3], declared: 400)),
            "length:huge" => List(Section("ZZZ9", 0, [1, 2, 3], declared: ulong.MaxValue)),
            "tag" => List(Section("ZZ 9", 0, [1, 2, 3])),
            "flags" => List(Section("ZZZ9", 2, [1, 2, 3])),
            "twice" => List(one, one),
            "padding" => [.. List(Section("ZZZ9", 0, [1, 2, 3]))[..^1], 7],
            "trailing" => [.. List(one), 0, 0, 0, 0],
            _ => List(Section("META", 0, "no equals sign\n"u8.ToArray())),
        };
        byte[] file = WithSections(network, list);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(file, "bad.nnm"));
        Assert.Equal($"bad.nnm: {reason}.", e.Message);
        using var pipe = DataFileStream.FromStream(new MemoryStream(file, writable: false), "bad.nnm", ReadLimits.Default.MaxModelBytes, "limit", decompress: false);
        Assert.Throws<InvalidDataException>(() => ModelFile.Load(pipe, ReadLimits.Default.MaxModelBytes));
    }

    /// <summary>A section that declares far more than arrives costs no more than the bytes that do arrive, from a pipe as from a file.</summary>
    [Fact]
    public void A_section_declaring_much_allocates_little()
    {
        var network = Network.Create([5, 4, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 9);
        byte[] file = WithSections(network, List(Section("ZZZ9", 0, [1, 2, 3], declared: 900_000_000)));
        using var pipe = DataFileStream.FromStream(new MemoryStream(file, writable: false), "pipe", ReadLimits.Default.MaxModelBytes, "limit", decompress: false);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(pipe, ReadLimits.Default.MaxModelBytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusing a section that declares 900 MB allocated {allocated:N0} bytes");
        Assert.StartsWith("pipe: ", e.Message, StringComparison.Ordinal);

        using var small = DataFileStream.FromStream(new MemoryStream(file, writable: false), "small", 10_000, "ReadLimits.MaxModelBytes", decompress: false);
        var over = Assert.Throws<InvalidDataException>(() => ModelFile.Load(small, 10_000));
        Assert.Contains("more than the limit of 10,000 (ReadLimits.MaxModelBytes)", over.Message, StringComparison.Ordinal);
    }

    /// <summary>The committed version-2 fixture (metadata included) keeps loading and predicting the same bits in every later version.</summary>
    [Fact]
    public void The_committed_version_2_fixture_loads_and_predicts_the_recorded_outputs()
    {
        Network network = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-64-16-10.v2.nnm"));
        Assert.Equal([64, 16, 10], network.LayerSizes);
        Assert.Equal("digits", network.Metadata.Get("data"));
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))], network.Metadata.GetAll("class"));
        Assert.Equal(FixtureHash, network.ComputeHash());
        var output = new float[10];
        network.Predict(Datasets.Digits().Input(0), output);
        Assertions.BitsEqual(FixtureOutput0.Select(b => BitConverter.Int32BitsToSingle((int)b)).ToArray(), output, "sample 0");
    }

    private const ulong FixtureHash = 0xBA43A87419B4DCB3UL;

    private static readonly uint[] FixtureOutput0 = [0x3F7157D0, 0x39219A0F, 0x3A40E3CB, 0x39C92F15, 0x3B6DA4D2, 0x3C402E17, 0x3C3A274F, 0x39A39804, 0x3BF46DD5, 0x3CB00DE5];
}
