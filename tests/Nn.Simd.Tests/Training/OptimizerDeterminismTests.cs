using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>
/// The cross-CPU promise for the adaptive optimizer and the per-step schedule: AdamW with a cosine
/// warm-up trains to one hash on every path of the ISA matrix, on one thread and two, and when the
/// run is checkpointed and resumed half-way. The NativeAOT sample trains the same run (.ci/run
/// compares every "adamw weights hash" line it sees).
/// </summary>
[Collection(SerialCollection.Name)]
public class OptimizerDeterminismTests
{
    /// <summary>The hash of <see cref="TrainReference"/>, the same on every path, thread count and CPU.</summary>
    public const ulong AdamWCosineReferenceHash = 0xB1BDF0B5D3937C95UL;

    /// <summary>Three epochs of [64,30,10] relu/softmax on the embedded digits, AdamW (λ 0.01), η 0.003 with one epoch of warm-up then cosine, mini-batch 16, seed 7; resumed from a checkpoint after <paramref name="resumeAfter"/> epochs unless 0.</summary>
    /// <param name="threads">Training threads.</param>
    /// <param name="resumeAfter">Epochs before the checkpoint and resume (0: none).</param>
    /// <param name="toolkit">Also standardise the inputs (fitted on the digits) and drop 0.2 of the hidden layer.</param>
    internal static Network TrainReference(int threads, int resumeAfter, bool toolkit = false)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 30, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 7);
        if (toolkit)
        {
            network.InputScaling = InputScaling.Fit(InputScalingKind.Standardize, digits.Inputs, digits.InputSize);
        }

        TrainingOptions Options(int epochs) => new()
        {
            Epochs = epochs,
            MiniBatchSize = 16,
            LearningRate = 0.003f,
            Optimizer = new AdamW(0.01f),
            Schedule = new CosineDecay(WarmupEpochs: 1, Epochs: 3),
            Dropout = toolkit ? [0.2f] : [],
            Seed = 7,
            Engine = TrainingEngine.Batched,
            Threads = threads,
            SplitSmallWork = true,
        };
        if (resumeAfter == 0)
        {
            using var trainer = new Trainer(network, Options(3));
            trainer.Train(digits);
            return network;
        }

        using var stream = new MemoryStream();
        using (var first = new Trainer(network, Options(resumeAfter)))
        {
            first.Train(digits);
            CheckpointFile.Write(first.CreateCheckpoint(), stream);
        }

        using var resumed = Trainer.Resume(CheckpointFile.Read(stream.ToArray(), "memory"), Options(3));
        resumed.Train(digits);
        return resumed.Network;
    }

    [Fact]
    public void AdamW_with_a_cosine_warm_up_gives_its_reference_weights_on_the_active_path()
    {
        ulong hash = TrainReference(threads: 1, resumeAfter: 0).ComputeHash();
        TestContext.Current.SendDiagnosticMessage($"adamw weights hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{AdamWCosineReferenceHash:X16}", $"0x{hash:X16}");
        Assert.Equal($"0x{AdamWCosineReferenceHash:X16}", $"0x{TrainReference(threads: 2, resumeAfter: 0).ComputeHash():X16}");
        Assert.Equal($"0x{AdamWCosineReferenceHash:X16}", $"0x{TrainReference(threads: 2, resumeAfter: 2).ComputeHash():X16}");
    }

    /// <summary>The hash of <see cref="TrainReference"/> with the whole toolkit (standardised inputs and dropout too), the same on every path, thread count and CPU.</summary>
    public const ulong ToolkitReferenceHash = 0x62552AF52F8AEFC6UL;

    [Fact]
    public void AdamW_cosine_dropout_and_standardisation_give_their_reference_weights_on_the_active_path()
    {
        ulong hash = TrainReference(threads: 1, resumeAfter: 0, toolkit: true).ComputeHash();
        TestContext.Current.SendDiagnosticMessage($"toolkit weights hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{ToolkitReferenceHash:X16}", $"0x{hash:X16}");
        Assert.Equal($"0x{ToolkitReferenceHash:X16}", $"0x{TrainReference(threads: 2, resumeAfter: 0, toolkit: true).ComputeHash():X16}");
        Assert.Equal($"0x{ToolkitReferenceHash:X16}", $"0x{TrainReference(threads: 2, resumeAfter: 2, toolkit: true).ComputeHash():X16}");
    }
}
