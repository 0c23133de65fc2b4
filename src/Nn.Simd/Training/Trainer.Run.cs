using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Distributed;

namespace Nn.Simd.Training;

/// <summary>The run's state beyond the network (schedule, early stopping, steps), and checkpoints of it.</summary>
public sealed partial class Trainer
{
    private PlateauState _plateau;
    private StoppingState _stopping = StoppingState.Start;
    private float[]? _bestParameters;
    private int _expectedTrainingCount;
    private float[][]? _resumedState;

    /// <summary>Epochs completed in this run (including those of a checkpoint it was resumed from).</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>Steps (mini-batches) taken in this run (including those of a checkpoint it was resumed from).</summary>
    public long StepsCompleted { get; private set; }

    /// <summary>With <see cref="TrainingOptions.EarlyStopping"/>: the epoch with the best validation figure so far; otherwise null.</summary>
    public int? BestEpoch => Options.EarlyStopping is not null && _stopping.BestEpoch > 0 ? _stopping.BestEpoch : null;

    /// <summary>Why <see cref="Train"/> ended; <see cref="TrainingStopReason.EarlyStopping"/> as soon as an epoch runs out the patience.</summary>
    public TrainingStopReason StopReason { get; private set; }

    /// <summary>
    /// With early stopping, gives the network the parameters of <see cref="BestEpoch"/> (which
    /// <see cref="Train"/> does when it ends); without, or before any epoch, does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network is being trained.</exception>
    public void RestoreBestEpoch()
    {
        BeginTraining();
        try
        {
            CopyBestParameters();
        }
        finally
        {
            Network.EndTraining();
        }
    }

    /// <summary>
    /// The state of the run now, between epochs, for <see cref="Resume(TrainingCheckpoint, TrainingOptions)"/> (and <c>CheckpointFile.Save</c>):
    /// a copy, which later epochs leave as it is.
    /// </summary>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="InvalidOperationException">The network is being trained.</exception>
    public TrainingCheckpoint CreateCheckpoint()
    {
        BeginTraining();
        try
        {
            int count = Network.ParameterCount;
            var state = new float[Options.Optimizer.StateArrays][];
            for (int i = 0; i < state.Length; i++)
            {
                state[i] = new float[count];
                if (_optimizerStep is not null)
                {
                    _engine!.ToParameterLayout(i == 0 ? _optimizerStep.First : _optimizerStep.Second, state[i]);
                }
                else if (_resumedState is not null)
                {
                    _resumedState[i].CopyTo(state[i], 0);
                }
            }

            var random = new ulong[TrainingCheckpoint.RandomWords];
            _random.GetState(random);
            float[]? best = _stopping.BestEpoch > 0 ? (float[]?)_bestParameters?.Clone() : null;
            return new TrainingCheckpoint(Network.Clone(), RunKey(Options), (int[])_order.Clone(), EpochsCompleted, StepsCompleted, random, _plateau, _stopping, state, best);
        }
        finally
        {
            Network.EndTraining();
        }
    }

    /// <summary>
    /// A trainer that continues the run of <paramref name="checkpoint"/> on its network: its epochs
    /// and steps, shuffles, optimizer state, schedule and early stopping go on exactly as the run
    /// would have gone on, so that <see cref="Train"/> up to <see cref="TrainingOptions.Epochs"/>
    /// gives the bits of the uninterrupted run.
    /// </summary>
    /// <param name="checkpoint">The checkpoint (its network is trained in place: <see cref="Network"/>).</param>
    /// <param name="options">The run's options; all but <see cref="TrainingOptions.Epochs"/> and <see cref="TrainingOptions.Threads"/> must equal the checkpoint's.</param>
    /// <returns>The trainer.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or differs from the checkpoint's run (the message names it).</exception>
    public static Trainer Resume(TrainingCheckpoint checkpoint, TrainingOptions options) => Resume(checkpoint, options, null);

    /// <summary>
    /// <see cref="Resume(TrainingCheckpoint, TrainingOptions)"/> for one of the processes of a
    /// data-parallel training (<see cref="Trainer(Model.Network, TrainingOptions, ICommunicator?)"/>):
    /// every process resumes from the same checkpoint, and the number of processes may differ from
    /// the interrupted run's, since the shards, not the processes, decide the bits.
    /// </summary>
    /// <param name="checkpoint">The checkpoint (its network is trained in place: <see cref="Network"/>).</param>
    /// <param name="options">The run's options; all but <see cref="TrainingOptions.Epochs"/> and <see cref="TrainingOptions.Threads"/> must equal the checkpoint's.</param>
    /// <param name="communicator">The processes, or null for this process alone. The trainer does not dispose it.</param>
    /// <returns>The trainer.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or differs from the checkpoint's run (the message names it).</exception>
    public static Trainer Resume(TrainingCheckpoint checkpoint, TrainingOptions options, ICommunicator? communicator)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var trainer = new Trainer(checkpoint.Network, options, communicator);
        string key = RunKey(options);
        if (key != checkpoint.RunKey)
        {
            string[] mine = key.Split("; "), theirs = checkpoint.RunKey.Split("; ");
            int i = 0;
            while (i < Math.Min(mine.Length, theirs.Length) && mine[i] == theirs[i])
            {
                i++;
            }

            throw new ArgumentException($"The checkpoint's run was trained with {(i < theirs.Length ? theirs[i] : "fewer options")}, but these options give {(i < mine.Length ? mine[i] : "fewer options")}; a run resumes only with its own options (the epochs and threads may change).", nameof(options));
        }

