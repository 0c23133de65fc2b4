using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Nn.Simd.Model;
using Nn.Simd.Onnx;

namespace Nn.Simd.Bench;

/// <summary>
/// Inference against ONNX Runtime 1.31.1 on the model this engine exported: one intra-op thread,
/// graph optimisation ALL, inputs and outputs pre-bound (IOBinding over pinned arrays), the sample
/// copied into the bound input each call, as a latency-minded user would write it.
/// </summary>
public abstract class InferenceBenchmarkBase : IDisposable
{
    protected const int BatchSize = 1000;
    private InferenceSession _session = null!;
    private OrtIoBinding _binding = null!;
    private OrtIoBinding _batchBinding = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _values = [];
    private float[] _ortInput = [];
    private float[] _ortOutput = [];
    private float[] _ortBatchOutput = [];
    private float[] _inputs = [];
    private float[] _output = [];
    private float[] _batchOutput = [];
    private Predictor _predictor = null!;
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
        var random = new Random(2);
        _inputs = Enumerable.Range(0, BatchSize * sizes[0]).Select(_ => (float)random.NextDouble()).ToArray();
        _output = new float[sizes[^1]];
        _batchOutput = new float[BatchSize * sizes[^1]];

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(OnnxExporter.Export(network), options);
        _runOptions = new RunOptions();
        _ortInput = new float[sizes[0]];
        _ortOutput = new float[sizes[^1]];
        _ortBatchOutput = new float[BatchSize * sizes[^1]];
        _values =
        [
            OrtValue.CreateTensorValueFromMemory(_ortInput, [1, sizes[0]]),
            OrtValue.CreateTensorValueFromMemory(_ortOutput, [1, sizes[^1]]),
            OrtValue.CreateTensorValueFromMemory(_inputs, [BatchSize, sizes[0]]),
            OrtValue.CreateTensorValueFromMemory(_ortBatchOutput, [BatchSize, sizes[^1]]),
        ];
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxExporter.InputName, _values[0]);
        _binding.BindOutput(OnnxExporter.OutputName, _values[1]);
        _batchBinding = _session.CreateIoBinding();
        _batchBinding.BindInput(OnnxExporter.InputName, _values[2]);
        _batchBinding.BindOutput(OnnxExporter.OutputName, _values[3]);

        // A second of calls before BenchmarkDotNet starts: the JIT recompiles hot methods at its
        // optimising tier only after a quiet 100 ms, and the 200 single-call warm-up iterations of
        // the latency job are over sooner, so its first measured calls ran first-tier code (a
        // median of 5 µs with a P90 of 40 µs in one run).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 1_000)
        {
            NnSimdSingleSample();
            OrtSingleSample();
        }

        warmUp.Restart();
        while (warmUp.ElapsedMilliseconds < 1_000)
        {
            NnSimdBatch();
            OrtBatch();
        }

        Thread.Sleep(300);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _binding.Dispose();
        _batchBinding.Dispose();
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
        GC.SuppressFinalize(this);
    }

    protected void OrtSingleSample()
    {
        _inputs.AsSpan(NextOffset(), _ortInput.Length).CopyTo(_ortInput);
        _session.RunWithBinding(_runOptions, _binding);
    }

    protected void NnSimdSingleSample() => _predictor.Predict(_inputs.AsSpan(NextOffset(), _predictor.InputSize), _output);

    protected void OrtBatch() => _session.RunWithBinding(_runOptions, _batchBinding);

    protected void NnSimdBatch() => _predictor.PredictBatch(_inputs, _batchOutput);

    private int NextOffset()
    {
        _next = (_next + 1) % BatchSize;
        return _next * _predictor.InputSize;
    }
}

/// <summary>Per-call means (many calls per iteration) and the batch of 1,000.</summary>
public class InferenceBenchmarks : InferenceBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void OnnxRuntimeSingle() => OrtSingleSample();

    [Benchmark]
    public void NnSimdSingle() => NnSimdSingleSample();

    [Benchmark]
    public void OnnxRuntimeBatch1000() => OrtBatch();

    [Benchmark]
    public void NnSimdBatch1000() => NnSimdBatch();
}

/// <summary>
/// One call per iteration, thousands of iterations, so that the median and P99 columns are the
/// distribution of single calls (run with --latency or --inference; see Program).
/// </summary>
public class InferenceLatencyBenchmarks : InferenceBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void OnnxRuntimeSingle() => OrtSingleSample();

    [Benchmark]
    public void NnSimdSingle() => NnSimdSingleSample();
}
