using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Tests.Oracles;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

public class GradientCheckTests
{
    private static readonly (Activation Output, Cost Cost)[] OutputCosts =
    [
        (Activation.Sigmoid, Cost.Quadratic), (Activation.Tanh, Cost.Quadratic), (Activation.Relu, Cost.Quadratic),
        (Activation.Identity, Cost.Quadratic), (Activation.Sigmoid, Cost.CrossEntropy), (Activation.Softmax, Cost.LogLikelihood),
    ];

    private static readonly Activation[] Hidden = [Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.Identity];

    public static TheoryData<int[], Activation, Activation, Cost, TrainingEngine> Combinations()
    {
        var data = new TheoryData<int[], Activation, Activation, Cost, TrainingEngine>();
        foreach (TrainingEngine engine in new[] { TrainingEngine.PerSample, TrainingEngine.Batched })
        {
            foreach (int[] sizes in new[] { new[] { 5, 4, 3 }, [4, 6, 5, 3] })
            {
                foreach (Activation hidden in Hidden)
                {
                    foreach ((Activation output, Cost cost) in OutputCosts)
                    {
                        data.Add(sizes, hidden, output, cost, engine);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>
    /// Backpropagation's gradient against central differences of the double-precision cost,
    /// g ≈ (C(w + h) − C(w − h)) / 2h with h = 1e-4, for every parameter. The differences are good
    /// to h²·|C‴|/6 ≲ 1e-8 plus 1e-16/h = 1e-12 of rounding. The engine works in float32: every
    /// quantity here is O(1) (inputs in [−1, 1], weights N(0, 1/n_in)), each layer's kernels add at
    /// most ~16u of relative error (a ≤ 6-term dot: ≤ 7 roundings; σ: ≤ 6u; σ′: ≤ 13u; the
    /// Hadamard product: 1), and ≤ 3 layers amplify it by at most ‖W‖·max σ′ ≤ √6 each, so the
    /// error stays below 3·16u·15 ≈ 720u ≈ 4.3e-5 of the gradient's largest entry. That bound is
    /// absolute (a small entry carries the rounding of the large terms it is summed from), so the
    /// tolerance has no term relative to |g_i|: 1e-4·‖g‖∞, a margin of 2 on it, plus 1e-7, ten times
    /// the differences' own error. A wrong equation (a missing σ′, a transposed W, a wrong sign) is
    /// off by O(‖g‖∞). The same bound holds for the matrix-based mini-batch (<see cref="TrainingEngine.Batched"/>),
    /// whose forward sums round differently.
    /// </summary>
    [Theory]
    [MemberData(nameof(Combinations))]
    public void Backpropagation_matches_central_differences(int[] sizes, Activation hidden, Activation output, Cost cost, TrainingEngine engine)
    {
        var network = Network.Create(sizes, hidden, output, cost, Initialization.ScaledGaussian, seed: 42);
        const int samples = 3;
        float[] inputs = TestData.Uniform(samples * sizes[0], 7);
        Dataset data;
        if (cost == Cost.LogLikelihood)
        {
            data = Dataset.FromLabels(inputs, sizes[0], [0, 2, 1], sizes[^1]);
        }
        else
        {
            float[] targets = TestData.Uniform(samples * sizes[^1], 8).Select(v => 0.5f + (0.45f * v)).ToArray();
            data = Dataset.FromTargets(inputs, sizes[0], targets, sizes[^1]);
        }

        float[] gradient = new Trainer(network, new TrainingOptions { MiniBatchSize = 3, Engine = engine }).GradientOf(data, [0, 1, 2]);

        double[] parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        var numeric = new double[parameters.Length];
        const double h = 1e-4;
        for (int p = 0; p < parameters.Length; p++)
        {
            double saved = parameters[p];
            parameters[p] = saved + h;
            double plus = TotalCost(network, parameters, data);
            parameters[p] = saved - h;
            double minus = TotalCost(network, parameters, data);
            parameters[p] = saved;
            numeric[p] = (plus - minus) / (2 * h);
        }

        double largest = numeric.Max(Math.Abs);
        Assert.True(largest > 1e-4, $"the check needs a non-trivial gradient (largest entry {largest})");
        for (int p = 0; p < parameters.Length; p++)
        {
            double bound = (1e-4 * largest) + 1e-7;
            Assertions.Within(numeric[p], gradient[p], bound, $"∂C/∂parameter[{p}] for [{string.Join(',', sizes)}] {hidden}/{output}/{cost}{(engine == TrainingEngine.Batched ? " batched" : string.Empty)} on {KernelDispatch.Active}");
        }
    }

    private static double TotalCost(Network network, double[] parameters, Dataset data)
    {
        double total = 0;
        var target = new float[data.TargetSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.CopyTarget(i, target);
            total += DoubleNetwork.Cost(network, parameters, data.Input(i), target);
        }

        return total;
    }
}
