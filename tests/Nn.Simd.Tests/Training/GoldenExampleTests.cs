using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>
/// The classic hand-worked 2-2-2 sigmoid example (inputs 0.05, 0.10; targets 0.01, 0.99;
/// w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55; biases .35 and .60; η = 0.5; quadratic cost, n = 1),
/// whose published figures were computed in double precision and printed to 8–9 digits.
/// </summary>
[Collection(SerialCollection.Name)]
public class GoldenExampleTests
{
    /// <summary>
    /// Tolerance for the weights after one step: the float32 gradient (≈ 0.08 in size) carries a
    /// relative error of at most ~20u over its two layers, so η·g is off by ≤ 0.5·0.08·20·6e-8 ≈ 5e-8;
    /// storing w rounds by ≤ u·0.6 ≈ 4e-8; the published figures are rounded to ≤ 5e-9. Total &lt; 1e-7:
    /// 2e-7 leaves a factor 2, and any real mistake (a missing σ′, a transposed W) moves w by > 1e-3.
    /// </summary>
    private const double WeightTolerance = 2e-7;

    /// <summary>
    /// The cost E = ½Σ(t − o)² in float32, against the published figure. With u = 2⁻²⁴: each hidden
    /// activation is off by ≤ 2.7u (its 2-term z rounds ≤ 3 times, relative 3u of 0.39, times σ′ ≤ 0.25;
    /// sigmoid's own 4u of 0.6); each output's z by ≤ 7.7u (0.85–1.05 times 2.7u from the hidden
    /// activations, 3u of 1.22 from its own roundings, 1.1u from the weights and biases rounded to
    /// float), each output by ≤ 0.19·7.7u + 4u·0.78 ≤ 4.6u; then dᵢ = t − o by ≤ 4.6u + u (t rounded)
    /// + u·|d| and the two fma and ½ add 1.2u to Σd²: E is off by ≤ ½(2·0.742·5.4u + 2·0.217·5.8u
    /// + 1.2u) ≤ 5.9u ≈ 3.5e-7, plus ≤ 5e-10 of the published rounding. 6u is that bound.
    /// </summary>
    private const double CostTolerance = 6 * Oracles.Ulp.U;

    /// <summary>
    /// The float32 cost's bits: the same on every kernel path (the engine's same-bits guarantee), so
    /// an exact check, not a tolerance. It is the right value, not merely a repeatable one: it lies
    /// within <see cref="CostTolerance"/> of the published figure (also checked).
    /// </summary>
    private const uint CostBits = 0x3E98C419;

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void One_step_reproduces_the_published_figures(KernelPath path)
    {
        KernelDispatch.ForcePath(path);
        try
        {
            var network = Network.Create([2, 2, 2], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic);
            float[] w1 = [0.15f, 0.20f, 0.25f, 0.30f];
            float[] w2 = [0.40f, 0.45f, 0.50f, 0.55f];
            w1.CopyTo(network.Weights(1));
            w2.CopyTo(network.Weights(2));
            network.Biases(1).Fill(0.35f);
            network.Biases(2).Fill(0.60f);
            var data = Dataset.FromTargets([0.05f, 0.10f], 2, [0.01f, 0.99f], 2);

            // Total error E = Σ ½(target − output)², i.e. the quadratic cost with n = 1.
            double cost = Evaluation.Of(network, data).Cost;
            Assertions.Within(0.298371109, (float)cost, CostTolerance, $"E on {path}");
            Assertions.BitsEqual(BitConverter.UInt32BitsToSingle(CostBits), (float)cost, $"E on {path}");

            new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = 1, LearningRate = 0.5f, Engine = TrainingEngine.PerSample }).Train(data, cancellationToken: TestContext.Current.CancellationToken);

            double[] expected2 = [0.35891648, 0.408666186, 0.511301270, 0.561370121];
            double[] expected1 = [0.149780716, 0.19956143, 0.24975114, 0.29950229];
            for (int i = 0; i < 4; i++)
            {
                Assertions.Within(expected2[i], network.Weights(2)[i], WeightTolerance, $"w{i + 5} on {path}");
                Assertions.Within(expected1[i], network.Weights(1)[i], WeightTolerance, $"w{i + 1} on {path}");
            }
        }
        finally
        {
            KernelDispatch.ResetOverride();
        }
    }
}
