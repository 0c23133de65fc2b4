using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;
using Nn.Simd.Kernels;

namespace Nn.Simd.Bench;

/// <summary>
/// Benchmark operands placed <c>offsetBytes</c> past a 64-byte boundary (pinned, so the placement
/// holds). The load-bound kernels run 1.4–1.6× faster on 32-byte-aligned operands than on ones
/// 16 bytes off, where every other 256-bit load spans two cache lines; each kernel benchmark runs
/// both ways (its Offset column) so a figure never depends on where the allocator happened to
/// put an array.
/// </summary>
internal static class Operand
{
    public static Memory<float> Create(int length, int offsetBytes, Func<float> next)
    {
        (float[] backing, int origin) = AlignedArray.Allocate(length + (offsetBytes / sizeof(float)));
        Memory<float> operand = backing.AsMemory(origin + (offsetBytes / sizeof(float)), length);
        foreach (ref float value in operand.Span)
        {
            value = next();
        }

        return operand;
    }
}

/// <summary>Seeded vectors of N floats for the one-dimensional kernels.</summary>
public abstract class VectorBenchmark : IWorkload
{
    private Memory<float> _x, _y, _z;

    [Params(784, 3079)]
    public int N { get; set; }

    /// <summary>Bytes past a 64-byte boundary at which every operand starts.</summary>
    [Params(0, 16)]
    public int Offset { get; set; }

    public abstract double Flops { get; }

    public abstract double Bytes { get; }

    protected Span<float> X => _x.Span;

    protected Span<float> Y => _y.Span;

    protected Span<float> Z => _z.Span;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        _x = Operand.Create(N, Offset, Next);
        _y = Operand.Create(N, Offset, Next);
        _z = Operand.Create(N, Offset, () => 0f);
    }
}

/// <summary>Seeded rows × columns matrices for the matrix-vector kernels.</summary>
public abstract class MatrixBenchmark : IWorkload
{
    private Memory<float> _w, _x, _b, _y, _d, _s, _output;

    [Params("30x784", "100x784", "256x256")]
    public string Shape { get; set; } = "100x784";

    /// <summary>Bytes past a 64-byte boundary at which every operand starts.</summary>
    [Params(0, 16)]
    public int Offset { get; set; }

    protected int Rows;
    protected int Columns;

    /// <summary>Rows and columns parsed from <see cref="Shape"/> (also valid before <see cref="Setup"/>, for the work columns).</summary>
    protected (int Rows, int Columns) Dimensions => Parse(Shape);

    /// <summary>"rows x columns" as numbers.</summary>
    internal static (int Rows, int Columns) Parse(string shape)
    {
        string[] parts = shape.Split('x');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public abstract double Flops { get; }

    public abstract double Bytes { get; }

    protected Span<float> W => _w.Span;

    protected Span<float> X => _x.Span;

    protected Span<float> B => _b.Span;

    protected Span<float> Y => _y.Span;

    protected Span<float> D => _d.Span;

    protected Span<float> S => _s.Span;

    protected Span<float> Output => _output.Span;

    [GlobalSetup]
    public void Setup()
    {
        (Rows, Columns) = Dimensions;
        var random = new Random(2);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        _w = Operand.Create(Rows * Columns, Offset, Next);
        _x = Operand.Create(Columns, Offset, Next);
        _b = Operand.Create(Rows, Offset, Next);
        _y = Operand.Create(Rows, Offset, () => 0f);
        _d = Operand.Create(Rows, Offset, Next);
        _s = Operand.Create(Columns, Offset, Next);
        _output = Operand.Create(Columns, Offset, () => 0f);
    }
}

/// <summary>x·y: 2N flops, 8N bytes.</summary>
public class DotBenchmarks : VectorBenchmark
{
    public override double Flops => 2.0 * N;

    public override double Bytes => 8.0 * N;

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesDot() => TensorPrimitives.Dot(X, Y);

    [Benchmark]
    public float Avx2() => Kernel.Dot(X, Y, KernelPath.Avx2);

    [Benchmark]
    public float Scalar() => Kernel.Dot(X, Y, KernelPath.Scalar);
}

/// <summary>y = W·x + b: 2·rows·columns flops; the baseline is a loop of TensorPrimitives.Dot over the rows.</summary>
public class MatVecBenchmarks : MatrixBenchmark
{
    public override double Flops => 2.0 * Dimensions.Rows * Dimensions.Columns;

    public override double Bytes => 4.0 * ((Dimensions.Rows * Dimensions.Columns) + Dimensions.Columns + (2 * Dimensions.Rows));

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesDotPerRow()
    {
        for (int r = 0; r < Rows; r++)
        {
            Y[r] = TensorPrimitives.Dot(W.Slice(r * Columns, Columns), X) + B[r];
        }
    }

