using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Nn.Simd.Model;
using Nn.Simd.Onnx;

namespace Nn.Simd.Bench;

/// <summary>
/// Int8 inference beside fp32, ours and ONNX Runtime's, on the same network: our
/// <see cref="QuantizedNetwork"/> (dynamic activations) and <see cref="Predictor"/>; ONNX Runtime
/// 1.31.1 on the exported fp32 graph and on the exported int8 graph (DynamicQuantizeLinear +
/// MatMulInteger, the operators quantize_dynamic emits), one intra-op thread, IOBinding, the
/// sample copied into the bound input each call. Our fp32 Predict is the baseline. With
/// <c>NN_SIMD_ORT_QUANTIZE_SCRIPT</c> naming a script <c>IN.onnx OUT.onnx</c> (run with
/// /usr/bin/python3), ONNX Runtime's int8 runs the graph that script makes from the fp32 export
/// instead, e.g. quantize_dynamic's per-tensor graph.
/// </summary>
public abstract class Int8BenchmarkBase : IDisposable
{
    protected const int BatchSize = 1000;
    private readonly List<IDisposable> _disposables = [];
    private float[] _inputs = [];
    private float[] _output = [];
    private float[] _batchOutput = [];
    private Predictor _predictor = null!;
    private QuantizedNetwork _int8 = null!;
    private Ort _fp32Ort = null!;
    private Ort _int8Ort = null!;
    private int _next;

    [Params("784-100-10", "784-256-256-10")]
    public string Model { get; set; } = "784-100-10";

    [GlobalSetup]
    public void Setup()
    {
        int[] sizes = [.. Model.Split('-').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
        Network network = sizes.Length == 3
            ? Network.Create(sizes, Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, seed: 1)
            : Network.Create(sizes, Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        _predictor = new Predictor(network);
        _int8 = QuantizedNetwork.Quantize(network);
        var random = new Random(2);
        _inputs = [.. Enumerable.Range(0, BatchSize * sizes[0]).Select(_ => (float)random.NextDouble())];
        _output = new float[sizes[^1]];
        _batchOutput = new float[BatchSize * sizes[^1]];
        _fp32Ort = new Ort(OnnxExporter.Export(network), sizes[0], sizes[^1], _inputs, _disposables);
        _int8Ort = new Ort(Int8Graph(network), sizes[0], sizes[^1], _inputs, _disposables);

        // A second of calls: the JIT's optimising tier replaces the first one after a quiet 100 ms.
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 1_000)
        {
            Fp32Single();
            Int8Single();
            OrtFp32Single();
            OrtInt8Single();
            Int8Batch();
            Fp32Batch();
        }

        Thread.Sleep(300);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (IDisposable disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        _disposables.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Our int8 export, or the graph NN_SIMD_ORT_QUANTIZE_SCRIPT makes from the fp32 export.</summary>
    private byte[] Int8Graph(Network network)
    {
        string? script = Environment.GetEnvironmentVariable("NN_SIMD_ORT_QUANTIZE_SCRIPT");
        if (string.IsNullOrEmpty(script))
        {
            Console.WriteLine("// ONNX Runtime int8 graph: the engine's export (per-row weight scales)");
            return OnnxExporter.Export(_int8);
        }

        string folder = Directory.CreateTempSubdirectory("nn-int8-bench-").FullName;
        string fp32 = Path.Combine(folder, "fp32.onnx"), int8 = Path.Combine(folder, "int8.onnx");
        File.WriteAllBytes(fp32, OnnxExporter.Export(network));
        using var process = System.Diagnostics.Process.Start("/usr/bin/python3", [script, fp32, int8])!;
        process.WaitForExit();
        Console.WriteLine($"// ONNX Runtime int8 graph: made by {script} (exit {process.ExitCode})");
        byte[] bytes = File.ReadAllBytes(int8);
        Directory.Delete(folder, recursive: true);
        return bytes;
    }

    protected void Fp32Single() => _predictor.Predict(_inputs.AsSpan(NextOffset(), _predictor.InputSize), _output);

    protected void Int8Single() => _int8.Predict(_inputs.AsSpan(NextOffset(), _int8.InputSize), _output);

    protected void OrtFp32Single() => _fp32Ort.Single(_inputs.AsSpan(NextOffset(), _predictor.InputSize));

    protected void OrtInt8Single() => _int8Ort.Single(_inputs.AsSpan(NextOffset(), _predictor.InputSize));

    protected void Fp32Batch() => _predictor.PredictBatch(_inputs, _batchOutput);

    protected void Int8Batch() => _int8.PredictBatch(_inputs, _batchOutput);

    protected void OrtFp32Batch() => _fp32Ort.Batch();

    protected void OrtInt8Batch() => _int8Ort.Batch();

    private int NextOffset()
    {
        _next = (_next + 1) % BatchSize;
        return _next * _predictor.InputSize;
    }

    /// <summary>One ONNX Runtime session with its single-sample and batch bindings.</summary>
    private sealed class Ort
    {
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly OrtIoBinding _single;
        private readonly OrtIoBinding _batch;
        private readonly float[] _input;

        public Ort(byte[] model, int inputs, int outputs, float[] batch, List<IDisposable> owner)
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            _session = new InferenceSession(model, options);
            _input = new float[inputs];
            OrtValue[] values =
            [
                OrtValue.CreateTensorValueFromMemory(_input, [1, inputs]),
                OrtValue.CreateTensorValueFromMemory(new float[outputs], [1, outputs]),
                OrtValue.CreateTensorValueFromMemory(batch, [BatchSize, inputs]),
                OrtValue.CreateTensorValueFromMemory(new float[BatchSize * outputs], [BatchSize, outputs]),
            ];
            _single = _session.CreateIoBinding();
            _single.BindInput(OnnxExporter.InputName, values[0]);
            _single.BindOutput(OnnxExporter.OutputName, values[1]);
            _batch = _session.CreateIoBinding();
            _batch.BindInput(OnnxExporter.InputName, values[2]);
            _batch.BindOutput(OnnxExporter.OutputName, values[3]);
            owner.AddRange([_session, _runOptions, .. values, _single, _batch]);
        }

        public void Single(ReadOnlySpan<float> sample)
        {
            sample.CopyTo(_input);
            _session.RunWithBinding(_runOptions, _single);
        }

        public void Batch() => _session.RunWithBinding(_runOptions, _batch);
    }
}

/// <summary>Single-sample latency, one call per iteration (the median and P99 of single calls): run with --int8.</summary>
public class Int8LatencyBenchmarks : Int8BenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void NnSimdFp32() => Fp32Single();

    [Benchmark]
    public void NnSimdInt8() => Int8Single();

    [Benchmark]
    public void OnnxRuntimeFp32() => OrtFp32Single();

    [Benchmark]
    public void OnnxRuntimeInt8() => OrtInt8Single();
}

/// <summary>A batch of 1,000 samples per call: run with --int8.</summary>
public class Int8BatchBenchmarks : Int8BenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void NnSimdFp32Batch1000() => Fp32Batch();

    [Benchmark]
    public void NnSimdInt8Batch1000() => Int8Batch();

    [Benchmark]
    public void OnnxRuntimeFp32Batch1000() => OrtFp32Batch();

    [Benchmark]
    public void OnnxRuntimeInt8Batch1000() => OrtInt8Batch();
}
