using Nn.Simd.Model;

namespace Nn.Simd.Tests.Oracles;

/// <summary>
/// The textbook feedforward and cost in double precision, from a network's float parameters (or
/// a perturbed copy of them): the reference for the finite-difference gradient check.
/// </summary>
internal static class DoubleNetwork
{
    /// <summary>The cost of one sample; <paramref name="masks"/>[l], where given, multiplies layer l's activations (a fixed dropout mask).</summary>
    public static double Cost(Network network, double[] parameters, ReadOnlySpan<float> x, ReadOnlySpan<float> y, float[]?[]? masks = null)
    {
        double[] a = Array.ConvertAll(x.ToArray(), v => (double)v);
        int offset = 0;
        for (int l = 1; l < network.LayerSizes.Count; l++)
        {
            int rows = network.LayerSizes[l], columns = network.LayerSizes[l - 1];
            var z = new double[rows];
            for (int j = 0; j < rows; j++)
            {
                double sum = parameters[offset + (rows * columns) + j];
                for (int k = 0; k < columns; k++)
                {
                    sum += parameters[offset + (j * columns) + k] * a[k];
                }

                z[j] = sum;
            }

            offset += (rows * columns) + rows;
            a = Activate(network.Activations[l - 1], z);
            if (masks?[l] is { } mask)
            {
                for (int j = 0; j < rows; j++)
                {
                    a[j] *= mask[j];
                }
            }
        }

        double cost = 0;
        for (int j = 0; j < a.Length; j++)
        {
            cost += network.Cost switch
            {
                Nn.Simd.Model.Cost.Quadratic => 0.5 * (y[j] - a[j]) * (y[j] - a[j]),
                Nn.Simd.Model.Cost.CrossEntropy => -((y[j] * Math.Log(a[j])) + ((1 - y[j]) * Math.Log(1 - a[j]))),
                _ => y[j] == 0 ? 0 : -y[j] * Math.Log(a[j]),
            };
        }

        return cost;
    }

    private static double[] Activate(Activation activation, double[] z)
    {
        if (activation == Activation.Softmax)
        {
            double max = z.Max();
            double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return e.Select(v => v / sum).ToArray();
        }

        return z.Select(v => activation switch
        {
            Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
            Activation.Tanh => Math.Tanh(v),
            Activation.Relu => Math.Max(0, v),
            _ => v,
        }).ToArray();
    }
}
