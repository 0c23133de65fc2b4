using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// One way of computing a mini-batch's summed gradient. The trainer drives every engine the same way:
/// <code>
///   BeginEpoch
///   for each mini-batch:  ComputeGradient → step: each of Parameters against its run of Gradient → AfterStep
///   EndEpoch              (also when the epoch ends by an exception)
/// </code>
/// The step itself belongs to the trainer, and it is element-wise: whatever an engine keeps where
/// during an epoch (the batched engine holds W¹ transposed, its gradient block transposed alike), a
/// step over <see cref="Parameters"/> is the same step. Optimizer state kept in the gradient's layout
/// pairs with the parameters in the same way.
/// </summary>
internal interface IMiniBatchEngine : IDisposable
{
    /// <summary>The workers the engine's products run on, which the step may use too; null for the calling thread alone.</summary>
    WorkerPool? Pool { get; }

    /// <summary>The most samples one <see cref="ComputeGradient"/> call may take.</summary>
    int Capacity { get; }

    /// <summary>Σ ∂C_x/∂w over the last mini-batch. Its layout is the parameters' except where <see cref="Parameters"/> says otherwise.</summary>
    float[] Gradient { get; }

    /// <summary>
    /// The runs of parameters that a step updates in place, in the order the step takes them (layer
    /// by layer, weights then biases), each paired element by element with a run of <see cref="Gradient"/>.
    /// Valid between <see cref="BeginEpoch"/> and <see cref="EndEpoch"/>. Only these runs of
    /// <see cref="Gradient"/> need hold the summed gradient: an engine shared by several processes
    /// names this process's part of the parameters, and <see cref="AfterStep"/> brings in the rest.
    /// </summary>
    ReadOnlySpan<ParameterBlock> Parameters { get; }

    /// <summary>Takes the network's parameters as the starting point of epoch <paramref name="epoch"/> (1-based; its dropout masks are drawn for it).</summary>
    void BeginEpoch(int epoch);

    /// <summary>
    /// The summed gradient of the samples <paramref name="samples"/> of <paramref name="data"/> into
    /// <see cref="Gradient"/> (overwritten), at most the mini-batch size the engine was made for.
    /// </summary>
    /// <returns>The samples' summed cost and how many the forward pass classified right.</returns>
    (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> samples, KernelPath path);

    /// <summary>Whether the last <see cref="ComputeGradient"/>'s gradient is finite over <see cref="Parameters"/> (on every process that shares the engine, which all give the same answer).</summary>
    bool IsGradientFinite(KernelPath path) => float.IsFinite(Kernel.Sum(Gradient, path));

    /// <summary>After a step on <see cref="Parameters"/>: brings in the parameters other processes stepped, and whatever the engine derives from them up to date.</summary>
    void AfterStep();

    /// <summary>
    /// Completes an array laid out like <see cref="Gradient"/> (optimizer state) of which this
    /// process updated only the runs of <see cref="Parameters"/>, from the processes that updated
    /// the rest. Every process sharing the engine calls it at the same point; one process alone
    /// already holds every run, so by default it does nothing.
    /// </summary>
    void ShareStepped(float[] values)
    {
    }

    /// <summary>Leaves every parameter in the network (safe to call more than once).</summary>
    void EndEpoch();

    /// <summary>
    /// An array laid out like <see cref="Gradient"/> (the gradient itself, or optimizer state that
    /// pairs with it) into the parameters' layout.
    /// </summary>
    void ToParameterLayout(float[] source, float[] destination);

    /// <summary>The inverse of <see cref="ToParameterLayout"/>: an array in the parameters' layout into the gradient's (a resumed optimizer state).</summary>
    void FromParameterLayout(float[] source, float[] destination);

    /// <summary>While an epoch runs, writes into <paramref name="parameters"/> (a copy of the network's) the parameters the engine holds elsewhere.</summary>
    void CopyHeldParameters(float[] parameters);
}

