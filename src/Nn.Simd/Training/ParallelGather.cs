using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// A mini-batch's inputs and targets gathered from a data set into contiguous rows, split by
/// samples (each row is a plain copy, so the split changes nothing but who copies it), and the
/// rows' dropout masks drawn alongside (a row's masks depend on its sample only). It lives with the
/// trainer, its only user, so that the worker layer below knows nothing of data sets.
/// </summary>
/// <param name="capacity">The largest mini-batch.</param>
/// <param name="dropout">Whose masks to draw for the gathered rows, if any.</param>
internal sealed class ParallelGather(int capacity, HiddenDropout? dropout = null) : RangeWork
{
    private readonly int[] _indices = new int[capacity];
    private Dataset? _data;
    private float[] _inputs = [];
    private float[] _targets = [];
    private KernelPath _path;

    /// <summary>
    /// Rows i of <paramref name="inputs"/> and <paramref name="targets"/> ← sample indices[i] of
    /// <paramref name="data"/> (at most the capacity), and the rows' dropout masks drawn on
    /// <paramref name="path"/>.
    /// </summary>
    public void Run(WorkerPool? pool, Dataset data, ReadOnlySpan<int> indices, float[] inputs, float[] targets, KernelPath path)
    {
        indices.CopyTo(_indices);
        (_data, _inputs, _targets, _path) = (data, inputs, targets, path);
        RunOver(pool, indices.Length, 8, data.InputSize + (8 * (dropout?.UnitsPerSample ?? 0)), splitWhenSpinning: true);
    }

    protected override void ExecuteRange(int start, int end)
    {
        Dataset data = _data!;
        int inputs = data.InputSize, outputs = data.TargetSize;
        for (int i = start; i < end; i++)
        {
            data.Input(_indices[i]).CopyTo(_inputs.AsSpan(i * inputs, inputs));
            data.CopyTarget(_indices[i], _targets.AsSpan(i * outputs, outputs));
        }

        dropout?.Draw(_indices, start, end, _path);
    }
}
