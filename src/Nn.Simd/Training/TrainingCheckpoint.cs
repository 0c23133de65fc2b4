using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>
/// Everything a run needs to continue exactly where it stopped, taken between epochs by
/// <see cref="Trainer.CreateCheckpoint"/>: the network, the optimizer's state (in the parameters'
/// layout), the shuffle generator's state and sample order, the plateau schedule's and early stopping's state, and
/// the epochs and steps done. <see cref="Trainer.Resume(TrainingCheckpoint, TrainingOptions)"/> continues it so that the resumed run
/// gives the very bits the uninterrupted run would have; <c>CheckpointFile</c> saves and loads it.
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The random generator's state words.</summary>
    internal const int RandomWords = 4;

    internal TrainingCheckpoint(
        Network network, string runKey, int[] order, int epoch, long step, ulong[] randomState, PlateauState plateau, StoppingState stopping, float[][] optimizerState, float[]? bestParameters)
    {
        Network = network;
        RunKey = runKey;
        Order = order;
        Epoch = epoch;
        Step = step;
        RandomState = randomState;
        Plateau = plateau;
        Stopping = stopping;
        OptimizerState = optimizerState;
        BestParameters = bestParameters;
    }

    /// <summary>The network as it stood after <see cref="Epoch"/> epochs (before any restoring of a best epoch).</summary>
    public Network Network { get; }

    /// <summary>
    /// The options that decide the run's bits, as text (every <see cref="TrainingOptions"/> value but
    /// <see cref="TrainingOptions.Epochs"/> and <see cref="TrainingOptions.Threads"/>, with a cosine's
    /// horizon resolved); a resume must give the same.
    /// </summary>
    public string RunKey { get; }

    /// <summary>The number of training samples the run trains on (0 before the first epoch); a resume must give as many.</summary>
    public int TrainingCount => Order.Length;

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; }

    /// <summary>Steps (mini-batches) taken over the whole run.</summary>
    public long Step { get; }

    /// <summary>With early stopping: the best epoch so far (0 before the first).</summary>
    public int BestEpoch => Stopping.BestEpoch;

    /// <summary>Whether early stopping had ended the run.</summary>
    public bool StoppedEarly => Stopping.Stopped;

    internal ulong[] RandomState { get; }

    /// <summary>The order of the training samples that the next epoch's shuffle starts from (each epoch shuffles the previous one's order).</summary>
    internal int[] Order { get; }

    internal PlateauState Plateau { get; }

    internal StoppingState Stopping { get; }

    /// <summary>The optimizer's state arrays in the parameters' layout (none for SGD).</summary>
    internal float[][] OptimizerState { get; }

    /// <summary>The best epoch's parameters, with early stopping once an epoch was best.</summary>
    internal float[]? BestParameters { get; }
}