/// <summary>
/// An engine that computes one shard of a <see cref="ShardedEngine"/>: it can also write a
/// mini-batch's gradient somewhere other than its <see cref="IMiniBatchEngine.Gradient"/>, so that a
/// subtree of one shard is computed straight into its place in the shard tree (a sum, or memory the
/// processes share) instead of being copied there.
/// </summary>
internal interface IShardEngine : IMiniBatchEngine
{
    /// <summary>As <see cref="IMiniBatchEngine.ComputeGradient"/>, but the gradient goes into <paramref name="gradient"/> (laid out like <see cref="IMiniBatchEngine.Gradient"/>, as long) and <see cref="IMiniBatchEngine.Gradient"/> is left as it was.</summary>
    /// <returns>The samples' summed cost and how many the forward pass classified right.</returns>
    (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> samples, Memory<float> gradient, KernelPath path);

    /// <summary>Throws unless <paramref name="gradient"/> holds exactly <paramref name="parameters"/> floats, a gradient's length.</summary>
    /// <exception cref="ArgumentException">It does not.</exception>
    protected static void CheckLength(Memory<float> gradient, int parameters)
    {
        if (gradient.Length != parameters)
        {
            throw new ArgumentException($"A gradient of {gradient.Length} floats for a network of {parameters} parameters.", nameof(gradient));
        }
    }
}

/// <summary>
/// A run of parameters that a step updates in place: <paramref name="Values"/>[Offset, Offset + Length)
/// pairs element by element with the gradient's [GradientOffset, GradientOffset + Length).
/// </summary>
/// <param name="Values">The array holding the run.</param>
/// <param name="Offset">Where the run starts in <paramref name="Values"/>.</param>
/// <param name="GradientOffset">Where its gradient starts in the engine's gradient.</param>
/// <param name="Length">Elements in the run.</param>
/// <param name="IsWeights">Weights (L2 decays them) rather than biases.</param>
internal readonly record struct ParameterBlock(float[] Values, int Offset, int GradientOffset, int Length, bool IsWeights)
{
    /// <summary>The runs of <paramref name="network"/>'s own parameters, layer by layer, weights then biases.</summary>
    public static ParameterBlock[] Of(Network network)
    {
        var blocks = new ParameterBlock[2 * (network.LayerSizes.Count - 1)];
        for (int l = 1; l < network.LayerSizes.Count; l++)
        {
            int rows = network.LayerSizes[l], columns = network.LayerSizes[l - 1];
            blocks[(2 * l) - 2] = new(network.ParameterArray, network.ParameterOrigin + network.WeightOffset(l), network.WeightOffset(l), rows * columns, IsWeights: true);
            blocks[(2 * l) - 1] = new(network.ParameterArray, network.ParameterOrigin + network.BiasOffset(l), network.BiasOffset(l), rows, IsWeights: false);
        }

        return blocks;
    }
}

/// <summary>Makes the engine that <see cref="TrainingOptions.Engine"/> names, split into <see cref="TrainingOptions.Shards"/> shards when there are any.</summary>
internal static class MiniBatchEngine
{
    public static IMiniBatchEngine Create(Network network, TrainingOptions options, int capacity, ICommunicator? communicator = null) => options.Shards > 0
        ? new ShardedEngine(shard => CreateUnsharded(network, options, shard), capacity, options.Shards, communicator)
        : CreateUnsharded(network, options, capacity);

    private static IShardEngine CreateUnsharded(Network network, TrainingOptions options, int capacity) => options.Engine switch
    {
        TrainingEngine.Batched => new BatchedBackpropagation(network, capacity, options.Threads > 1 ? new WorkerPool(options.Threads, options.SplitSmallWork) : null, dropout: HiddenDropout.For(network, options, capacity)),
        TrainingEngine.PerSample => new Backpropagation(network, HiddenDropout.For(network, options, 1)),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Engine, "Not a TrainingEngine."),
    };
}
