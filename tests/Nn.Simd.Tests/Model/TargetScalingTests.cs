using System.Buffers.Binary;
using System.Text;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Model;

/// <summary>Target scaling: the fit, the map back, the model file's TGSC section and its checks, and the regression figures.</summary>
public sealed class TargetScalingTests
{
    [Fact]
    public void The_fit_gives_the_population_mean_and_deviation_and_restore_inverts_standardize()
    {
        float[] targets = [1, 10, 3, 10, 5, 10, 7, 10];
        var scaling = TargetScaling.Fit(targets, 2);
        Assert.Equal([4f, 10f], scaling.Means.ToArray());
        Assert.Equal([(float)Math.Sqrt(5), 1f], scaling.Deviations.ToArray());
        float[] standardized = scaling.Standardize(targets);
        Assert.Equal(0f, standardized[1]);
        scaling.Restore(standardized);
        for (int i = 0; i < targets.Length; i++)
        {
            Assert.Equal(targets[i], standardized[i], 1e-5f);
        }
    }

    [Fact]
    public void The_model_file_carries_the_scaling_bit_for_bit()
    {
        var network = Network.Create([3, 5, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, seed: 3);
        network.TargetScaling = TargetScaling.Fit(TestData.Uniform(40, 9), 2);
        Network back = ModelFile.Read(Bytes(network), "m.nnm");
        Assertions.BitsEqual(network.TargetScaling.Means, back.TargetScaling!.Means, "means");
        Assertions.BitsEqual(network.TargetScaling.Deviations, back.TargetScaling.Deviations, "deviations");
        Assert.Same(network.TargetScaling, network.Clone().TargetScaling);
    }

    [Theory]
    [InlineData("count", "section 'TGSC': 3 targets in 20 bytes, for a network of 2 outputs")]
    [InlineData("deviation", "section 'TGSC': Target 1 has mean")]
    public void The_reader_refuses_a_section_that_does_not_fit(string corruption, string reason)
    {
        var network = Network.Create([3, 5, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, seed: 3);
        network.TargetScaling = TargetScaling.Create([1, 2], [3, 4]);
        byte[] bytes = Bytes(network);
        int payload = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes("TGSC")) + ModelSections.EntryHeaderLength;
        if (corruption == "count")
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(payload), 3);
        }
        else
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(payload + 4 + 8 + 4), -1f);
        }

        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(bytes, "m.nnm"));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_figures_follow_their_textbook_definitions_in_original_units()
    {
        // One input, one identity layer with weight 1 and bias 0: the output is the input, then ·σ + μ.
        var network = Network.Create([1, 1], Activation.Identity, Activation.Identity, Cost.Quadratic, seed: 1);
        network.Weights(1)[0] = 1;
        network.Biases(1)[0] = 0;
        network.TargetScaling = TargetScaling.Create([10], [2]);
        float[] inputs = [0, 1, -1, 0.5f];
        float[] targets = [10, 13, 8, 10];   // predictions 10, 12, 8, 11: errors 0, −1, 0, 1
        var result = RegressionEvaluation.Of(network, Dataset.FromTargets(inputs, 1, targets, 1));
        Assert.Equal(Math.Sqrt(0.5), result.RootMeanSquaredError[0], 12);
        Assert.Equal(0.5, result.MeanAbsoluteError[0], 12);
        Assert.Equal(1 - (2 / 12.75), result.RSquared[0], 12);   // mean 10.25: Σ(y − ȳ)² = 0.0625 + 7.5625 + 5.0625 + 0.0625 = 12.75
        Assert.Equal(result.RSquared[0], result.MeanRSquared);
    }

    private static byte[] Bytes(Network network)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        return stream.ToArray();
    }
}
