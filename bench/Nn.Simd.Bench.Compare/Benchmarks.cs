extern alias Baseline;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;
using Nn.Simd.Workers;
using Old = Baseline::Nn.Simd;

namespace Nn.Simd.Bench.Compare;

/// <summary>
/// Which library a benchmark process measures: the earlier one when the job sets
/// <c>NN_COMPARE_SIDE=before</c>, this one otherwise. Read once; as a static readonly field it is a
/// constant to the optimising JIT, so the branch on it costs nothing in the measured bodies.
/// </summary>
internal static class Side
{
    public const string Variable = "NN_COMPARE_SIDE";

    public static readonly bool Before = Environment.GetEnvironmentVariable(Variable) == "before";
}

/// <summary>
/// An operand at a fixed place: a pinned array whose element <see cref="Offset"/> starts a 4 KB
/// page, so both sides see their operands at the same offsets from page and cache-set boundaries
/// (a float[] lands wherever the allocator puts it, one draw per process, which moved same-code
/// kernels by up to ±30 %).
/// </summary>
internal sealed class Buffer
{
    private const int Page = 4096;

    public Buffer(int length)
    {
        Array = GC.AllocateArray<float>(length + (Page / sizeof(float)), pinned: true);
        long address = System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(Array, 0);
        Offset = (int)((Page - (address % Page)) % Page / sizeof(float));
        Length = length;
    }

    public float[] Array { get; }

    public int Offset { get; }

    public int Length { get; }

    public Span<float> Span => Array.AsSpan(Offset, Length);

    public static implicit operator Span<float>(Buffer buffer) => buffer.Span;

    public static implicit operator ReadOnlySpan<float>(Buffer buffer) => buffer.Span;

    public ReadOnlySpan2D<float> ReadOnly2D(int height, int width) => new(Array, Offset, height, width, 0);

    public Span2D<float> Span2D(int height, int width) => new(Array, Offset, height, width, 0);

    public ReadOnlyMemory2D<float> ReadOnlyMemory2D(int height, int width) => new(Array, Offset, height, width, 0);

    public Memory2D<float> Memory2D(int height, int width) => new(Array, Offset, height, width, 0);
}

/// <summary>Seeded operands, allocated once per benchmark case.</summary>
internal static class Operands
{
    public static Buffer Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new Buffer(length);
        Span<float> span = values.Span;
        for (int i = 0; i < length; i++)
        {
            span[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    public static int[] Parse(string shape) =>
        [.. shape.Split('x').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
}

public class GemmCompare : IDisposable
{
    private WorkerPool? _pool;
    private Old.Workers.WorkerPool? _oldPool;
    private ParallelGemm? _parallel;
    private Old.Workers.ParallelGemm? _oldParallel;
    private Buffer _a = null!, _b = null!, _c = null!, _bias = null!;
    private int _m, _n, _k;

    /// <summary>M×N×K: config (c)'s first layer forward at mini-batch 128, its weight gradient, and two mini-batch-10 layers.</summary>
    [Params("128x256x784", "256x784x128", "10x30x784", "10x100x784")]
    public string Shape { get; set; } = "128x256x784";

    [Params("Avx512", "Avx2", "Scalar")]
    public string Path { get; set; } = "Avx512";

    private KernelPath New => Enum.Parse<KernelPath>(Path);

    private Old.Kernels.KernelPath Before => Enum.Parse<Old.Kernels.KernelPath>(Path);

    [GlobalSetup]
    public void Setup()
    {
        int[] s = Operands.Parse(Shape);
        (_m, _n, _k) = (s[0], s[1], s[2]);
        _a = Operands.Random(_m * _k, 1);
        _b = Operands.Random(_k * _n, 2);
        _bias = Operands.Random(_n, 3);
        _c = new Buffer(_m * _n);
        if (Side.Before)
        {
            _oldPool = new(2);
            _oldParallel = new Old.Workers.ParallelGemm(_oldPool);
        }
        else
        {
            _pool = new(2);
            _parallel = new ParallelGemm(_pool);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _pool?.Dispose();
        _oldPool?.Dispose();
    }

    [Benchmark]
    public void Gemm()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.Gemm(_a.ReadOnly2D(_m, _k), false, _b.ReadOnly2D(_k, _n), _c.Span2D(_m, _n), false, Before);
        }
        else
        {
            Kernel.Gemm(_a.ReadOnly2D(_m, _k), false, _b.ReadOnly2D(_k, _n), _c.Span2D(_m, _n), false, New);
        }
    }

    [Benchmark]
    public void GemmBias()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.GemmBias(_a.ReadOnly2D(_m, _k), _b.ReadOnly2D(_k, _n), _c.Span2D(_m, _n), _bias, true, Before);
        }
        else
        {
            Kernel.GemmBias(_a.ReadOnly2D(_m, _k), _b.ReadOnly2D(_k, _n), _c.Span2D(_m, _n), _bias, true, New);
        }
    }

