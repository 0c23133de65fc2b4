using System.Diagnostics;
using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingCost">Mean cost C over the epoch's samples, each measured by its own forward pass during training (no L2 term).</param>
/// <param name="TrainingAccuracy">Share of the epoch's samples classified right by that same forward pass.</param>
/// <param name="ValidationCost">Mean cost on the validation set after the epoch, if one was given.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set after the epoch, if one was given.</param>
/// <param name="Seconds">Wall time of the training part of the epoch (shuffle included, validation excluded).</param>
/// <param name="SamplesPerSecond">Training samples per second.</param>
public readonly record struct EpochReport(
    int Epoch, double TrainingCost, double TrainingAccuracy, double? ValidationCost, double? ValidationAccuracy, double Seconds, double SamplesPerSecond)
{
    /// <summary>The learning rate of the epoch's last step, as the schedule gave it.</summary>
    public float LearningRate { get; init; }

    /// <summary>With early stopping: whether this epoch is the best so far (the one whose parameters are restored unless a later one beats it).</summary>
    public bool IsBest { get; init; }
}

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
/// A network trains on one thread at a time: a <see cref="Train"/> or <see cref="TrainEpoch"/> call
/// while another one (of this or any trainer) trains the same network is refused. Predicting with
/// the network while it trains reads weights that are being stepped (and, with the batched engine,
/// the first layer's weights as they were when the epoch began): predict between epochs, or on a
/// <see cref="Predictor"/> or <see cref="Network.Clone"/> copy. Dispose it to stop the worker threads of <see cref="TrainingOptions.Threads"/> &gt; 1.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private readonly ICommunicator? _communicator;
    private IMiniBatchEngine? _engine;
    private GradientStep? _gradientStep;
    private OptimizerStep? _optimizerStep;
    private readonly DeterministicRandom _random;
    private readonly float[] _output;
    private readonly float[] _target;
    private int[] _order = [];
    private (Dataset Raw, InputScaling Scaling, Dataset Scaled)? _scaledTraining;

    /// <summary>Creates a trainer for <paramref name="network"/>.</summary>
    /// <param name="network">The network to train (its parameters change in place).</param>
    /// <param name="options">The hyperparameters; checked here.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public Trainer(Network network, TrainingOptions options)
        : this(network, options, null)
    {
    }

    /// <summary>
    /// Creates a trainer for one of the processes of a data-parallel training: every process
    /// trains its own copy of the same network on the same data with the same options, computes
    /// the shards of each mini-batch it owns (of <see cref="TrainingOptions.Shards"/>, which must be
    /// at least the number of processes), and all end every step with the same weights, the same
    /// bits as one process training with the same shard count.
    /// </summary>
    /// <param name="network">This process's copy of the network.</param>
    /// <param name="options">The hyperparameters, the same on every process; <see cref="TrainingOptions.Shards"/> ≥ 1 when <paramref name="communicator"/> is given.</param>
    /// <param name="communicator">The processes, or null for this process alone. The trainer does not dispose it.</param>
    /// <exception cref="ArgumentException">An option is out of range, or a communicator is given without shards.</exception>
    public Trainer(Network network, TrainingOptions options, ICommunicator? communicator)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        HiddenDropout.Check(network, options);
        if (communicator is not null && options.Shards == 0)
        {
            throw new ArgumentException("Training over several processes needs TrainingOptions.Shards ≥ the number of processes: the shards are what the processes share.", nameof(options));
        }

        _communicator = communicator;
        Network = network;
        Options = options;
        _random = new DeterministicRandom(options.Seed);
        _output = new float[network.OutputSize];
        _target = new float[network.OutputSize];
        _plateau = options.Schedule is ReduceOnPlateau plateau ? plateau.Start(options.LearningRate) : default;
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
    public void Dispose() => _engine?.Dispose();

    /// <summary>
    /// Runs the epochs after <see cref="EpochsCompleted"/> up to <see cref="TrainingOptions.Epochs"/>
    /// (all of them on a new trainer; the rest of the run on a <see cref="Resume(TrainingCheckpoint, TrainingOptions)"/>d one), or until
    /// <see cref="TrainingOptions.EarlyStopping"/> stops the run; then, with early stopping, the
    /// network gets the parameters of its best epoch back (<see cref="BestEpoch"/>, <see cref="StopReason"/>).
    /// </summary>
    /// <param name="training">The training set.</param>
    /// <param name="validation">Evaluated after every epoch, if given; required by early stopping and <see cref="ReduceOnPlateau"/>.</param>
    /// <param name="progress">Receives each epoch's report.</param>
    /// <param name="cancellationToken">Checked between mini-batches; on cancellation the network keeps its last complete step.</param>
    /// <returns>One report per epoch.</returns>
    /// <exception cref="ArgumentException">A data set does not fit the network or is empty.</exception>
    /// <exception cref="InvalidOperationException">The network is being trained already, by another call on any thread.</exception>
    /// <exception cref="TrainingDivergedException">The cost or gradient became non-finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<EpochReport> Train(Dataset training, Dataset? validation = null, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        BeginTraining();
        try
        {
            var reports = new List<EpochReport>(Options.Epochs);
            for (int epoch = EpochsCompleted + 1; epoch <= Options.Epochs && StopReason != TrainingStopReason.EarlyStopping; epoch++)
            {
                EpochReport report = RunEpoch(training, validation, epoch, cancellationToken);
                reports.Add(report);
                progress?.Report(report);
            }

            if (StopReason == TrainingStopReason.None)
            {
                StopReason = TrainingStopReason.EpochLimit;
            }

            CopyBestParameters();
            return reports;
        }
        finally
        {
            Network.EndTraining();
        }
    }

    /// <summary>
    /// Runs one epoch: shuffle, then one step per mini-batch, then validation (and the early-stopping
    /// and plateau bookkeeping, which may set <see cref="StopReason"/>; the caller that drives epochs
    /// one by one then stops and calls <see cref="RestoreBestEpoch"/>).
    /// </summary>
    /// <param name="training">The training set.</param>
    /// <param name="validation">Evaluated after the epoch, if given.</param>
    /// <param name="epoch">The 1-based epoch number, for the report, error messages and epoch-based schedules.</param>
    /// <param name="cancellationToken">Checked between mini-batches.</param>
    /// <returns>The epoch's report.</returns>
    /// <exception cref="ArgumentException">A data set does not fit the network or is empty.</exception>
    /// <exception cref="InvalidOperationException">The network is being trained already, by another call on any thread.</exception>
    /// <exception cref="TrainingDivergedException">The cost or gradient became non-finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public EpochReport TrainEpoch(Dataset training, Dataset? validation, int epoch, CancellationToken cancellationToken = default)
    {
        BeginTraining();
        try
        {
            return RunEpoch(training, validation, epoch, cancellationToken);
        }
        finally
        {
            Network.EndTraining();
        }
    }

    private void BeginTraining()
    {
        if (!Network.TryBeginTraining())
        {
            throw new InvalidOperationException($"The network {Network} is being trained already (by another Train or TrainEpoch call, of this or another Trainer, on any thread); a network trains on one thread at a time.");
        }
    }

    private EpochReport RunEpoch(Dataset training, Dataset? validation, int epoch, CancellationToken cancellationToken)
    {
        CheckFits(training, nameof(training), allowEmpty: false);
        if (validation is not null)
        {
            CheckFits(validation, nameof(validation), allowEmpty: true);
        }

        CheckRunFits(training, validation);

        long start = Stopwatch.GetTimestamp();
        training = ScaledForTraining(training);
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
        IMiniBatchEngine engine = EngineFor(m);
        double costSum = 0, lastFiniteCost = double.NaN;
        float rate = 0;
        int correct = 0;
        engine.BeginEpoch(epoch);
        try
        {
            for (int batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = batch * m;
                int size = Math.Min(m, n - first);
                (double batchCost, int batchCorrect) = engine.ComputeGradient(training, _order.AsSpan(first, size), path);
                if (!double.IsFinite(batchCost) || !engine.IsGradientFinite(path))
                {
                    throw new TrainingDivergedException(epoch, batch + 1, lastFiniteCost);
                }

                lastFiniteCost = batchCost / size;
                costSum += batchCost;
                correct += batchCorrect;
                rate = Options.Schedule.RateAt(Options.LearningRate, Options.Epochs, Math.Max(0, epoch - 1), StepsCompleted, batches, _plateau);
                Step(engine, n, size, rate, path);
                StepsCompleted++;
                MiniBatchCompleted?.Invoke(batch + 1, batches);
            }
        }
        finally
        {
            engine.EndEpoch();
        }

        if (_optimizerStep is { } state)
        {
            engine.ShareStepped(state.First);
            if (state.Second.Length > 0)
            {
                engine.ShareStepped(state.Second);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double? validationCost = null, validationAccuracy = null;
        if (validation is { Count: > 0 })
        {
            (double cost, int right) = Measure(validation);
            validationCost = cost;
            validationAccuracy = (double)right / validation.Count;
        }

        bool best = EndOfEpoch(epoch, validationCost, validationAccuracy);
        return new EpochReport(epoch, costSum / n, (double)correct / n, validationCost, validationAccuracy, seconds, n / Math.Max(seconds, 1e-9)) { LearningRate = rate, IsBest = best };
    }

    /// <summary>
    /// The gradient step after a mini-batch of <paramref name="batchSize"/> of the
    /// <paramref name="trainingCount"/> training samples, on the parameters the engine holds, from
    /// its gradient; then the engine brings what it derives from them up to date.
    /// </summary>
    private void Step(IMiniBatchEngine engine, int trainingCount, int batchSize, float learningRate, KernelPath path)
    {
        if (_optimizerStep is null)
        {
            _gradientStep!.Apply(engine.Parameters, engine.Gradient, learningRate, Options.Lambda, trainingCount, batchSize, path);
        }
        else
        {
            _optimizerStep.Apply(engine.Pool, engine.Parameters, engine.Gradient, learningRate, StepsCompleted, batchSize, path);
        }

        engine.AfterStep();
    }

    /// <summary>
    /// The engine, created by the first epoch and sized for the samples a mini-batch can really
    /// hold, never by <see cref="TrainingOptions.MiniBatchSize"/> alone (which may exceed the
    /// training set); a later call that needs more replaces it.
    /// </summary>
    private IMiniBatchEngine EngineFor(int samples)
    {
        if (_engine is null || _engine.Capacity < samples)
        {
            _engine?.Dispose();
            _engine = MiniBatchEngine.Create(Network, Options, samples, _communicator);
            _gradientStep = new GradientStep(_engine.Pool);
            if (_optimizerStep is null && Options.Optimizer.StateArrays > 0)
            {
                _optimizerStep = new OptimizerStep(Options.Optimizer, _engine.Gradient.Length);
                TakeResumedState(_engine, _optimizerStep);
            }
        }

        return _engine;
    }

    /// <summary>
    /// The training set as the engines take it: a network with an <see cref="InputScaling"/> takes
    /// raw inputs, so the set is scaled once, by the first epoch that sees it, and the copy reused
    /// (no allocation in later epochs). Validation needs nothing: it goes through <see cref="Network.Predict"/>.
    /// </summary>
    private Dataset ScaledForTraining(Dataset training)
    {
        if (Network.InputScaling is not { } scaling)
        {
            return training;
        }

        if (_scaledTraining is not { } cached || !ReferenceEquals(cached.Raw, training) || !ReferenceEquals(cached.Scaling, scaling))
        {
            _scaledTraining = cached = (training, scaling, training.Scaled(scaling));
        }

        return cached.Scaled;
    }

    /// <summary>Mean cost and number classified right, reusing the trainer's buffers (no allocation).</summary>
    private (double Cost, int Correct) Measure(Dataset data)
    {
        double cost = 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            Network.Predict(data.Input(i), _output);
            data.CopyTarget(i, _target);
            cost += CostFunctions.Evaluate(Network.Cost, _output, _target);
            if (Network.ArgMax(_output) == data.Label(i))
            {
                correct++;
            }
        }

        return (data.Count == 0 ? double.NaN : cost / data.Count, correct);
    }

    /// <summary>The summed gradient of the given samples in epoch <c>epoch</c> (whose dropout masks it draws), as the options' engine computes it, in the parameters' layout, for tests (gradient check).</summary>
    internal float[] GradientOf(Dataset data, ReadOnlySpan<int> samples, int epoch = 1)
    {
        IMiniBatchEngine engine = EngineFor(samples.Length);
        engine.BeginEpoch(epoch);
        try
        {
            engine.ComputeGradient(data, samples, KernelDispatch.Active);
            float[] gradient = new float[Network.ParameterCount];
            engine.ToParameterLayout(engine.Gradient, gradient);
            return gradient;
        }
        finally
        {
            engine.EndEpoch();
        }
    }

    /// <summary>The worker threads the engine runs on, once an epoch has created it (for tests).</summary>
    internal Workers.WorkerPool? Pool => _engine?.Pool;

    /// <summary>A copy of the parameters as they stand now, also in the middle of a batched epoch (for tests).</summary>
    internal float[] CurrentParameters()
    {
        float[] parameters = Network.Parameters.ToArray();
        _engine?.CopyHeldParameters(parameters);
        return parameters;
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
