using System.Buffers.Binary;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.IO;

/// <summary>Checkpoints: a resumed run gives the uninterrupted run's bits; the file is checked as strictly as a model file.</summary>
[Collection(SerialCollection.Name)]
public sealed class CheckpointFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-checkpoint-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, TrainingEngine, int> Runs()
    {
        var data = new TheoryData<string, TrainingEngine, int>();
        foreach (TrainingEngine engine in new[] { TrainingEngine.PerSample, TrainingEngine.Batched })
        {
            data.Add("sgd", engine, 1);
            data.Add("adamw-cosine", engine, 1);
            data.Add("nesterov-plateau-stopping", engine, 1);
        }

        data.Add("adamw-cosine", TrainingEngine.Batched, 2);
        return data;
    }

    private static TrainingOptions Options(string run, TrainingEngine engine, int threads, int epochs) => run switch
    {
        "sgd" => new() { Epochs = epochs, MiniBatchSize = 10, LearningRate = 0.5f, Lambda = 0.5f, Seed = 3, Engine = engine, Threads = threads, SplitSmallWork = true },
        "adamw-cosine" => new()
        {
            Epochs = epochs,
            MiniBatchSize = 32,
            LearningRate = 0.003f,
            Optimizer = new AdamW(1e-4f),
            Schedule = new CosineDecay(1, Epochs: 6),
            Seed = 3,
            Engine = engine,
            Threads = threads,
            SplitSmallWork = true,
        },
        _ => new()
        {
            Epochs = epochs,
            MiniBatchSize = 25,
            LearningRate = 0.05f,
            Optimizer = new Nesterov(),
            Schedule = new ReduceOnPlateau(0.5f, 0),
            EarlyStopping = new EarlyStopping(2, Metric: StoppingMetric.Accuracy),
            Seed = 3,
            Engine = engine,
            Threads = threads,
            SplitSmallWork = true,
        },
    };

    private static byte[] ModelBytes(Network network)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        return stream.ToArray();
    }

    /// <summary>Six epochs at once, and three, a checkpoint through a file, then a resume to six: the same model file, byte for byte.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void Three_epochs_then_a_resume_to_six_give_the_six_epoch_model(string run, TrainingEngine engine, int threads)
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 2);
        CancellationToken token = TestContext.Current.CancellationToken;
        Network Fresh() => Network.Create([64, 24, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 3);

        Network whole = Fresh();
        using (var trainer = new Trainer(whole, Options(run, engine, threads, 6)))
        {
            trainer.Train(split.Training, split.Validation, cancellationToken: token);
        }

        string path = Path.Combine(_folder, "run.nnc");
        using (var first = new Trainer(Fresh(), Options(run, engine, threads, 3)))
        {
            for (int epoch = 1; epoch <= 3 && first.StopReason == TrainingStopReason.None; epoch++)
            {
                first.TrainEpoch(split.Training, split.Validation, epoch, token);
                CheckpointFile.Save(first.CreateCheckpoint(), path, overwrite: true);
            }
        }

        TrainingCheckpoint checkpoint = CheckpointFile.Load(path);
        using var resumed = Trainer.Resume(checkpoint, Options(run, engine, threads, 6));
        resumed.Train(split.Training, split.Validation, cancellationToken: token);

        Assert.True(resumed.EpochsCompleted > 3 || resumed.StopReason == TrainingStopReason.EarlyStopping);
        Assert.Equal(ModelBytes(whole), ModelBytes(resumed.Network));
    }

    [Fact]
    public void A_checkpoint_reads_back_to_the_same_bytes()
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 2);
        var network = Network.Create([64, 12, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        using var trainer = new Trainer(network, Options("nesterov-plateau-stopping", TrainingEngine.Batched, 1, 4));
        trainer.TrainEpoch(split.Training, split.Validation, 1, TestContext.Current.CancellationToken);
        byte[] bytes = Bytes(trainer.CreateCheckpoint());

        TrainingCheckpoint read = CheckpointFile.Read(bytes, "memory");
        Assert.Equal(bytes, Bytes(read));
        Assert.Equal(1, read.Epoch);
        Assert.Equal(1, read.BestEpoch);
        Assert.Equal(split.Training.Count, read.TrainingCount);
        Assert.Equal(trainer.StepsCompleted, read.Step);
    }

    [Fact]
    public void A_resume_with_other_options_or_data_is_refused_naming_the_difference()
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 2);
        var network = Network.Create([64, 12, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        using var trainer = new Trainer(network, Options("adamw-cosine", TrainingEngine.Batched, 1, 2));
        trainer.TrainEpoch(split.Training, split.Validation, 1, TestContext.Current.CancellationToken);
        TrainingCheckpoint checkpoint = trainer.CreateCheckpoint();

        var e = Assert.Throws<ArgumentException>(() => Trainer.Resume(checkpoint, Options("adamw-cosine", TrainingEngine.Batched, 1, 6) with { MiniBatchSize = 33 }));
        Assert.Contains("mini-batch 32", e.Message, StringComparison.Ordinal);
        Assert.Contains("mini-batch 33", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Trainer.Resume(checkpoint, Options("adamw-cosine", TrainingEngine.Batched, 1, 6) with { Optimizer = new AdamW(1e-3f) }));
        Assert.Contains("WeightDecay = 0.001", e.Message, StringComparison.Ordinal);

        using var resumed = Trainer.Resume(checkpoint, Options("adamw-cosine", TrainingEngine.Batched, 2, 6));
        e = Assert.Throws<ArgumentException>(() => resumed.Train(split.Validation, split.Training, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains($"{split.Training.Count} samples", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_checkpoints_are_refused_with_one_line_each()
    {
        var network = Network.Create([64, 12, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        using var trainer = new Trainer(network, new TrainingOptions { Optimizer = new Adam() });
        byte[] good = Bytes(trainer.CreateCheckpoint());

        void Refused(byte[] bytes, string expected)
        {
            string path = Path.Combine(_folder, "bad.nnc");
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);
        }

        byte[] Changed(Action<byte[]> change)
        {
            byte[] copy = (byte[])good.Clone();
            change(copy);
            return copy;
        }

        Refused(good[..100], "truncated: 100 bytes");
        Refused(good[..^1], "truncated");
        Refused([.. good, 0], "more");
        Refused(Changed(b => b[0] = (byte)'X'), "bad magic");
        Refused(Changed(b => b[8] = 2), "unknown checkpoint version 2");
        Refused(Changed(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), 1 << 20)), "run key's length");
        Refused(Changed(b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(16), 1L << 40)), "model's length");
        Refused(Changed(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(32), 3)), "3 optimizer state arrays");
        Refused(Changed(b => b[^20] ^= 1), "checksum mismatch");
        Refused(Changed(b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(24), 100)), "sizes do not add up");

        // Found by fuzzing: a parameter count whose 4·P wraps around to a small number.
        Refused(Changed(b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(24), 0x200000000000000CL)), "does not fit a model");
    }

    private static byte[] Bytes(TrainingCheckpoint checkpoint)
    {
        using var stream = new MemoryStream();
        CheckpointFile.Write(checkpoint, stream);
        return stream.ToArray();
    }
}
