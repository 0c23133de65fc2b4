using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>
/// The batched engine's deeper layers compute the forward product either against a transposed copy
/// of Wˡ refreshed after each step, or transposed, (Zˡ)ᵀ = Wˡ·(Aˡ⁻¹)ᵀ; it picks by size, so no other
/// test can pick both for one network. Both keep every element's fma chain, so training with either
/// must give the same gradients and weights, bit for bit, on every path.
/// </summary>
public class ForwardFormTests
{
    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void Both_forward_forms_give_the_same_bits(KernelPath path)
    {
        foreach ((Activation hidden, Activation output, Cost cost) in new[] { (Activation.Tanh, Activation.Softmax, Cost.LogLikelihood), (Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy) })
        {
            var network = Network.Create([20, 33, 17, 5], hidden, output, cost, Initialization.Xavier, seed: 4);
            const int samples = 21, batch = 7;
            var labels = new int[samples];
            for (int i = 0; i < samples; i++)
            {
                labels[i] = (i * 3) % 5;
            }

            Dataset data = Dataset.FromLabels(TestData.Uniform(samples * 20, 5), 20, labels, 5);
            (float[] copyWeights, float[] copyGradient) = Train(network.Clone(), data, batch, byActivations: false, path);
            (float[] activationWeights, float[] activationGradient) = Train(network.Clone(), data, batch, byActivations: true, path);
            Assertions.BitsEqual(copyGradient, activationGradient, $"{hidden}/{output} last gradient on {path}");
            Assertions.BitsEqual(copyWeights, activationWeights, $"{hidden}/{output} weights after {samples / batch} steps on {path}");
            Assert.NotEqual(network.Parameters.ToArray(), copyWeights);
        }
    }

    private static (float[] Weights, float[] Gradient) Train(Network network, Dataset data, int batch, bool byActivations, KernelPath path)
    {
        using var engine = new BatchedBackpropagation(network, batch, null, byActivations);
        var step = new GradientStep(null);
        int[] order = [.. Enumerable.Range(0, data.Count)];
        engine.BeginEpoch(1);
        for (int first = 0; first < data.Count; first += batch)
        {
            engine.ComputeGradient(data, order.AsSpan(first, batch), path);
            step.Apply(engine.Parameters, engine.Gradient, 0.3f, 0.1f, data.Count, batch, path);
            engine.AfterStep();
        }

        engine.EndEpoch();
        return (network.Parameters.ToArray(), (float[])engine.Gradient.Clone());
    }
}