    [Benchmark]
    public void Avx2() => Kernel.MatVec(W, Rows, Columns, X, B, Y, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.MatVec(W, Rows, Columns, X, B, Y, KernelPath.Scalar);
}

/// <summary>δ = (Wᵀ·d) ⊙ σ′: 2·rows·columns + columns flops.</summary>
public class MatVecTransposedHadamardBenchmarks : MatrixBenchmark
{
    public override double Flops => (2.0 * Dimensions.Rows * Dimensions.Columns) + Dimensions.Columns;

    public override double Bytes => 4.0 * ((Dimensions.Rows * Dimensions.Columns) + Dimensions.Rows + (2 * Dimensions.Columns));

    [Benchmark(Baseline = true)]
    public void Scalar() => Kernel.MatVecTransposedHadamard(W, Rows, Columns, D, S, Output, KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Kernel.MatVecTransposedHadamard(W, Rows, Columns, D, S, Output, KernelPath.Avx2);
}

/// <summary>G += d·aᵀ: 2·rows·columns flops, G read and written.</summary>
public class OuterProductAddBenchmarks : MatrixBenchmark
{
    public override double Flops => 2.0 * Dimensions.Rows * Dimensions.Columns;

    public override double Bytes => 8.0 * Dimensions.Rows * Dimensions.Columns;

    [Benchmark(Baseline = true)]
    public void Scalar() => Kernel.OuterProductAdd(W, Rows, Columns, D, X, KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Kernel.OuterProductAdd(W, Rows, Columns, D, X, KernelPath.Avx2);
}

/// <summary>y = a ⊙ b: N flops, 12N bytes.</summary>
public class HadamardBenchmarks : VectorBenchmark
{
    public override double Flops => N;

    public override double Bytes => 12.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesMultiply() => TensorPrimitives.Multiply(X, Y, Z);

    [Benchmark]
    public void Avx2() => Kernel.Hadamard(X, Y, Z, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Hadamard(X, Y, Z, KernelPath.Scalar);
}

/// <summary>y += α·x: 2N flops, 12N bytes.</summary>
public class AxpyBenchmarks : VectorBenchmark
{
    public override double Flops => 2.0 * N;

    public override double Bytes => 12.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesFusedMultiplyAdd() => TensorPrimitives.FusedMultiplyAdd(X, 1e-3f, Y, Y);

    [Benchmark]
    public void Avx2() => Kernel.Axpy(1e-3f, X, Y, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Axpy(1e-3f, X, Y, KernelPath.Scalar);
}

/// <summary>w = fma(−step, g, decay·w): 3N flops, 12N bytes.</summary>
public class SgdStepBenchmarks : VectorBenchmark
{
    public override double Flops => 3.0 * N;

    public override double Bytes => 12.0 * N;

    [Benchmark(Baseline = true)]
    public void Scalar() => Kernel.SgdStep(X, Y, 0.9999f, 1e-6f, KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Kernel.SgdStep(X, Y, 0.9999f, 1e-6f, KernelPath.Avx2);
}

/// <summary>Sigmoid over N values (memory: 8N bytes; flops not counted).</summary>
public class SigmoidBenchmarks : VectorBenchmark
{
    public override double Flops => 0;

    public override double Bytes => 8.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesSigmoid() => TensorPrimitives.Sigmoid(X, Z);

    [Benchmark]
    public void Avx2() => Kernel.Sigmoid(X, Z, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Sigmoid(X, Z, KernelPath.Scalar);
}

/// <summary>Tanh over N values.</summary>
public class TanhBenchmarks : VectorBenchmark
{
    public override double Flops => 0;

    public override double Bytes => 8.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesTanh() => TensorPrimitives.Tanh(X, Z);

    [Benchmark]
    public void Avx2() => Kernel.Tanh(X, Z, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Tanh(X, Z, KernelPath.Scalar);
}

/// <summary>ReLU and its derivative over N values.</summary>
public class ReluBenchmarks : VectorBenchmark
{
    public override double Flops => 0;

    public override double Bytes => 8.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesMax() => TensorPrimitives.Max(X, 0f, Z);

    [Benchmark]
    public void Avx2() => Kernel.Relu(X, Z, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Relu(X, Z, KernelPath.Scalar);

    [Benchmark]
    public void DerivativeAvx2() => Kernel.ReluDerivative(X, Z, KernelPath.Avx2);
}

/// <summary>The stable softmax over N values.</summary>
public class SoftmaxBenchmarks : VectorBenchmark
{
    public override double Flops => 0;

