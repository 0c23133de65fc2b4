using CsCheck;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

[Collection(SerialCollection.Name)]
public class ThreadingTests
{
    private static ulong Train(int threads, out IReadOnlyList<EpochReport> reports)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 96, 48, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 9);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 2, MiniBatchSize = 32, LearningRate = 0.05f, Seed = 9, Engine = TrainingEngine.Batched, Threads = threads, SplitSmallWork = true });
        reports = trainer.Train(digits, cancellationToken: TestContext.Current.CancellationToken);
        return network.ComputeHash();
    }

    [Fact]
    public void The_weights_are_the_same_bits_for_any_thread_count()
    {
        ulong one = Train(1, out var reportsOne);
        Assert.Equal(one, Train(2, out var reportsTwo));
        Assert.Equal(one, Train(3, out _));
        Assert.Equal(reportsOne.Select(r => r.TrainingCost), reportsTwo.Select(r => r.TrainingCost));
    }

    /// <summary>
    /// For random networks (one to three layers, widths 1..160, every activation), data sets of
    /// 1..150 samples and mini-batches of 1..64 — so every layer form of the batched engine and every
    /// way of splitting the work meet — an epoch on 2 or 3 threads (small work split too) gives the
    /// same weights, bit for bit, as on one.
    /// </summary>
    [Fact]
    public void Any_network_and_mini_batch_train_the_same_bits_on_any_thread_count()
    {
        Gen<(NetworkShape Shape, int Count, int Batch, int Threads, int Seed)> cases =
            Gen.Select(Generators.Networks(maxWidth: 160, maxClasses: 12), Gen.Int[1, 150], Gen.Int[1, 64], Gen.Int[2, 3], Gen.Int[0, 1000]);
        cases.Sample(
            c =>
            {
                var random = new Random(c.Seed);
                int[] sizes = c.Shape.Sizes;
                int[] labels = [.. Enumerable.Range(0, c.Count).Select(_ => random.Next(sizes[^1]))];
                Dataset data = Dataset.FromLabels(TestData.Uniform(c.Count * sizes[0], c.Seed), sizes[0], labels, sizes[^1]);
                ulong Hash(int threads)
                {
                    Network network = c.Shape.Create(c.Seed);
                    var options = new TrainingOptions { Epochs = 1, MiniBatchSize = c.Batch, LearningRate = 0.1f, Lambda = 0.5f, Seed = c.Seed, Engine = TrainingEngine.Batched, Threads = threads, SplitSmallWork = true };
                    using var trainer = new Trainer(network, options);
                    try
                    {
                        trainer.Train(data, cancellationToken: TestContext.Current.CancellationToken);
                    }
                    catch (TrainingDivergedException)
                    {
                        // Diverging is allowed; it must happen at the same step, keeping the same weights, on any thread count.
                    }

                    return network.ComputeHash();
                }

                Assert.Equal(Hash(1), Hash(c.Threads));
            },
            iter: 60,
            threads: 1);
    }

    /// <summary>
    /// A real 2-thread batched epoch, after a warm-up epoch, allocates nothing on any of its threads:
    /// the training thread's own counter, and the pool worker's own counter, which a probe run on
    /// the same pool reads on that thread before and after the epoch (each part of a pool run goes
    /// to the same thread every time). The worker runs a part of every product, step, transpose and
    /// gather (small work split too). Per-thread counters, not the process-wide one: the test host's
    /// own threads allocate at any time; read inside a no-GC region (<see cref="AllocationMeter"/>).
    /// </summary>
    [Fact]
    public void A_threaded_epoch_allocates_nothing_on_any_thread()
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0, seed: 2);
        var network = Network.Create([64, 96, 48, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, seed: 2);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = 32, LearningRate = 0.5f, Engine = TrainingEngine.Batched, Threads = 2, SplitSmallWork = true });
        CancellationToken token = TestContext.Current.CancellationToken;
        trainer.TrainEpoch(split.Training, split.Validation, 1, token);
        Nn.Simd.Workers.WorkerPool pool = trainer.Pool ?? throw new InvalidOperationException("a 2-thread batched trainer has a worker pool");
        var counters = new ThreadCounters(pool.Threads);
        pool.Run(counters);
        pool.Run(counters);

        var before = new long[pool.Threads];
        long[] threads = AllocationMeter.MeasureThreads(() =>
        {
            pool.Run(counters);
            counters.Bytes.CopyTo(before, 0);
            trainer.TrainEpoch(split.Training, split.Validation, 2, token);
            pool.Run(counters);
            return [.. counters.Bytes.Select((bytes, part) => bytes - before[part])];
        });

        Assert.Equal(new long[pool.Threads], threads);
    }

    /// <summary>Reads each pool thread's allocation counter on that thread (part 0 is the caller's).</summary>
    private sealed class ThreadCounters(int threads) : Nn.Simd.Workers.IPartitionedWork
    {
        public long[] Bytes { get; } = new long[threads];

        public void Execute(int part, int parts) => Bytes[part] = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>
    /// The workers' side: each worker thread records its own allocation counter every time it
    /// runs a part, so the difference between two calls covers the pool's wait-and-signal loop and
    /// the part itself (a parallel Gemm). After warm-up it must be 0 on every worker.
    /// </summary>
    [Fact]
    public void Worker_threads_allocate_nothing_between_and_during_runs()
    {
        using var pool = new Nn.Simd.Workers.WorkerPool(3);
        var work = new MeteredGemm();
        for (int run = 0; run < 200; run++)
        {
            pool.Run(work);
        }

        Assert.Equal([0, 0, 0], work.MaxDeltaAfterWarmUp);
    }

    private sealed class MeteredGemm : Nn.Simd.Workers.IPartitionedWork
    {
        private readonly float[] _a = TestData.Uniform(32 * 48, 1);
        private readonly float[] _b = TestData.Uniform(48 * 96, 2);
        private readonly float[] _c = new float[32 * 96];
        private readonly long[] _last = new long[3];
        private readonly int[] _calls = new int[3];

        public long[] MaxDeltaAfterWarmUp { get; } = new long[3];

        public void Execute(int part, int parts)
        {
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (++_calls[part] > 10)
            {
                MaxDeltaAfterWarmUp[part] = Math.Max(MaxDeltaAfterWarmUp[part], now - _last[part]);
            }

            int first = 32 * part, count = 32;
            Nn.Simd.Kernels.Kernel.Gemm(new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(_a, 32, 48), false, new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(_b, first, 48, count, 96 - count), new CommunityToolkit.HighPerformance.Span2D<float>(_c, first, 32, count, 96 - count), false);
            _last[part] = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    [Fact]
    public void A_bad_thread_count_is_refused()
    {
        var network = Network.Create([2, 2], [Activation.Sigmoid], Cost.Quadratic);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Threads = 0 }));
        Assert.Contains("Threads is 0", e.Message, StringComparison.Ordinal);
    }
}
