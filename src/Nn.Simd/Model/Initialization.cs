namespace Nn.Simd.Model;

/// <summary>How a new network's weights and biases are drawn (seeded: one seed, one network).</summary>
public enum Initialization
{
    /// <summary>Weights and biases N(0, 1), as in the original algorithm.</summary>
    Gaussian,

    /// <summary>Weights N(0, 1/n_in), biases N(0, 1): keeps sigmoid neurons out of saturation.</summary>
    ScaledGaussian,

    /// <summary>Xavier/Glorot: weights N(0, 2/(n_in + n_out)), biases 0.</summary>
    Xavier,

    /// <summary>He: weights N(0, 2/n_in), biases 0; for ReLU layers.</summary>
    He,
}
