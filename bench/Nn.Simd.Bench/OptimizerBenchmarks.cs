using BenchmarkDotNet.Attributes;
using Nn.Simd.Kernels;

namespace Nn.Simd.Bench;

/// <summary>The optimizer families a step can take.</summary>
public enum OptimizerKind
{
    Sgd,
    Momentum,
    Adam,
    RmsProp,
}

/// <summary>
/// One optimizer step over N parameters: 784 (a bias-sized span) and 203,530 (all of
/// [784,256,256,10]). Bytes are the streams a step must move: SGD reads w and g and writes w
/// (12N); momentum and RMSProp add one state read and written (20N); Adam two (28N). SGD has no
/// 512-bit body, so its Avx512 row runs the AVX2 body.
/// </summary>
public class OptimizerStepBenchmarks : IWorkload
{
    private Memory<float> _w, _g, _m, _v;
    private AdamStepScalars _adam;

    [Params(784, 203_530)]
    public int N { get; set; }

    [Params(OptimizerKind.Sgd, OptimizerKind.Momentum, OptimizerKind.Adam, OptimizerKind.RmsProp)]
    public OptimizerKind Optimizer { get; set; }

    public double Flops => 0;

    public double Bytes => Optimizer switch
    {
        OptimizerKind.Sgd => 12.0 * N,
        OptimizerKind.Adam => 28.0 * N,
        _ => 20.0 * N,
    };

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        _w = Operand.Create(N, 0, Next);
        _g = Operand.Create(N, 0, Next);
        _m = Operand.Create(N, 0, () => 0f);
        _v = Operand.Create(N, 0, () => 0f);
        _adam = AdamStepScalars.AdamW(1e-3f, 10, weightDecay: 1e-4f, gradientScale: 1f / 128);
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => Step(KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Step(KernelPath.Avx2);

    [Benchmark]
    public void Avx512() => Step(KernelPath.Avx512);

    private void Step(KernelPath path)
    {
        Span<float> w = _w.Span, m = _m.Span, v = _v.Span;
        ReadOnlySpan<float> g = _g.Span;
        switch (Optimizer)
        {
            case OptimizerKind.Sgd:
                Kernel.SgdStep(w, g, 0.99999f, 1e-3f / 128, path);
                break;
            case OptimizerKind.Momentum:
                Kernel.MomentumStep(w, g, m, new MomentumStepScalars(1e-3f, 0.9f, 1e-4f, 1f / 128), path);
                break;
            case OptimizerKind.Adam:
                Kernel.AdamStep(w, g, m, v, _adam, path);
                break;
            default:
                Kernel.RmsPropStep(w, g, m, new RmsPropStepScalars(1e-3f, weightDecay: 1e-4f, gradientScale: 1f / 128), path);
                break;
        }
    }
}

/// <summary>Inverted dropout over a mini-batch block of 128 rows × 256 units (a hidden layer of [784,256,256,10]): 8 bytes a unit.</summary>
public class DropoutBenchmarks : IWorkload
{
    private const int Rows = 128, Columns = 256;
    private float[] _block = [];
    private byte[] _bits = [];

    public double Flops => 0;

    public double Bytes => 8.0 * Rows * Columns;

    [GlobalSetup]
    public void Setup()
    {
        _block = new float[Rows * Columns];
        _bits = new byte[Rows * Columns / 8];
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => Kernel.DropoutRows(_block, Rows, Columns, 0.2f, new DropoutKey(1, 2, 0, 1), KernelPath.Scalar);

    [Benchmark]
    public void Avx2() => Kernel.DropoutRows(_block, Rows, Columns, 0.2f, new DropoutKey(1, 2, 0, 1), KernelPath.Avx2);

    [Benchmark]
    public void Avx512() => Kernel.DropoutRows(_block, Rows, Columns, 0.2f, new DropoutKey(1, 2, 0, 1), KernelPath.Avx512);

    [Benchmark]
    public void HadamardAvx2() => Kernel.Hadamard(_block, _block, _block, KernelPath.Avx2);

    /// <summary>The block's masks as bits, row by row, as the training step draws them.</summary>
    [Benchmark]
    public void BitsAvx512()
    {
        for (int row = 0; row < Rows; row++)
        {
            Kernel.DropoutMaskBits(_bits.AsSpan(row * (Columns / 8), Columns / 8), Columns, 0.2f, new DropoutKey(1, 2, (uint)row, 1), KernelPath.Avx512);
        }
    }

    /// <summary>The bits multiplied into the block, as the forward and the backward pass do.</summary>
    [Benchmark]
    public void ApplyBitsAvx512() => Kernel.DropoutApplyBits(_block, Rows, Columns, _bits, 0.2f, KernelPath.Avx512);
}
