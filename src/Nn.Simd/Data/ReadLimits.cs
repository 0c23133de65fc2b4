namespace Nn.Simd.Data;

/// <summary>
/// Hard limits on what a file may make a reader allocate or read, whatever its header claims.
/// Every loader (model files, ONNX, IDX raw and gzip, CSV files and standard input) checks the
/// sizes a header declares against these limits and against the file's own length before it
/// allocates, and stops a device, a pipe or an endless stream once a limit is passed, with a
/// one-line <see cref="InvalidDataException"/> naming the file and the limit. The defaults fit
/// every data set and model this engine is meant for with room to spare; a caller who truly
/// needs more passes a copy with a larger value (<c>ReadLimits.Default with { … }</c>).
/// </summary>
public sealed record ReadLimits
{
    /// <summary>The defaults.</summary>
    public static ReadLimits Default { get; } = new();

    /// <summary>
    /// The largest model file (.nnm or .onnx) in bytes. Default 2³⁰ (1 GiB, about 268 million
    /// parameters), which also bounds what a model's header may declare.
    /// </summary>
    public long MaxModelBytes { get; init; } = 1L << 30;

    /// <summary>
    /// The most values (floats: pixels, CSV inputs) one data file may load. Default 2²⁸
    /// (1 GiB of floats; Fashion-MNIST's training set is 47 million).
    /// </summary>
    public long MaxDataValues { get; init; } = 1L << 28;

    /// <summary>
    /// The most bytes read from one data file, after decompression. Default 2³⁴ (16 GiB); it ends
    /// an endless stream (e.g. of blank lines) that would otherwise never finish.
    /// </summary>
    public long MaxDataBytes { get; init; } = 1L << 34;

    /// <summary>The longest CSV line in characters. Default 2²⁴ (16 Mi; a row of 784 pixels takes about 4 Ki).</summary>
    public int MaxLineLength { get; init; } = 1 << 24;

    /// <summary>
    /// The most classes a labelled data set may have: every label must be below it. Default 2¹⁶
    /// (65,536); the output layer then has at most as many neurons.
    /// </summary>
    public int MaxClassCount { get; init; } = 1 << 16;

    /// <summary>Refuses values that are not positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is zero or negative.</exception>
    public void Validate()
    {
        if (MaxModelBytes < 1 || MaxDataValues < 1 || MaxDataBytes < 1 || MaxLineLength < 1 || MaxClassCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadLimits), this, "Every read limit must be at least 1.");
        }
    }
}
