// Coverage-guided fuzzing targets, one per loader, for SharpFuzz under afl-fuzz (run.sh):
//
//   model   ModelFile through the bounded reading layer (header first, then the body)
//   onnx    OnnxImporter.Import on a serialized ModelProto
//   idx     IdxReader images then labels, raw or gzip, through the bounded reading layer
//   csv     CsvDataReader: a labelled read, an unlabelled read and the row-by-row stream
//   checkpoint  CheckpointFile through the bounded reading layer (header first, then the body)
//
// A target's input is one file's bytes. An InvalidDataException is the loaders' one way to
// refuse a bad input, so it is the expected outcome; any other exception is a finding (afl-fuzz
// records it as a crash), and so is a run longer than afl-fuzz's time-out (a hang). The limits
// are small so that a header claiming much is refused, not allocated: the same code paths as the
// defaults, at a size a fuzzer can run thousands of times a second.
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Onnx;
using SharpFuzz;

namespace Nn.Fuzz;

/// <summary>The fuzzing entry point: <c>Nn.Fuzz TARGET</c> under afl-fuzz; outside it, one run on standard input (<c>Nn.Fuzz TARGET &lt; FILE</c> replays a finding).</summary>
public static class Program
{
    /// <summary>
    /// Small limits. A property, not a static field: the instrumented assemblies may only run
    /// inside <see cref="Fuzzer.OutOfProcess.Run(Action{Stream})"/>, which sets up the coverage map.
    /// </summary>
    private static ReadLimits Limits => ReadLimits.Default with
    {
        MaxModelBytes = 1 << 20,
        MaxDataValues = 1 << 16,
        MaxDataBytes = 1 << 20,
        MaxLineLength = 1 << 12,
        MaxClassCount = 1 << 10,
    };

    private static readonly Dictionary<string, Action<byte[]>> Targets = new(StringComparer.Ordinal)
    {
        ["model"] = Model,
        ["onnx"] = Onnx,
        ["idx"] = Idx,
        ["csv"] = Csv,
        ["checkpoint"] = Checkpoint,
    };

    public static int Main(string[] args)
    {
        if (args.Length != 1 || !Targets.TryGetValue(args[0], out Action<byte[]>? target))
        {
            Console.Error.WriteLine($"usage: Nn.Fuzz {string.Join('|', Targets.Keys)} (under afl-fuzz, or < FILE to replay one input)");
            return 2;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Refused(target, copy.ToArray());
        });
        return 0;
    }

    /// <summary>Runs one input; the loaders' refusal is fine, anything else escapes as a finding.</summary>
    private static void Refused(Action<byte[]> target, byte[] input)
    {
        try
        {
            target(input);
        }
        catch (InvalidDataException)
        {
        }
    }

    private static DataFileStream Open(byte[] input, long limit, bool decompress = true) =>
        DataFileStream.FromStream(new MemoryStream(input, writable: false), "fuzz", limit, "limit", decompress);

    private static void Model(byte[] input)
    {
        using DataFileStream stream = Open(input, Limits.MaxModelBytes, decompress: false);
        ModelFile.Load(stream, Limits.MaxModelBytes);
    }

    private static void Checkpoint(byte[] input)
    {
        using DataFileStream stream = Open(input, CheckpointFile.FileLimit(Limits.MaxModelBytes), decompress: false);
        CheckpointFile.Load(stream, Limits.MaxModelBytes);
    }

    private static void Onnx(byte[] input) => OnnxImporter.Import(input, "fuzz");

    private static void Idx(byte[] input)
    {
        try
        {
            using DataFileStream images = Open(input, Limits.MaxDataBytes);
            IdxReader.ReadImages(images, Limits);
        }
        catch (InvalidDataException)
        {
        }

        using DataFileStream labels = Open(input, Limits.MaxDataBytes);
        IdxReader.ReadLabels(labels, Limits);
    }

    private static void Csv(byte[] input)
    {
        var options = new CsvOptions { Limits = Limits };
        try
        {
            using var reader = new StreamReader(Open(input, Limits.MaxDataBytes));
            CsvDataReader.Read(reader, "fuzz", options);
        }
        catch (InvalidDataException)
        {
        }

        try
        {
            using var reader = new StreamReader(new MemoryStream(input, writable: false));
            CsvDataReader.ReadInputs(reader, "fuzz", options with { LabelColumn = 0, HasHeader = null });
        }
        catch (InvalidDataException)
        {
        }

        foreach (float[] row in CsvDataReader.StreamInputs(new MemoryStream(input, writable: false), "fuzz", options))
        {
            _ = row.Length;
        }
    }
}
