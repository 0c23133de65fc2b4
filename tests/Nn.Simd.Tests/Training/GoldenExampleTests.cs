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
            Assert.Equal(0.298371109, Evaluation.Of(network, data).Cost, 8);

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
