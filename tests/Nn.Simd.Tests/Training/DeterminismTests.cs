using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

[Collection(SerialCollection.Name)]
public class DeterminismTests
{
    /// <summary>
    /// The hash of the final weights of <see cref="TrainReference"/>. The kernel contract makes it
    /// the same on every path and CPU, so every run of the ISA matrix (AVX2, SSE level, scalar,
    /// arm64 NEON, arm64 scalar) asserts this one value. It changes only when the algorithm, the
    /// initialisation or the data change, and then on every path at once.
    /// </summary>
    public const ulong ReferenceHash = 0x5B436587C9E121A2UL;

    /// <summary>The hash of <see cref="TrainReference"/> with the matrix-based mini-batch, the same on every path.</summary>
    public const ulong BatchedReferenceHash = 0x7E054534DEEC6819UL;

    /// <summary>Two epochs of [64,30,10] sigmoid/quadratic on the embedded digits, seed 7.</summary>
    internal static Network TrainReference(TrainingEngine engine)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 7);
        new Trainer(network, new TrainingOptions { Epochs = 2, MiniBatchSize = 10, LearningRate = 3f, Lambda = 0.5f, Seed = 7, Engine = engine }).Train(digits);
        return network;
    }

    [Fact]
    public void Training_gives_the_reference_weights_on_the_active_path()
    {
        ulong hash = TrainReference(TrainingEngine.PerSample).ComputeHash();
        TestContext.Current.SendDiagnosticMessage($"weights hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{ReferenceHash:X16}", $"0x{hash:X16}");
    }

    [Fact]
    public void Batched_training_gives_its_reference_weights_on_the_active_path()
    {
        ulong hash = TrainReference(TrainingEngine.Batched).ComputeHash();
        TestContext.Current.SendDiagnosticMessage($"batched weights hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{BatchedReferenceHash:X16}", $"0x{hash:X16}");
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Every_supported_path_trains_to_the_same_bits(TrainingEngine engine)
    {
        Assert.SkipWhen(KernelDispatch.SupportedPaths.Count < 2, KernelBodies.OnePathOnly);
        var hashes = new Dictionary<KernelPath, ulong>();
        try
        {
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                KernelDispatch.ForcePath(path);
                hashes[path] = TrainReference(engine).ComputeHash();
            }
        }
        finally
        {
            KernelDispatch.ResetOverride();
        }

        Assert.Single(hashes.Values.Distinct());
    }

    [Fact]
    public void The_same_seed_gives_the_same_network_and_another_seed_another()
    {
        var a = Network.Create([10, 7, 3], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 5);
        var b = Network.Create([10, 7, 3], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 5);
        var c = Network.Create([10, 7, 3], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 6);
        Assert.Equal(a.ComputeHash(), b.ComputeHash());
        Assert.NotEqual(a.ComputeHash(), c.ComputeHash());
    }
}