        if (checkpoint.OptimizerState.Length != options.Optimizer.StateArrays)
        {
            throw new ArgumentException($"The checkpoint holds {checkpoint.OptimizerState.Length} optimizer state arrays but {options.Optimizer.GetType().Name} keeps {options.Optimizer.StateArrays}.", nameof(checkpoint));
        }

        trainer._random.SetState(checkpoint.RandomState);
        trainer.EpochsCompleted = checkpoint.Epoch;
        trainer.StepsCompleted = checkpoint.Step;
        trainer._expectedTrainingCount = checkpoint.TrainingCount;
        trainer._order = (int[])checkpoint.Order.Clone();
        trainer._plateau = checkpoint.Plateau;
        trainer._stopping = checkpoint.Stopping;
        trainer.StopReason = checkpoint.Stopping.Stopped ? TrainingStopReason.EarlyStopping : TrainingStopReason.None;
        trainer._bestParameters = (float[]?)checkpoint.BestParameters?.Clone();
        trainer._resumedState = [.. checkpoint.OptimizerState.Select(a => (float[])a.Clone())];
        return trainer;
    }

    /// <summary>The options that decide a run's bits, as text: all but the epochs and threads, a cosine's horizon resolved.</summary>
    internal static string RunKey(TrainingOptions options)
    {
        CultureInfo culture = CultureInfo.CurrentCulture;
        try
        {
            // Records print their floats in the current culture; the key must read the same everywhere.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            return $"mini-batch {options.MiniBatchSize}; learning rate {options.LearningRate:R}; lambda {options.Lambda:R}; seed {options.Seed}; engine {options.Engine}; "
                + $"optimizer {options.Optimizer}; schedule {options.Schedule.Resolved(options.Epochs)}; early stopping {options.EarlyStopping?.ToString() ?? "none"}"
                + (options.Shards > 0 ? $"; shards {options.Shards}" : string.Empty)
                + (options.Dropout.Any(rate => rate != 0) ? $"; dropout {string.Join(',', options.Dropout.Select(rate => rate.ToString("R", CultureInfo.InvariantCulture)))}" : string.Empty);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    /// <summary>The optimizer state of a resumed run into the new engine's layout.</summary>
    private void TakeResumedState(IMiniBatchEngine engine, OptimizerStep step)
    {
        if (_resumedState is null)
        {
            return;
        }

        engine.FromParameterLayout(_resumedState[0], step.First);
        if (_resumedState.Length > 1)
        {
            engine.FromParameterLayout(_resumedState[1], step.Second);
        }

        _resumedState = null;
    }

    /// <summary>Early stopping and the plateau schedule read a validation set; a resumed run trains on as many samples as before.</summary>
    private void CheckRunFits(Dataset training, Dataset? validation)
    {
        if ((Options.EarlyStopping is not null || Options.Schedule.NeedsValidation) && validation is not { Count: > 0 })
        {
            string who = Options.EarlyStopping is not null ? "EarlyStopping" : "The ReduceOnPlateau schedule";
            throw new ArgumentException($"{who} watches the validation set, but none was given (or it is empty).", nameof(validation));
        }

        if (_expectedTrainingCount > 0 && training.Count != _expectedTrainingCount)
        {
            throw new ArgumentException($"The run was checkpointed training on {_expectedTrainingCount} samples, but this training set has {training.Count}; a run resumes on its own data.", nameof(training));
        }
    }

    /// <summary>After an epoch's validation: the plateau schedule's and early stopping's bookkeeping. Returns whether the epoch is the best so far.</summary>
    private bool EndOfEpoch(int epoch, double? validationCost, double? validationAccuracy)
    {
        EpochsCompleted = epoch;
        if (Options.Schedule is ReduceOnPlateau plateau)
        {
            _plateau = plateau.Next(_plateau, validationCost ?? double.NaN);
        }

        StopReason = TrainingStopReason.None;
        if (Options.EarlyStopping is not { } stopping)
        {
            return false;
        }

        _bestParameters ??= new float[Network.ParameterCount];
        double value = (stopping.Metric == StoppingMetric.Cost ? validationCost : validationAccuracy) ?? double.NaN;
        bool best = stopping.Improves(value, _stopping.BestValue);
        if (best)
        {
            _stopping = new StoppingState(epoch, value, 0, Stopped: false);
            Network.Parameters.CopyTo(_bestParameters);
        }
        else
        {
            int without = _stopping.EpochsWithoutImprovement + 1;
            _stopping = _stopping with { EpochsWithoutImprovement = without, Stopped = without >= stopping.Patience };
        }

        StopReason = _stopping.Stopped ? TrainingStopReason.EarlyStopping : TrainingStopReason.None;
        return best;
    }

    private void CopyBestParameters()
    {
        if (Options.EarlyStopping is not null && _stopping.BestEpoch > 0 && _bestParameters is not null)
        {
            _bestParameters.CopyTo(Network.Parameters);
        }
    }
}
