using System.Diagnostics;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>Hyperparameters of mini-batch stochastic gradient descent.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (≥ 1). Default 30.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>
    /// Samples per gradient step, m (≥ 1). A value above the training set's size means the whole set,
    /// one step per epoch: buffers are sized by the samples a mini-batch can really hold, never by m
    /// alone. Default 10.
    /// </summary>
    public int MiniBatchSize { get; init; } = 10;

    /// <summary>The learning rate η (&gt; 0). Default 3.0.</summary>
    public float LearningRate { get; init; } = 3f;

    /// <summary>The L2 regularisation λ (≥ 0): weights decay by 1 − ηλ/n per step, n the training-set size. Default 0.</summary>
    public float Lambda { get; init; }

    /// <summary>Seeds the shuffle of every epoch. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Compute each mini-batch as matrices (one Gemm per product, every weight read once per
    /// mini-batch) instead of sample by sample. Both follow the same equations and give the same
    /// result to rounding; each is deterministic on every kernel path. Default false (the
    /// algorithm as written, sample by sample).
    /// </summary>
    public bool Batched { get; init; }

    /// <summary>
    /// Threads for the batched engine's matrix products (≥ 1; default 1, for latency). Work is split
    /// by output columns, each computed exactly as on one thread, so the weights are bit-identical
    /// for any thread count. Products and steps too small to gain from a second thread (under about
    /// 4M multiply-adds or 128K elements, e.g. everything at mini-batch 10) stay on the calling thread.
    /// The per-sample engine always runs on the calling thread.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Split every product and step over the threads, however small (tests: the split itself, on small networks).</summary>
    internal bool SplitSmallWork { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs is {Epochs}; at least 1 is needed.", nameof(Epochs));
        }

        if (MiniBatchSize < 1)
        {
            throw new ArgumentException($"MiniBatchSize is {MiniBatchSize}; it must be at least 1.", nameof(MiniBatchSize));
        }

        if (!(LearningRate > 0) || float.IsInfinity(LearningRate))
        {
            throw new ArgumentException($"LearningRate (η) is {LearningRate}; it must be a finite number > 0.", nameof(LearningRate));
        }

        if (!(Lambda >= 0) || float.IsInfinity(Lambda))
        {
            throw new ArgumentException($"Lambda (λ) is {Lambda}; it must be a finite number ≥ 0.", nameof(Lambda));
        }

        if (Threads < 1 || Threads > 1024)
        {
            throw new ArgumentException($"Threads is {Threads}; it must be between 1 and 1024.", nameof(Threads));
        }
    }
}

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingCost">Mean cost C over the epoch's samples, each measured by its own forward pass during training (no L2 term).</param>
/// <param name="TrainingAccuracy">Share of the epoch's samples classified right by that same forward pass.</param>
/// <param name="ValidationCost">Mean cost on the validation set after the epoch, if one was given.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set after the epoch, if one was given.</param>
/// <param name="Seconds">Wall time of the training part of the epoch (shuffle included, validation excluded).</param>
/// <param name="SamplesPerSecond">Training samples per second.</param>
public readonly record struct EpochReport(
    int Epoch, double TrainingCost, double TrainingAccuracy, double? ValidationCost, double? ValidationAccuracy, double Seconds, double SamplesPerSecond);

/// <summary>Thrown when a step makes the cost or the gradient non-finite; the network keeps the weights of its last good step.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="miniBatch">1-based mini-batch within the epoch.</param>
    /// <param name="lastFiniteCost">The mean cost of the last mini-batch that was finite, or NaN if none was.</param>
    public TrainingDivergedException(int epoch, int miniBatch, double lastFiniteCost)
        : base($"Training diverged in epoch {epoch}, mini-batch {miniBatch}: the cost or gradient became non-finite (last finite mini-batch cost: {lastFiniteCost:G6}). The network keeps the weights of its last good step; try a smaller learning rate.")
    {
        Epoch = epoch;
        MiniBatch = miniBatch;
        LastFiniteCost = lastFiniteCost;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based mini-batch within the epoch.</summary>
    public int MiniBatch { get; }

    /// <summary>The mean cost of the last finite mini-batch (NaN if none).</summary>
    public double LastFiniteCost { get; }
}