    [Benchmark]
    public void Gemm2Threads()
    {
        if (Side.Before)
        {
            _oldParallel!.Run(_a.ReadOnlyMemory2D(_m, _k), false, _b.ReadOnlyMemory2D(_k, _n), _c.Memory2D(_m, _n), false, Before);
        }
        else
        {
            _parallel!.Run(_a.ReadOnlyMemory2D(_m, _k), false, _b.ReadOnlyMemory2D(_k, _n), _c.Memory2D(_m, _n), false, New);
        }
    }
}

/// <summary>The matrix-vector kernels of the per-sample engine and the predictor.</summary>
public class MatVecCompare
{
    private Buffer _w = null!, _x = null!, _b = null!, _y = null!, _d = null!, _s = null!, _out = null!;
    private int _rows, _columns;

    [Params("30x784", "100x784", "256x256")]
    public string Shape { get; set; } = "100x784";

    [Params("Avx2", "Scalar")]
    public string Path { get; set; } = "Avx2";

    private KernelPath New => Enum.Parse<KernelPath>(Path);

    private Old.Kernels.KernelPath Before => Enum.Parse<Old.Kernels.KernelPath>(Path);

    [GlobalSetup]
    public void Setup()
    {
        int[] s = Operands.Parse(Shape);
        (_rows, _columns) = (s[0], s[1]);
        _w = Operands.Random(_rows * _columns, 1);
        _x = Operands.Random(_columns, 2);
        _b = Operands.Random(_rows, 3);
        _y = new Buffer(_rows);
        _d = Operands.Random(_rows, 4);
        _s = Operands.Random(_columns, 5);
        _out = new Buffer(_columns);
    }

    [Benchmark]
    public void MatVec()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.MatVec(_w, _rows, _columns, _x, _b, _y, Before);
        }
        else
        {
            Kernel.MatVec(_w, _rows, _columns, _x, _b, _y, New);
        }
    }

    [Benchmark]
    public void MatVecTransposed()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.MatVecTransposed(_w, _rows, _columns, _d, _out, Before);
        }
        else
        {
            Kernel.MatVecTransposed(_w, _rows, _columns, _d, _out, New);
        }
    }

    [Benchmark]
    public void MatVecTransposedHadamard()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.MatVecTransposedHadamard(_w, _rows, _columns, _d, _s, _out, Before);
        }
        else
        {
            Kernel.MatVecTransposedHadamard(_w, _rows, _columns, _d, _s, _out, New);
        }
    }

    [Benchmark]
    public void OuterProductAdd()
    {
        if (Side.Before)
        {
            Old.Kernels.Kernel.OuterProductAdd(_w, _rows, _columns, _d, _x, Before);
        }
        else
        {
            Kernel.OuterProductAdd(_w, _rows, _columns, _d, _x, New);
        }
    }
}

/// <summary>One sample and a batch of 1,000 through the two inference networks, on the default path.</summary>
public class PredictCompare
{
    private Predictor? _predictor;
    private Old.Model.Predictor? _oldPredictor;
    private Buffer _inputs = null!, _outputs = null!;

    [Params("784-100-10", "784-256-256-10")]
    public string Network { get; set; } = "784-100-10";

