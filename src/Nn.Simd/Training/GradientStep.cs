using Nn.Simd.Kernels;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// The gradient step after a mini-batch of m samples, from the summed gradient:
/// w ← (1 − ηλ/n)·w − (η/m)·Σ∂C/∂w for weights, b ← b − (η/m)·Σ∂C/∂b for biases, over the runs of
/// parameters an engine names (<see cref="IMiniBatchEngine.Parameters"/>). The step is element-wise,
/// so it is the same wherever a run lives and in whichever layout its gradient pairs with it. The
/// weights' step is split over the workers when there are any (element ranges, so the same bits);
/// the biases, too small to gain, stay on the calling thread.
/// </summary>
internal sealed class GradientStep(WorkerPool? pool)
{
    private readonly ParallelSgdStep _sgd = new();

    public void Apply(ReadOnlySpan<ParameterBlock> parameters, float[] gradient, float learningRate, float lambda, int trainingCount, int batchSize, KernelPath path)
    {
        float decay = 1f - (learningRate * lambda / trainingCount);
        float step = learningRate / batchSize;
        foreach (ParameterBlock block in parameters)
        {
            if (block.IsWeights)
            {
                _sgd.Run(pool, new(block.Values, block.Offset, block.Length), new(gradient, block.GradientOffset, block.Length), decay, step, path);
            }
            else
            {
                Kernel.SgdStep(block.Values.AsSpan(block.Offset, block.Length), gradient.AsSpan(block.GradientOffset, block.Length), 1f, step, path);
            }
        }
    }
}
