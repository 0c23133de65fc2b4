using Nn.Simd.Data;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// A mini-batch's inputs and targets gathered from a data set into contiguous rows, split by
/// samples (each row is a plain copy, so the split changes nothing but who copies it). It lives with
/// the trainer, its only user, so that the worker layer below knows nothing of data sets.
/// </summary>
internal sealed class ParallelGather(int capacity) : RangeWork
{
    private readonly int[] _indices = new int[capacity];
    private Dataset? _data;
    private float[] _inputs = [];
    private float[] _targets = [];

    /// <summary>Rows i of <paramref name="inputs"/> and <paramref name="targets"/> ← sample indices[i] of <paramref name="data"/> (at most the capacity).</summary>
    public void Run(WorkerPool? pool, Dataset data, ReadOnlySpan<int> indices, float[] inputs, float[] targets)
    {
        indices.CopyTo(_indices);
        (_data, _inputs, _targets) = (data, inputs, targets);
        RunOver(pool, indices.Length, 8, data.InputSize, splitWhenSpinning: true);
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
    }
}