    [GlobalSetup]
    public void Setup()
    {
        int[] layers = [.. Network.Split('-').Select(int.Parse)];
        bool deep = layers.Length > 3;
        if (Side.Before)
        {
            var old = Old.Model.Network.Create(layers, deep ? Old.Model.Activation.Relu : Old.Model.Activation.Sigmoid, deep ? Old.Model.Activation.Softmax : Old.Model.Activation.Sigmoid, deep ? Old.Model.Cost.LogLikelihood : Old.Model.Cost.CrossEntropy, Old.Model.Initialization.ScaledGaussian, 2);
            _oldPredictor = new Old.Model.Predictor(old);
        }
        else
        {
            var network = Model.Network.Create(layers, deep ? Activation.Relu : Activation.Sigmoid, deep ? Activation.Softmax : Activation.Sigmoid, deep ? Cost.LogLikelihood : Cost.CrossEntropy, Initialization.ScaledGaussian, 2);
            _predictor = new Predictor(network);
        }
        _inputs = Operands.Random(1000 * layers[0], 7);
        _outputs = new Buffer(1000 * layers[^1]);
    }

    [Benchmark]
    public void Predict()
    {
        if (Side.Before)
        {
            _oldPredictor!.Predict(_inputs.Span[..784], _outputs.Span[..10]);
        }
        else
        {
            _predictor!.Predict(_inputs.Span[..784], _outputs.Span[..10]);
        }
    }

    [Benchmark]
    public void PredictBatch()
    {
        if (Side.Before)
        {
            _oldPredictor!.PredictBatch(_inputs, _outputs);
        }
        else
        {
            _predictor!.PredictBatch(_inputs, _outputs);
        }
    }
}

/// <summary>
/// One Fashion-MNIST epoch (60,000 samples, shuffle included) of the configurations (a) [784,30,10]
/// sigmoid, quadratic, η 3, m 10; (b) [784,100,10] sigmoid, cross-entropy, η 0.5, m 10, λ 5;
/// (c) [784,256,256,10] ReLU/softmax, log-likelihood, η 0.1, m 128 — batched engine.
/// </summary>
public class TrainingCompare
{
    private Trainer? _trainer;
    private Old.Training.Trainer? _oldTrainer;
    private Dataset? _data;
    private Old.Data.Dataset? _oldData;
    private int _epoch, _oldEpoch;

    [Params("a", "b", "c")]
    public string Config { get; set; } = "a";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        (int[] layers, string hidden, string output, string cost, string init, float eta, int batch, float lambda) = Config switch
        {
            "a" => ([784, 30, 10], "Sigmoid", "Sigmoid", "Quadratic", "Gaussian", 3f, 10, 0f),
            "b" => ([784, 100, 10], "Sigmoid", "Sigmoid", "CrossEntropy", "ScaledGaussian", 0.5f, 10, 5f),
            _ => (new[] { 784, 256, 256, 10 }, "Relu", "Softmax", "LogLikelihood", "He", 0.1f, 128, 0f),
        };
        if (Side.Before)
        {
            _oldData = Old.Data.Datasets.FashionMnist(test: false);
            var old = Old.Model.Network.Create(layers, Enum.Parse<Old.Model.Activation>(hidden), Enum.Parse<Old.Model.Activation>(output), Enum.Parse<Old.Model.Cost>(cost), Enum.Parse<Old.Model.Initialization>(init), seed: 1);
            _oldTrainer = new Old.Training.Trainer(old, new Old.Training.TrainingOptions { MiniBatchSize = batch, LearningRate = eta, Lambda = lambda, Seed = 1, Engine = Old.Training.TrainingEngine.Batched, Threads = Threads });
        }
        else
        {
            _data = Datasets.FashionMnist(test: false);
            var network = Network.Create(layers, Enum.Parse<Activation>(hidden), Enum.Parse<Activation>(output), Enum.Parse<Cost>(cost), Enum.Parse<Initialization>(init), seed: 1);
            _trainer = new Trainer(network, new TrainingOptions { MiniBatchSize = batch, LearningRate = eta, Lambda = lambda, Seed = 1, Engine = TrainingEngine.Batched, Threads = Threads });
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        _oldTrainer?.Dispose();
    }

    [Benchmark]
    public void Epoch()
    {
        if (Side.Before)
        {
            _oldTrainer!.TrainEpoch(_oldData!, null, ++_oldEpoch);
        }
        else
        {
            _trainer!.TrainEpoch(_data!, null, ++_epoch);
        }
    }
}
