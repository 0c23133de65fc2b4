namespace Nn.Simd.Training;

/// <summary>How the trainer computes the gradient of a mini-batch (<see cref="TrainingOptions.Engine"/>).</summary>
public enum TrainingEngine
{
    /// <summary>
    /// The matrix-based mini-batch (the default): all m samples at once, one sample per row, each
    /// product one Gemm, split over <see cref="TrainingOptions.Threads"/>.
    /// </summary>
    Batched,

    /// <summary>The algorithm as written: each sample's forward and backward pass in turn, summed; on the calling thread.</summary>
    PerSample,
}

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
    /// How each mini-batch's gradient is computed. Default <see cref="TrainingEngine.Batched"/>: as
    /// matrices, one Gemm per product, every weight read once per mini-batch (faster at every
    /// mini-batch size measured, from 1 to 128). <see cref="TrainingEngine.PerSample"/> is the
    /// algorithm as written, sample by sample. Both follow the same equations and agree to rounding,
    /// not to the bit; each gives the same bits on every kernel path.
    /// </summary>
    public TrainingEngine Engine { get; init; }

    /// <summary>
    /// Threads for the batched engine's matrix products (≥ 1; default 1, for latency). Work is split
    /// by output columns, each computed exactly as on one thread, so the weights are bit-identical
    /// for any thread count. Products and steps too small to gain from a second thread (under about
    /// 4M multiply-adds or 128K elements, e.g. everything at mini-batch 10) stay on the calling thread.
    /// The per-sample engine always runs on the calling thread.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// S, the virtual shards each mini-batch is cut into (0, the default: none). With S ≥ 1 each
    /// shard's gradient is computed as its own sum and the shards' gradients are added in one fixed
    /// tree over the shard index, so the weights are the same bits for any number of processes
    /// sharing the shards (see <see cref="Trainer(Model.Network, TrainingOptions, Distributed.ICommunicator?)"/>),
    /// one process included; they differ from the unsharded sum's by rounding. At most 4096.
    /// </summary>
    public int Shards { get; init; }

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

        if (!Enum.IsDefined(Engine))
        {
            throw new ArgumentException($"Engine is {(int)Engine}; it must be TrainingEngine.Batched or TrainingEngine.PerSample.", nameof(Engine));
        }

        if (Shards < 0 || Shards > 4096)
        {
            throw new ArgumentException($"Shards is {Shards}; it must be between 0 (no shards) and 4096.", nameof(Shards));
        }

        if (Threads < 1 || Threads > 1024)
        {
            throw new ArgumentException($"Threads is {Threads}; it must be between 1 and 1024.", nameof(Threads));
        }
    }
}