/// <summary>
/// Trains a <see cref="Network"/> by backpropagation and mini-batch gradient descent, exactly as the
/// four equations say: for each mini-batch, every sample's gradient is summed, then one step is
/// taken. After the first epoch (which sizes the buffers), an epoch allocates nothing. The same
/// seed and data give the same weights, bit for bit, on every kernel path and for any thread count.
/// Dispose it to stop the worker threads of <see cref="TrainingOptions.Threads"/> &gt; 1.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Backpropagation _backpropagation;
    private BatchedBackpropagation? _batched;
    private readonly Workers.WorkerPool? _pool;
    private readonly GradientStep _gradientStep;
    private readonly DeterministicRandom _random;
    private int[] _order = [];

    /// <summary>Creates a trainer for <paramref name="network"/>.</summary>
    /// <param name="network">The network to train (its parameters change in place).</param>
    /// <param name="options">The hyperparameters; checked here.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public Trainer(Network network, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Network = network;
        Options = options;
        _backpropagation = new Backpropagation(network);
        _pool = options.Batched && options.Threads > 1 ? new Workers.WorkerPool(options.Threads, options.SplitSmallWork) : null;
        _gradientStep = new GradientStep(_pool);
        _random = new DeterministicRandom(options.Seed);
    }

    /// <summary>The network being trained.</summary>
    public Network Network { get; }

    /// <summary>The hyperparameters.</summary>
    public TrainingOptions Options { get; }

    /// <summary>
    /// Called after every mini-batch with (mini-batches done, mini-batches in the epoch), e.g. for a
    /// progress bar. With the batched engine the network's first-layer weights are brought up to date
    /// when the epoch ends (normally or by an exception), not after every mini-batch: during an epoch
    /// the engine keeps them transposed.
    /// </summary>
    public Action<int, int>? MiniBatchCompleted { get; set; }

    /// <summary>Stops the worker threads, if any.</summary>
    public void Dispose() => _pool?.Dispose();

    /// <summary>Runs <see cref="TrainingOptions.Epochs"/> epochs.</summary>
    /// <param name="training">The training set.</param>
    /// <param name="validation">Evaluated after every epoch, if given.</param>
    /// <param name="progress">Receives each epoch's report.</param>
    /// <param name="cancellationToken">Checked between mini-batches; on cancellation the network keeps its last complete step.</param>
    /// <returns>One report per epoch.</returns>
    /// <exception cref="ArgumentException">A data set does not fit the network or is empty.</exception>
    /// <exception cref="TrainingDivergedException">The cost or gradient became non-finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<EpochReport> Train(Dataset training, Dataset? validation = null, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        var reports = new List<EpochReport>(Options.Epochs);
        for (int epoch = 1; epoch <= Options.Epochs; epoch++)
        {
            EpochReport report = TrainEpoch(training, validation, epoch, cancellationToken);
            reports.Add(report);
            progress?.Report(report);
        }

        return reports;
    }

    /// <summary>Runs one epoch: shuffle, then one gradient step per mini-batch, then validation.</summary>
    /// <param name="training">The training set.</param>
    /// <param name="validation">Evaluated after the epoch, if given.</param>
    /// <param name="epoch">The 1-based epoch number, for the report and error messages.</param>
    /// <param name="cancellationToken">Checked between mini-batches.</param>
    /// <returns>The epoch's report.</returns>
    /// <exception cref="ArgumentException">A data set does not fit the network or is empty.</exception>
    /// <exception cref="TrainingDivergedException">The cost or gradient became non-finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public EpochReport TrainEpoch(Dataset training, Dataset? validation, int epoch, CancellationToken cancellationToken = default)
    {
        CheckFits(training, nameof(training), allowEmpty: false);
        if (validation is not null)
        {
            CheckFits(validation, nameof(validation), allowEmpty: true);
        }

        long start = Stopwatch.GetTimestamp();
        KernelPath path = KernelDispatch.Active;
        int n = training.Count;
        if (_order.Length != n)
        {
            _order = new int[n];
            for (int i = 0; i < n; i++)
            {
                _order[i] = i;
            }
        }

        _random.Shuffle(_order);
        int m = Math.Min(Options.MiniBatchSize, n);
        int batches = ((n - 1) / m) + 1;
        SizeBatchedEngine(m);
        double costSum = 0, lastFiniteCost = double.NaN;
        int correct = 0;
        _batched?.BeginEpoch();
        try
        {
            for (int batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = batch * m;
                int size = Math.Min(m, n - first);
                (double batchCost, int batchCorrect, float[] gradient) = _batched is null
                    ? RunSamples(training, _order.AsSpan(first, size), path)
                    : RunBatch(training, _order.AsSpan(first, size), path);
                if (!double.IsFinite(batchCost) || !float.IsFinite(Kernel.Sum(gradient, path)))
                {
                    throw new TrainingDivergedException(epoch, batch + 1, lastFiniteCost);
                }

                lastFiniteCost = batchCost / size;
                costSum += batchCost;
                correct += batchCorrect;
                _gradientStep.Apply(Network, gradient, Options.LearningRate, Options.Lambda, n, size, path, _batched?.TransposedFirstLayer);
                _batched?.AfterStep();
                MiniBatchCompleted?.Invoke(batch + 1, batches);
            }
        }
        finally
        {
            _batched?.EndEpoch();
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double? validationCost = null, validationAccuracy = null;
        if (validation is { Count: > 0 })
        {
            (double cost, int right) = Measure(validation, path);
            validationCost = cost;
            validationAccuracy = (double)right / validation.Count;
        }

        return new EpochReport(epoch, costSum / n, (double)correct / n, validationCost, validationAccuracy, seconds, n / Math.Max(seconds, 1e-9));
    }

    /// <summary>One mini-batch sample by sample: the summed cost, the number classified right, the summed gradient.</summary>
    private (double Cost, int Correct, float[] Gradient) RunSamples(Dataset training, ReadOnlySpan<int> samples, KernelPath path)
    {
        _backpropagation.ClearGradient();
        float[] target = _backpropagation.Target;
        double cost = 0;
        int correct = 0;
        foreach (int sample in samples)
        {
            training.CopyTarget(sample, target);
            cost += _backpropagation.Accumulate(training.Input(sample), target, path);
            if (Network.ArgMax(_backpropagation.Output) == training.Label(sample))
            {
                correct++;
            }
        }

        return (cost, correct, _backpropagation.Gradient);
    }

    /// <summary>One mini-batch as matrices.</summary>
    private (double Cost, int Correct, float[] Gradient) RunBatch(Dataset training, ReadOnlySpan<int> samples, KernelPath path)
    {
        (double cost, int correct) = _batched!.Compute(training, samples, path);
        return (cost, correct, _batched.Gradient);
    }

    /// <summary>Mean cost and number classified right, reusing the trainer's buffers (no allocation).</summary>
    internal (double Cost, int Correct) Measure(Dataset data, KernelPath path)
    {
        double cost = 0;
        int correct = 0;
        float[] target = _backpropagation.Target;
        for (int i = 0; i < data.Count; i++)
        {
            _backpropagation.FeedForward(data.Input(i), path);
            data.CopyTarget(i, target);
            cost += CostFunctions.Evaluate(Network.Cost, _backpropagation.Output, target);
            if (Network.ArgMax(_backpropagation.Output) == data.Label(i))
            {
                correct++;
            }
        }

        return (data.Count == 0 ? double.NaN : cost / data.Count, correct);
    }

    /// <summary>The summed gradient of the given samples, as the options' engine computes it, for tests (gradient check).</summary>
    internal float[] GradientOf(Dataset data, ReadOnlySpan<int> samples)
    {
        SizeBatchedEngine(samples.Length);
        if (_batched is null)
        {
            return (float[])RunSamples(data, samples, KernelDispatch.Active).Gradient.Clone();
        }

        _batched.BeginEpoch();
        try
        {
            RunBatch(data, samples, KernelDispatch.Active);
            return _batched.GradientInParameterLayout();
        }
        finally
        {
            _batched.EndEpoch();
        }
    }

    /// <summary>A copy of the parameters as they stand now, also in the middle of a batched epoch (for tests).</summary>
    internal float[] CurrentParameters()
    {
        float[] parameters = Network.Parameters.ToArray();
        _batched?.CopyFirstLayerWeights(parameters);
        return parameters;
    }

    /// <summary>
    /// With the batched engine, makes its buffers hold mini-batches of <paramref name="samples"/>:
    /// created by the first epoch and grown only when a later one brings a larger data set, so that
    /// an epoch on the same data allocates nothing and m = <see cref="int.MaxValue"/> ("the whole
    /// set") costs what the set costs.
    /// </summary>
    private void SizeBatchedEngine(int samples)
    {
        if (Options.Batched && (_batched is null || _batched.Capacity < samples))
        {
            _batched = new BatchedBackpropagation(Network, samples, _pool);
        }
    }

    private void CheckFits(Dataset data, string name, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (!allowEmpty && data.Count == 0)
        {
            throw new ArgumentException($"The {name} set is empty.", name);
        }

        if (data.InputSize != Network.InputSize)
        {
            throw new ArgumentException($"The {name} set's inputs have {data.InputSize} values but the network {Network} takes {Network.InputSize}.", name);
        }

        if (data.TargetSize != Network.OutputSize)
        {
            throw new ArgumentException($"The {name} set's targets have {data.TargetSize} values (classes) but the network {Network} has {Network.OutputSize} outputs.", name);
        }
    }
}
