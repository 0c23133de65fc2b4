using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>
/// Sharded mini-batches shared by N ranks (threads with <see cref="InProcessCommunicator"/>): the
/// weights are the same bits for every N and the same as one process with the same shard count.
/// </summary>
[Collection(SerialCollection.Name)]
public class ShardedTrainingTests
{
    private static Dataset Digits(int count) => Datasets.Digits().Subset([.. Enumerable.Range(0, count)]);

    private static Network Create() => Network.Create([64, 40, 24, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 5);

    private static TrainingOptions Options(TrainingEngine engine, int batch, int shards, int threads = 1) =>
        new() { Epochs = 2, MiniBatchSize = batch, LearningRate = 0.05f, Lambda = 0.3f, Seed = 5, Engine = engine, Shards = shards, Threads = threads, SplitSmallWork = threads > 1 };

    /// <summary>Trains one network per rank on its own thread; returns each rank's weights hash and epoch reports.</summary>
    internal static (ulong[] Hashes, IReadOnlyList<EpochReport>[] Reports) TrainRanks(int ranks, TrainingOptions options, Dataset data, Func<Network> create, bool sharesMemory = true) =>
        TrainRanks(ranks, data, (_, world) => new Trainer(create(), options, world), sharesMemory: sharesMemory);

    /// <summary>Runs the trainer <paramref name="start"/> makes for each rank on its own thread; <paramref name="finished"/> sees each rank's trainer after training.</summary>
    internal static (ulong[] Hashes, IReadOnlyList<EpochReport>[] Reports) TrainRanks(int ranks, Dataset data, Func<int, ICommunicator, Trainer> start, Action<int, Trainer>? finished = null, bool sharesMemory = true)
    {
        InProcessCommunicator[] world = InProcessCommunicator.Create(ranks, sharesMemory);
        var hashes = new ulong[ranks];
        var reports = new IReadOnlyList<EpochReport>[ranks];
        var errors = new Exception?[ranks];
        Thread[] threads = [.. Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            try
            {
                using Trainer trainer = start(r, world[r]);
                reports[r] = trainer.Train(data);
                hashes[r] = trainer.Network.ComputeHash();
                finished?.Invoke(r, trainer);
            }
            catch (Exception e)
            {
                errors[r] = e;
                world[r].Abort(1);
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Exception? error = errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null);
        if (error is not null)
        {
            throw new AggregateException(error);
        }

        return (hashes, reports);
    }

    private static (ulong Hash, IReadOnlyList<EpochReport> Reports) TrainAlone(TrainingOptions options, Dataset data)
    {
        Network network = Create();
        using var trainer = new Trainer(network, options);
        IReadOnlyList<EpochReport> reports = trainer.Train(data);
        return (network.ComputeHash(), reports);
    }

    /// <summary>
    /// Mini-batch 30 into 8 shards (of 3 and 4 samples), mini-batch 5 into 8 (three shards empty),
    /// the last mini-batch of each epoch shorter; 1, 2, 3, 5 and 8 ranks, on both engines, combined
    /// in shared memory (one machine) and with the collectives (several).
    /// </summary>
    [Theory]
    [InlineData(TrainingEngine.Batched, 30)]
    [InlineData(TrainingEngine.Batched, 5)]
    [InlineData(TrainingEngine.PerSample, 30)]
    public void Any_number_of_ranks_trains_the_bits_of_one_process_with_the_same_shards(TrainingEngine engine, int batch)
    {
        Dataset digits = Digits(600);
        TrainingOptions options = Options(engine, batch, shards: 8);
        (ulong alone, IReadOnlyList<EpochReport> aloneReports) = TrainAlone(options, digits);
        foreach ((int ranks, bool sharesMemory) in new[] { 1, 2, 3, 5, 8 }.SelectMany(ranks => new[] { (ranks, true), (ranks, false) }))
        {
            (ulong[] hashes, IReadOnlyList<EpochReport>[] reports) = TrainRanks(ranks, options, digits, Create, sharesMemory);
            for (int r = 0; r < ranks; r++)
            {
                Assert.Equal($"0x{alone:X16}", $"0x{hashes[r]:X16}");
                Assert.Equal(aloneReports.Select(e => e.TrainingCost), reports[r].Select(e => e.TrainingCost));
                Assert.Equal(aloneReports.Select(e => e.TrainingAccuracy), reports[r].Select(e => e.TrainingAccuracy));
            }
        }
    }

    [Fact]
    public void Threads_within_each_rank_change_nothing()
    {
        Dataset digits = Digits(400);
        ulong alone = TrainAlone(Options(TrainingEngine.Batched, 32, shards: 4), digits).Hash;
        (ulong[] hashes, _) = TrainRanks(2, Options(TrainingEngine.Batched, 32, shards: 4, threads: 2), digits, Create);
        Assert.All(hashes, hash => Assert.Equal(alone, hash));
    }

    /// <summary>The shards really are summed as shards: one shard is the plain engine, eight shards are not (the tree changes the rounding).</summary>
    [Fact]
    public void One_shard_is_the_unsharded_engine_and_more_shards_round_differently()
    {
        Dataset digits = Digits(400);
        ulong plain = TrainAlone(Options(TrainingEngine.Batched, 32, shards: 0), digits).Hash;
        Assert.Equal(plain, TrainAlone(Options(TrainingEngine.Batched, 32, shards: 1), digits).Hash);
        Assert.NotEqual(plain, TrainAlone(Options(TrainingEngine.Batched, 32, shards: 8), digits).Hash);
    }

    [Fact]
    public void More_ranks_than_shards_are_refused()
    {
        Dataset digits = Digits(100);
        var e = Assert.Throws<AggregateException>(() => TrainRanks(3, Options(TrainingEngine.Batched, 10, shards: 2), digits, Create));
        Assert.Contains("3 processes share 2 shards", e.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_communicator_without_shards_is_refused()
    {
        InProcessCommunicator[] world = InProcessCommunicator.Create(1);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Create(), Options(TrainingEngine.Batched, 10, shards: 0), world[0]));
        Assert.Contains("Shards", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// After a warm-up epoch, a sharded epoch allocates nothing on any rank's thread: the shard
    /// buffers, the exchange buffers and the in-process world's staging buffers are sized once.
    /// Each rank reads its own counter around its epoch; the epochs run inside one no-GC region
    /// (<see cref="AllocationMeter"/>), which the test's thread opens between the ranks' epochs.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_sharded_epoch_allocates_nothing_on_any_rank(bool sharesMemory, bool optimizerState)
    {
        const int Ranks = 3;
        Dataset digits = Digits(300);
        InProcessCommunicator[] world = InProcessCommunicator.Create(Ranks, sharesMemory);
        TrainingOptions options = Options(TrainingEngine.Batched, 25, shards: 8);
        options = optimizerState ? options with { Lambda = 0f, Optimizer = new AdamW() } : options;
        var allocated = new long[Ranks];
        var errors = new Exception?[Ranks];
        SemaphoreSlim[] go = [.. Enumerable.Range(0, Ranks).Select(_ => new SemaphoreSlim(0))];
        using var done = new SemaphoreSlim(0);
        int epoch = 1;
        bool stop = false;
        Thread[] threads = [.. Enumerable.Range(0, Ranks).Select(r => new Thread(() =>
        {
            try
            {
                using var trainer = new Trainer(Create(), options, world[r]);
                trainer.TrainEpoch(digits, null, 1);
                while (true)
                {
                    done.Release();
                    go[r].Wait();
                    if (Volatile.Read(ref stop))
                    {
                        return;
                    }

                    long before = GC.GetAllocatedBytesForCurrentThread();
                    trainer.TrainEpoch(digits, null, Volatile.Read(ref epoch));
                    allocated[r] = GC.GetAllocatedBytesForCurrentThread() - before;
                }
            }
            catch (Exception e)
            {
                errors[r] = e;
                world[r].Abort(1);
                done.Release(Ranks);
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        void AwaitRanks()
        {
            for (int r = 0; r < Ranks; r++)
            {
                done.Wait(TestContext.Current.CancellationToken);
            }

            Assert.All(errors, Assert.Null);
        }

        try
        {
            AwaitRanks();
            long[] measured = AllocationMeter.MeasureThreads(() =>
            {
                epoch++;
                foreach (SemaphoreSlim start in go)
                {
                    start.Release();
                }

                AwaitRanks();
                return [.. allocated];
            });
            Assert.Equal(new long[Ranks], measured);
        }
        finally
        {
            Volatile.Write(ref stop, true);
            foreach (SemaphoreSlim start in go)
            {
                start.Release();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            foreach (SemaphoreSlim start in go)
            {
                start.Dispose();
            }
        }
    }

    /// <summary>
    /// A checkpoint written by rank 0 of two after one epoch resumes over three ranks to the bits of
    /// one process that never stopped: the shards, not the processes, decide the bits, and the
    /// checkpoint holds everything else (optimizer state, which each rank steps only in its slice of
    /// the parameters and the ranks share after every epoch; shuffle, schedule).
    /// </summary>
    [Theory]
    [InlineData(TrainingEngine.Batched, true)]
    [InlineData(TrainingEngine.Batched, false)]
    [InlineData(TrainingEngine.PerSample, true)]
    public void A_checkpoint_resumes_over_another_number_of_ranks_with_the_bits_of_one_uninterrupted_process(TrainingEngine engine, bool sharesMemory)
    {
        Dataset digits = Digits(600);
        TrainingOptions options = Options(engine, 30, shards: 6) with { Lambda = 0f, LearningRate = 0.003f, Optimizer = new AdamW(0.01f) };
        ulong alone = TrainAlone(options, digits).Hash;
        byte[] checkpoint = [];
        TrainRanks(2, digits, (_, world) => new Trainer(Create(), options with { Epochs = 1 }, world), (rank, trainer) =>
        {
            if (rank == 0)
            {
                using var stream = new MemoryStream();
                CheckpointFile.Write(trainer.CreateCheckpoint(), stream);
                checkpoint = stream.ToArray();
            }
        }, sharesMemory);
        (ulong[] resumed, _) = TrainRanks(3, digits, (_, world) => Trainer.Resume(CheckpointFile.Read(checkpoint, "memory"), options, world), sharesMemory: sharesMemory);
        Assert.All(resumed, hash => Assert.Equal($"0x{alone:X16}", $"0x{hash:X16}"));
    }

    /// <summary>
    /// Each rank checks only its slice of the gradient, and the ranks share the verdict: a gradient
    /// that overflows in one weight, with every cost still finite, stops every rank at the
    /// mini-batch where one process stops, its weights those of the last good step. The weight is
    /// w₆₃ = 10⁻³, in the last rank's slice, and one sample's input x₆₃ = 10²¹: its error
    /// a − y ≈ 10¹⁸ squares to a cost of 5·10³⁵, but its gradient (a − y)·x₆₃ ≈ 10³⁹ exceeds float.
    /// </summary>
    [Theory]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(3, false)]
    public void A_gradient_that_overflows_in_one_slice_stops_every_rank_where_one_process_stops(int ranks, bool sharesMemory)
    {
        Dataset digits = Digits(100);
        float[] inputs = digits.Inputs.ToArray();
        inputs[(37 * 64) + 63] = 1e21f;
        var data = Dataset.FromTargets(inputs, 64, [.. Enumerable.Range(0, 100).Select(i => (float)digits.Label(i))], 1);
        static Network Linear()
        {
            var network = Network.Create([64, 1], [Activation.Identity], Cost.Quadratic, Initialization.Gaussian, seed: 1);
            network.Parameters[63] = 1e-3f;
            return network;
        }

        var options = new TrainingOptions { Epochs = 2, MiniBatchSize = 10, LearningRate = 1e-3f, Seed = 5, Shards = 4 };

        Network alone = Linear();
        int stopAt;
        using (var trainer = new Trainer(alone, options))
        {
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train(data, cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(1, e.Epoch);
            stopAt = e.MiniBatch;
        }

        InProcessCommunicator[] world = InProcessCommunicator.Create(ranks, sharesMemory);
        var stops = new TrainingDivergedException?[ranks];
        var networks = new Network[ranks];
        Thread[] threads = [.. Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            networks[r] = Linear();
            using var trainer = new Trainer(networks[r], options, world[r]);
            try
            {
                trainer.Train(data);
            }
            catch (TrainingDivergedException e)
            {
                stops[r] = e;
            }
            catch (OperationCanceledException)
            {
                // Freed by the abort below: it did not stop where another rank did (stops[r] stays null).
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        // A rank that stopped alone would leave the others waiting for it: free them, and fail.
        bool together = threads.All(thread => thread.Join(TimeSpan.FromSeconds(10)));
        if (!together)
        {
            world[0].Abort(1);
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }

        Assert.True(together, "a rank stopped alone and left the others waiting");
        Assert.All(stops, e => Assert.Equal((1, stopAt), (e!.Epoch, e.MiniBatch)));
        Assert.All(networks, n => Assert.Equal($"0x{alone.ComputeHash():X16}", $"0x{n.ComputeHash():X16}"));
    }
}
