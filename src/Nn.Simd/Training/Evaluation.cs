using Nn.Simd.Data;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>How a network does on a data set.</summary>
/// <param name="Count">Samples evaluated.</param>
/// <param name="Cost">Mean cost C over the samples (no L2 term); NaN for an empty set.</param>
/// <param name="Accuracy">Share of samples whose largest output is their class; NaN for an empty set.</param>
/// <param name="Confusion">Confusion[actual, predicted] = number of samples, held sparsely.</param>
public sealed record Evaluation(int Count, double Cost, double Accuracy, ConfusionMatrix Confusion)
{
    /// <summary>Measures <paramref name="network"/> on every sample of <paramref name="data"/>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="data">Samples whose sizes fit the network.</param>
    /// <returns>Cost, accuracy and confusion matrix (whose size follows the samples, not the classes).</returns>
    /// <exception cref="ArgumentException">The data does not fit the network.</exception>
    public static Evaluation Of(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputSize != network.InputSize || data.TargetSize != network.OutputSize)
        {
            throw new ArgumentException(
                $"The data has {data.InputSize} inputs and {data.TargetSize} targets per sample but the network {network} takes {network.InputSize} and gives {network.OutputSize}.",
                nameof(data));
        }

        int classes = network.OutputSize;
        var confusion = new ConfusionMatrix(classes);
        var output = new float[classes];
        var target = new float[classes];
        double cost = 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Predict(data.Input(i), output);
            data.CopyTarget(i, target);
            cost += CostFunctions.Evaluate(network.Cost, output, target);
            int predicted = Network.ArgMax(output);
            int actual = data.Label(i);
            confusion.Add(actual, predicted);
            if (predicted == actual)
            {
                correct++;
            }
        }

        return data.Count == 0
            ? new Evaluation(0, double.NaN, double.NaN, confusion)
            : new Evaluation(data.Count, cost / data.Count, (double)correct / data.Count, confusion);
    }
}
