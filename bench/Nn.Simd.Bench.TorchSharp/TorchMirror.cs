using Nn.Simd.Data;
using Nn.Simd.Model;
using static TorchSharp.torch;

namespace Nn.Simd.Bench.TorchSharp;

/// <summary>
/// The TorchSharp side of every comparison in this project, built from Nn.Simd's numbers so that both
/// engines start equal: Linear layers holding copies of a network's initial weights and biases, and
/// a training set as an input tensor and a label tensor.
/// </summary>
internal static class TorchMirror
{
    /// <summary>
    /// A Sequential of <paramref name="network"/>'s layers: Linear layer l (1-based, as
    /// <see cref="Network.Weights(int)"/> counts) holds copies of that layer's weights and biases and is
    /// followed by the modules <paramref name="after"/> gives for l. <paramref name="weights"/> receives
    /// the Linear layers' weight tensors in layer order.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Sequential(
        Network network, Func<int, (string Name, nn.Module<Tensor, Tensor> Module)[]> after, out List<Tensor> weights)
    {
        IReadOnlyList<int> sizes = network.LayerSizes;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        weights = [];
        for (int l = 1; l < sizes.Count; l++)
        {
            var linear = nn.Linear(sizes[l - 1], sizes[l]);
            using (no_grad())
            {
                linear.weight!.copy_(tensor(network.Weights(l).ToArray(), [sizes[l], sizes[l - 1]]));
                linear.bias!.copy_(tensor(network.Biases(l).ToArray(), [sizes[l]]));
            }

            weights.Add(linear.weight!);
            modules.Add(($"linear{l}", linear));
            modules.AddRange(after(l));
        }

        return nn.Sequential(modules.ToArray());
    }

    /// <summary>The inputs of <paramref name="data"/> as a [count, input size] tensor and its labels as a tensor of class indices.</summary>
    public static (Tensor Inputs, Tensor Labels) Tensors(Dataset data)
    {
        var labels = new long[data.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = data.Label(i);
        }

        return (tensor(data.Inputs.ToArray(), [data.Count, data.InputSize]), tensor(labels));
    }
}
