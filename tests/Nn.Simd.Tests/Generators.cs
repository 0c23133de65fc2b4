using CsCheck;
using Nn.Simd.Model;

namespace Nn.Simd.Tests;

/// <summary>A network drawn by <see cref="Generators.Networks"/>: its sizes, activations and cost.</summary>
internal sealed record NetworkShape(int[] Sizes, Activation Hidden, Activation Output, Cost Cost)
{
    /// <summary>The network, Xavier-initialised from <paramref name="seed"/>.</summary>
    public Network Create(int seed) => Network.Create(Sizes, Hidden, Output, Cost, Initialization.Xavier, seed);
}

/// <summary>CsCheck generators the property tests share.</summary>
internal static class Generators
{
    private static readonly Activation[] HiddenActivations = [Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.Identity];

    /// <summary>Each output activation with a cost that accepts it.</summary>
    private static readonly (Activation Output, Cost Cost)[] Outputs =
        [(Activation.Softmax, Cost.LogLikelihood), (Activation.Sigmoid, Cost.CrossEntropy), (Activation.Sigmoid, Cost.Quadratic), (Activation.Relu, Cost.Quadratic), (Activation.Identity, Cost.Quadratic)];

    /// <summary>
    /// Networks of one to three layers: input and hidden widths 1..<paramref name="maxWidth"/>,
    /// 2..<paramref name="maxClasses"/> outputs, every hidden activation, every output activation.
    /// </summary>
    public static Gen<NetworkShape> Networks(int maxWidth, int maxClasses) =>
        from depth in Gen.Int[1, 3]
        from widths in Gen.Int[1, maxWidth].Array[depth]
        from classes in Gen.Int[2, maxClasses]
        from hidden in Gen.OneOf(HiddenActivations)
        from output in Gen.OneOf(Outputs)
        select new NetworkShape([.. widths, classes], hidden, output.Output, output.Cost);

    /// <summary>
    /// <paramref name="original"/> with one to four bytes altered (each XORed with a non-zero byte,
    /// so each alteration is a change) and, in half the samples, also cut short or extended with up
    /// to 8 zero bytes. Two alterations of one byte can cancel out: a test that needs a change
    /// compares with the original.
    /// </summary>
    public static Gen<byte[]> Altered(byte[] original) =>
        from length in Gen.OneOf(Gen.Const(original.Length), Gen.Int[0, original.Length + 8])
        from changes in Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte[1, 255]).Array[1, 4]
        select Apply(original, length, changes);

    private static byte[] Apply(byte[] original, int length, (int At, byte Xor)[] changes)
    {
        var altered = new byte[length];
        original.AsSpan(0, Math.Min(length, original.Length)).CopyTo(altered);
        foreach ((int at, byte xor) in changes)
        {
            if (at < length)
            {
                altered[at] ^= xor;
            }
        }

        return altered;
    }
}
