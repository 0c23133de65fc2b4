using System.Buffers.Binary;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.IO;

/// <summary>
/// A version-1 model file and a checkpoint declare their whole length in the header, and one reader
/// holds both to it: every way a file can disagree with its header gets the same words for both
/// formats, from a file and from a pipe.
/// </summary>
public sealed class DeclaredLengthTests : IDisposable
{
    private const long Limit = 1L << 30;

    private readonly string _folder = Directory.CreateTempSubdirectory("nn-declared-length-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Formats() => new() { "model", "checkpoint" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_file_that_disagrees_with_its_header_is_refused_in_the_same_words(string format)
    {
        byte[] good = Good(format);
        int n = good.Length;
        string path = Path.Combine(_folder, "file");

        string FromFile(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<InvalidDataException>(() => Load(format, path)).Message;
        }

        Assert.Equal($"{path}: truncated: the header declares {n:N0} bytes but the file has {n - 1:N0}.", FromFile(good[..^1]));
        Assert.Equal($"{path}: sizes do not add up: the header declares {n:N0} bytes but the file has 3 more.", FromFile([.. good, 0, 0, 0]));
        Assert.Equal($"pipe: truncated: the header declares {n:N0} bytes but the file ends after {n - 1:N0}.", FromPipe(format, good[..^1], Limit));
        Assert.Equal($"pipe: sizes do not add up: the header declares {n:N0} bytes but the file goes on.", FromPipe(format, [.. good, 0], Limit));
    }

    [Fact]
    public void A_declared_length_past_the_limit_or_one_array_is_refused_before_it_is_read()
    {
        byte[] model = Good("model");
        Assert.Equal(
            $"pipe: the header declares a model of {model.Length:N0} bytes, more than the limit of {model.Length - 1:N0} (ReadLimits.MaxModelBytes).",
            FromPipe("model", model, model.Length - 1));

        // Two layers of 2²⁴ units: 2⁴⁸ + 2²⁴ parameters, far more bytes than one array holds.
        var huge = new byte[36];
        "NNSIMDMF"u8.CopyTo(huge);
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(huge.AsSpan(12), 2);
        BinaryPrimitives.WriteInt32LittleEndian(huge.AsSpan(16), ModelFile.MaxLayerSize);
        BinaryPrimitives.WriteInt32LittleEndian(huge.AsSpan(20), ModelFile.MaxLayerSize);
        BinaryPrimitives.WriteInt64LittleEndian(huge.AsSpan(28), (1L << 48) + (1L << 24));
        long declared = 36 + (4 * ((1L << 48) + (1L << 24))) + 8;
        Assert.Equal($"pipe: the header declares a model of {declared:N0} bytes, more than one array can hold.", FromPipe("model", huge, long.MaxValue));

        // A checkpoint's limit is four models' worth; a forged sample count declares more.
        byte[] checkpoint = Good("checkpoint");
        int samples = BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(44));
        BinaryPrimitives.WriteInt32LittleEndian(checkpoint.AsSpan(44), int.MaxValue);
        declared = checkpoint.Length + (4L * (int.MaxValue - samples));
        Assert.Equal(
            $"pipe: the header declares a checkpoint of {declared:N0} bytes, more than the limit of {(4 * Limit) + 4240:N0} (4 × ReadLimits.MaxModelBytes).",
            FromPipe("checkpoint", checkpoint, Limit));
    }

    private static byte[] Good(string format)
    {
        if (format == "model")
        {
            return File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-64-30-10.v1.nnm"));
        }

        var network = Network.Create([64, 12, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        using var trainer = new Trainer(network, new TrainingOptions { Optimizer = new Adam() });
        using var stream = new MemoryStream();
        CheckpointFile.Write(trainer.CreateCheckpoint(), stream);
        return stream.ToArray();
    }

    private static void Load(string format, string path)
    {
        if (format == "model")
        {
            ModelFile.Load(path);
        }
        else
        {
            CheckpointFile.Load(path);
        }
    }

    private static string FromPipe(string format, byte[] bytes, long limit)
    {
        using var pipe = DataFileStream.FromStream(new MemoryStream(bytes, writable: false), "pipe", long.MaxValue, "the stream's limit", decompress: false);
        return Assert.Throws<InvalidDataException>(() =>
        {
            if (format == "model")
            {
                ModelFile.Load(pipe, limit);
            }
            else
            {
                CheckpointFile.Load(pipe, limit);
            }
        }).Message;
    }
}
