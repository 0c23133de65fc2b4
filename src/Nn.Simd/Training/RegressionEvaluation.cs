// Regression figures in the targets' original units, per target k over the N samples evaluated:
//
//   RMSEₖ = √( Σᵢ (ŷᵢₖ − yᵢₖ)² / N )      MAEₖ = Σᵢ |ŷᵢₖ − yᵢₖ| / N
//   R²ₖ   = 1 − Σᵢ (ŷᵢₖ − yᵢₖ)² / Σᵢ (yᵢₖ − ȳₖ)²      ȳₖ the mean of the evaluated targets
//                                                      (scikit-learn's r2_score; NaN when they are constant)
//
// and the plain (unweighted) means over the targets, as scikit-learn's "uniform_average". Sums are in
// double; ŷ is the network's output mapped back by its TargetScaling, if it has one.
using Nn.Simd.Data;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>How a regression network does on a data set, in the targets' original units.</summary>
/// <param name="Count">Samples evaluated.</param>
/// <param name="RootMeanSquaredError">RMSE per target.</param>
/// <param name="MeanAbsoluteError">MAE per target.</param>
/// <param name="RSquared">R² per target: 1 − residual sum of squares / total sum of squares about the evaluated targets' mean (NaN when those targets are constant).</param>
public sealed record RegressionEvaluation(int Count, IReadOnlyList<double> RootMeanSquaredError, IReadOnlyList<double> MeanAbsoluteError, IReadOnlyList<double> RSquared)
{
    /// <summary>The mean of <see cref="RootMeanSquaredError"/> over the targets.</summary>
    public double MeanRootMeanSquaredError => RootMeanSquaredError.Average();

    /// <summary>The mean of <see cref="MeanAbsoluteError"/> over the targets.</summary>
    public double MeanMeanAbsoluteError => MeanAbsoluteError.Average();

    /// <summary>The mean of <see cref="RSquared"/> over the targets (scikit-learn's uniform average).</summary>
    public double MeanRSquared => RSquared.Average();

    /// <summary>Measures <paramref name="network"/> on every sample of <paramref name="data"/>, whose targets are in original units.</summary>
    /// <param name="network">The network; its outputs are mapped back by its <see cref="Network.TargetScaling"/>, if it has one.</param>
    /// <param name="data">At least one sample whose sizes fit the network, targets in original units.</param>
    /// <returns>RMSE, MAE and R² per target.</returns>
    /// <exception cref="ArgumentException">The data does not fit the network or is empty.</exception>
    public static RegressionEvaluation Of(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputSize != network.InputSize || data.TargetSize != network.OutputSize || data.Count == 0)
        {
            throw new ArgumentException(
                $"The data has {data.Count} samples of {data.InputSize} inputs and {data.TargetSize} targets but the network {network} takes {network.InputSize} and gives {network.OutputSize} (at least one sample).",
                nameof(data));
        }

        int size = network.OutputSize;
        var output = new float[size];
        var target = new float[size];
        var mean = new double[size];
        var squared = new double[size];
        var absolute = new double[size];
        for (int i = 0; i < data.Count; i++)
        {
            data.CopyTarget(i, target);
            for (int k = 0; k < size; k++)
            {
                mean[k] += target[k];
            }
        }

        for (int k = 0; k < size; k++)
        {
            mean[k] /= data.Count;
        }

        var total = new double[size];
        for (int i = 0; i < data.Count; i++)
        {
            network.Predict(data.Input(i), output);
            network.TargetScaling?.Restore(output);
            data.CopyTarget(i, target);
            for (int k = 0; k < size; k++)
            {
                double error = (double)output[k] - target[k];
                squared[k] += error * error;
                absolute[k] += Math.Abs(error);
                double spread = target[k] - mean[k];
                total[k] += spread * spread;
            }
        }

        var rmse = new double[size];
        var mae = new double[size];
        var r2 = new double[size];
        for (int k = 0; k < size; k++)
        {
            rmse[k] = Math.Sqrt(squared[k] / data.Count);
            mae[k] = absolute[k] / data.Count;
            r2[k] = total[k] > 0 ? 1 - (squared[k] / total[k]) : double.NaN;
        }

        return new RegressionEvaluation(data.Count, rmse, mae, r2);
    }
}
