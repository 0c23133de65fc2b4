using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// The gradient step after a mini-batch of m samples, from the summed gradient (laid out like the
/// parameters): w ← (1 − ηλ/n)·w − (η/m)·Σ∂C/∂w for weights, b ← b − (η/m)·Σ∂C/∂b for biases.
/// The weights' step is split over the workers when there are any (element-wise, so the same bits).
/// The first layer's weights may live elsewhere during an epoch (the batched engine keeps them
/// transposed, with their gradient block transposed alike): the step is element-wise, so it is the
/// same wherever the pair lives.
/// </summary>
internal sealed class GradientStep(WorkerPool? pool)
{
    private readonly ParallelSgdStep _sgd = new();

    public void Apply(Network network, float[] gradient, float learningRate, float lambda, int trainingCount, int batchSize, KernelPath path, float[]? firstLayerWeights = null)
    {
        float decay = 1f - (learningRate * lambda / trainingCount);
        float step = learningRate / batchSize;
        for (int l = 1; l < network.LayerSizes.Count; l++)
        {
            int rows = network.LayerSizes[l], columns = network.LayerSizes[l - 1];
            (float[] weights, int offset) = l == 1 && firstLayerWeights is not null ? (firstLayerWeights, 0) : (network.ParameterArray, network.ParameterOrigin + network.WeightOffset(l));
            _sgd.Run(pool, new(weights, offset, rows * columns), new(gradient, network.WeightOffset(l), rows * columns), decay, step, path);
            Kernel.SgdStep(network.Biases(l), gradient.AsSpan(network.BiasOffset(l), rows), 1f, step, path);
        }
    }
}
