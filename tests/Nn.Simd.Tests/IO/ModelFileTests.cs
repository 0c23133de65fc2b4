using CsCheck;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.IO;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-model-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<int[], Activation, Activation, Cost> Networks() => new()
    {
        { [64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic },
        { [5, 4, 3], Activation.Tanh, Activation.Sigmoid, Cost.CrossEntropy },
        { [7, 9, 8, 4], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
        { [3, 1], Activation.Identity, Activation.Identity, Cost.Quadratic },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Round_trips_are_exact(int[] sizes, Activation hidden, Activation output, Cost cost)
    {
        var network = Network.Create(sizes, hidden, output, cost, Initialization.Xavier, seed: 3);
        string path = Path.Combine(_folder, "model.nnm");
        ModelFile.Save(network, path);
        Network loaded = ModelFile.Load(path);
        Assert.Equal(network.LayerSizes, loaded.LayerSizes);
        Assert.Equal(network.Activations, loaded.Activations);
        Assert.Equal(network.Cost, loaded.Cost);
        Assertions.BitsEqual(network.Parameters, loaded.Parameters, "parameters");
        Assert.Equal(network.ComputeHash(), loaded.ComputeHash());
    }

    [Fact]
    public void An_existing_file_is_kept_unless_overwrite_is_asked_and_no_temporary_file_remains()
    {
        string path = Path.Combine(_folder, "model.nnm");
        var first = Network.Create([4, 2], [Activation.Sigmoid], Cost.Quadratic, seed: 1);
        var second = Network.Create([4, 2], [Activation.Sigmoid], Cost.Quadratic, seed: 2);
        ModelFile.Save(first, path);
        byte[] before = File.ReadAllBytes(path);
        var e = Assert.Throws<IOException>(() => ModelFile.Save(second, path));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        ModelFile.Save(second, path, overwrite: true);
        Assert.Equal(second.ComputeHash(), ModelFile.Load(path).ComputeHash());
        Assert.Equal(["model.nnm"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_write_leaves_nothing_behind_and_says_why()
    {
        var network = Network.Create([2, 2], [Activation.Sigmoid], Cost.Quadratic);
        string missing = Path.Combine(_folder, "no-such-folder");
        var e = Assert.Throws<DirectoryNotFoundException>(() => ModelFile.Save(network, Path.Combine(missing, "model.nnm")));
        Assert.Equal($"Cannot write '{Path.Combine(missing, "model.nnm")}': the folder '{missing}' does not exist.", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));

        string folder = Directory.CreateDirectory(Path.Combine(_folder, "a-folder")).FullName;
        var f = Assert.Throws<IOException>(() => ModelFile.Save(network, folder, overwrite: true));
        Assert.Equal($"'{folder}' is a folder, not a file.", f.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    /// <summary>The committed version-1 fixture keeps loading and predicting the same bits in every later version.</summary>
    [Fact]
    public void The_committed_version_1_fixture_loads_and_predicts_the_recorded_outputs()
    {
        Network network = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-64-30-10.v1.nnm"));
        Assert.Equal([64, 30, 10], network.LayerSizes);
        Assert.Equal(0xC6648EBFBF28B430UL, network.ComputeHash());
        uint[] expected0 = [0x3F7DA5E3, 0x36DD6E6E, 0x3AF14344, 0x37E4DF7E, 0x3AD0E8C2, 0x3B92C941, 0x3A4498AF, 0x3BB597D3, 0x3B897797, 0x3C65B8BF];
        uint[] expected2 = [0x3BC3230F, 0x3E5F960E, 0x3F707CB4, 0x3A40D986, 0x391B3B63, 0x37626933, 0x3C2003DB, 0x3B87E273, 0x3E555757, 0x38836A1F];
        var digits = Datasets.Digits();
        var output = new float[10];
        network.Predict(digits.Input(0), output);
        Assertions.BitsEqual(expected0.Select(b => BitConverter.Int32BitsToSingle((int)b)).ToArray(), output, "sample 0");
        network.Predict(digits.Input(2), output);
        Assertions.BitsEqual(expected2.Select(b => BitConverter.Int32BitsToSingle((int)b)).ToArray(), output, "sample 2");
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "empty", "truncated" },
        { "truncate:7", "truncated" },
        { "truncate:15", "truncated" },
        { "truncate:20", "truncated" },
        { "truncate:40", "truncated" },
        { "truncate:1000", "truncated" },
        { "truncate:-1", "truncated" },
        { "truncate:-9", "truncated" },
        { "append:1", "do not add up" },
        { "magic", "bad magic number" },
        { "text", "bad magic number" },
        { "version:0", "unknown format version 0" },
        { "version:3", "unknown format version 3" },
        { "version:4294967295", "unknown format version 4294967295" },
        { "layers:1", "layer count 1" },
        { "layers:100000", "layer count 100000" },
        { "size:0", "has size 0" },
        { "size:huge", "has size" },
        { "activation", "unknown activation code" },
        { "cost", "unknown cost code" },
        { "count", "do not add up" },
        { "flip:parameter", "checksum mismatch" },
        { "flip:checksum", "checksum mismatch" },
        { "flip:last", "checksum mismatch" },
        { "padding", "padding byte at offset 31 is 0x01; padding must be zero" },
        { "declare:huge", "the file declares at least 1,125,900,041,060,408 bytes, more than the limit of 1,073,741,824 (ReadLimits.MaxModelBytes)" },
        { "declare:large", "truncated: the file declares at least 400,080,056 bytes but the file has" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Corrupted_files_are_refused_with_the_reason(string corruption, string reason)
    {
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5);
        string path = Path.Combine(_folder, "model.nnm");
        ModelFile.Save(network, path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, Corrupt(bytes, corruption));
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Any change at all — up to four bytes altered anywhere (header, parameters, sections, checksum), and in
    /// half the samples the file also cut short or extended — is refused with an
    /// <see cref="InvalidDataException"/> naming the file; a changed file is never read as a model.
    /// </summary>
    [Fact]
    public void Any_changed_file_is_refused()
    {
        var network = Network.Create([12, 7, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 6);
        network.Metadata.Set("data", "x.csv");
        network.InputScaling = InputScaling.Fit(InputScalingKind.Standardize, TestData.Uniform(36, 2), 12);
        using var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        byte[] bytes = stream.ToArray();
        Generators.Altered(bytes).Sample(
            changed =>
            {
                if (!changed.AsSpan().SequenceEqual(bytes))
                {
                    var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(changed, "changed.nnm"));
                    Assert.StartsWith("changed.nnm", e.Message, StringComparison.Ordinal);
                }
            },
            iter: 20_000);
    }

    /// <summary>The bytes with their last 8 replaced by the checksum of the rest, so that only the change itself can be refused.</summary>
    private static byte[] Rehashed(byte[] bytes)
    {
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        return bytes;
    }

    /// <summary>A device is refused by its first bytes; a header is read before anything is allocated for the parameters it declares.</summary>
    [Fact]
    public void Devices_and_forged_sizes_cost_no_more_than_the_bytes_that_arrive()
    {
        if (File.Exists("/dev/zero"))
        {
            var zero = Assert.Throws<InvalidDataException>(() => ModelFile.Load("/dev/zero"));
            Assert.StartsWith("/dev/zero: bad magic number", zero.Message, StringComparison.Ordinal);
        }

        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5);
        string path = Path.Combine(_folder, "forged.nnm");
        ModelFile.Save(network, path);
        File.WriteAllBytes(path, Corrupt(File.ReadAllBytes(path), "declare:large"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusing a header that declares 400 MB allocated {allocated:N0} bytes");
        var small = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path, ReadLimits.Default with { MaxModelBytes = 1000 }));
        Assert.Contains("more than the limit of 1,000 (ReadLimits.MaxModelBytes)", small.Message, StringComparison.Ordinal);
    }

    /// <summary>A writer is held to the reader's rules: a network the reader would refuse is never written.</summary>
    [Fact]
    public void A_network_the_reader_would_refuse_is_not_written()
    {
        var network = Network.Create([4, 3, 2], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5);
        network.Parameters[7] = float.PositiveInfinity;
        string path = Path.Combine(_folder, "infinite.nnm");
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Save(network, path));
        Assert.StartsWith($"{path}: parameter 7 is ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("a model's parameters must be finite.", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        int[] deep = [.. Enumerable.Repeat(2, ModelFile.MaxLayers + 1)];
        var tooDeep = Network.Create(deep, Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 1);
        Assert.Contains("the layer count 1025 is outside 2 … 1024", Assert.Throws<InvalidDataException>(() => ModelFile.Save(tooDeep, path)).Message, StringComparison.Ordinal);
    }

    /// <summary>Applies a named corruption to a [64,30,10] model file (n = 3, header 40 bytes).</summary>
    internal static byte[] Corrupt(byte[] bytes, string corruption)
    {
        byte[] copy = (byte[])bytes.Clone();
        string[] parts = corruption.Split(':');
        switch (parts[0])
        {
            case "empty":
                return [];
            case "truncate":
                int cut = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                return copy[..(cut >= 0 ? cut : copy.Length + cut)];
            case "append":
                return [.. copy, 0];
            case "magic":
                copy[0] ^= 0x20;
                return copy;
            case "text":
                return "layers,64,30,10\n1,2,3\n"u8.ToArray();
            case "version":
                BitConverter.TryWriteBytes(copy.AsSpan(8), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                return copy;
            case "layers":
                BitConverter.TryWriteBytes(copy.AsSpan(12), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                return copy;
            case "size":
                BitConverter.TryWriteBytes(copy.AsSpan(20), parts[1] == "huge" ? int.MaxValue : 0);
                return copy;
            case "activation":
                copy[16 + 12 + 1] = 99;
                return copy;
            case "cost":
                copy[15 + 15] = 7;
                return copy;
            case "count":
                BitConverter.TryWriteBytes(copy.AsSpan(32), 12345L);
                return copy;
            case "padding":
                copy[31] = 1;
                return Rehashed(copy);
            case "declare":
                // A header whose sizes, count and checksum agree, declaring far more than the file holds.
                int size = parts[1] == "huge" ? 1 << 24 : 10_000;
                BitConverter.TryWriteBytes(copy.AsSpan(16), size);
                BitConverter.TryWriteBytes(copy.AsSpan(20), size);
                BitConverter.TryWriteBytes(copy.AsSpan(24), 1);
                BitConverter.TryWriteBytes(copy.AsSpan(32), ((long)size * size) + size + size + 1);
                return Rehashed(copy);
            case "flip":
                int at = parts[1] switch
                {
                    "parameter" => 40 + 4000,
                    "checksum" => copy.Length - 3,
                    _ => copy.Length - 13, // the last parameter: a version-2 file without sections ends in the section count (0) and the checksum
                };
                copy[at] ^= 0x10;
                return copy;
            default:
                throw new ArgumentException(corruption);
        }
    }
}