    public override double Bytes => 8.0 * N;

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesSoftMax() => TensorPrimitives.SoftMax(X, Z);

    [Benchmark]
    public void Avx2() => Kernel.Softmax(X, Z, KernelPath.Avx2);

    [Benchmark]
    public void Scalar() => Kernel.Softmax(X, Z, KernelPath.Scalar);
}

/// <summary>C = A·B for the batched layers: 2·M·N·K flops against the 93 GFLOP/s one-core peak.</summary>
public class GemmBenchmarks : IWorkload, IDisposable
{
    private readonly Nn.Simd.Workers.WorkerPool _pool = new(2);
    private Nn.Simd.Workers.ParallelGemm _parallel = null!;
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private int _m;
    private int _n;
    private int _k;

    /// <summary>M×N×K: the forward product of config (c)'s first layer at mini-batch 128, and two skinny ones.</summary>
    [Params("128x256x784", "256x784x128", "10x30x784", "10x100x784")]
    public string Shape { get; set; } = "128x256x784";

    public double Flops => 2.0 * Dimensions.M * Dimensions.N * Dimensions.K;

    public double Bytes => 4.0 * ((Dimensions.M * Dimensions.K) + (Dimensions.K * Dimensions.N) + (Dimensions.M * Dimensions.N));

    private (int M, int N, int K) Dimensions
    {
        get
        {
            int[] parts = [.. Shape.Split('x').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
            return (parts[0], parts[1], parts[2]);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        (int m, int n, int k) = Dimensions;
        (_m, _n, _k) = (m, n, k);
        var random = new Random(3);
        _a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble()).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble()).ToArray();
        _c = new float[m * n];
        _parallel = new Nn.Simd.Workers.ParallelGemm(_pool);
    }

    [GlobalCleanup]
    public void Dispose() => _pool.Dispose();

    [Benchmark(Baseline = true)]
    public void Scalar() => Kernel.Gemm(new ReadOnlySpan2D<float>(_a, _m, _k), false, new ReadOnlySpan2D<float>(_b, _k, _n), new Span2D<float>(_c, _m, _n), false, KernelPath.Scalar);

    /// <summary>The same product split by columns over two threads (the batched trainer's way).</summary>
    [Benchmark]
    public void Avx2TwoThreads() => _parallel.Run(new ReadOnlyMemory2D<float>(_a, _m, _k), false, new ReadOnlyMemory2D<float>(_b, _k, _n), new Memory2D<float>(_c, _m, _n), false, KernelPath.Avx2);

    /// <summary>The 512-bit micro-kernel over two threads.</summary>
    [Benchmark]
    public void Avx512TwoThreads() => _parallel.Run(new ReadOnlyMemory2D<float>(_a, _m, _k), false, new ReadOnlyMemory2D<float>(_b, _k, _n), new Memory2D<float>(_c, _m, _n), false, KernelPath.Avx512);

    [Benchmark]
    public void Avx2() => Kernel.Gemm(new ReadOnlySpan2D<float>(_a, _m, _k), false, new ReadOnlySpan2D<float>(_b, _k, _n), new Span2D<float>(_c, _m, _n), false, KernelPath.Avx2);

    /// <summary>The 512-bit micro-kernel (where the CPU has AVX-512).</summary>
    [Benchmark]
    public void Avx512() => Kernel.Gemm(new ReadOnlySpan2D<float>(_a, _m, _k), false, new ReadOnlySpan2D<float>(_b, _k, _n), new Span2D<float>(_c, _m, _n), false, KernelPath.Avx512);
}

/// <summary>
/// t = wᵀ: no flops, 8·rows·columns bytes. 256 × 256 is W² of configuration (c), transposed after
/// every training step; 256 × 784 its W¹, transposed at every epoch's start and end.
/// </summary>
public class TranspositionBenchmarks : IWorkload
{
    private Memory<float> _w, _t;
    private int _rows, _columns;

    [Params("256x256", "256x784")]
    public string Shape { get; set; } = "256x256";

    public double Flops => 0;

    public double Bytes
    {
        get
        {
            (int rows, int columns) = MatrixBenchmark.Parse(Shape);
            return 8.0 * rows * columns;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        (_rows, _columns) = MatrixBenchmark.Parse(Shape);
        var random = new Random(3);
        _w = Operand.Create(_rows * _columns, 0, () => (float)random.NextDouble());
        _t = Operand.Create(_rows * _columns, 0, () => 0f);
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => Transposition.Transpose(_w.Span, _rows, _columns, _t.Span, KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Transposition.Transpose(_w.Span, _rows, _columns, _t.Span, KernelPath.Avx2);
}
