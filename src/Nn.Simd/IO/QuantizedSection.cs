// The "QNT8" section of a version-2 model file (docs/model-format.md): the network's int8 form.
// Little-endian:
//
//   size        field
//   4           mode (uint32): 0 dynamic activations, 1 static (calibrated) activations
//   4           L, the number of weight layers (must equal the header's)
//   then for l = 1 … L:
//   4           static only: the range of layer l's input (float32, finite, ≥ 0)
//   4·nˡ        the row scales (float32, finite, ≥ 0)
//   nˡ·nˡ⁻¹     the int8 weights Qˡ, row-major
//   0–3         zero bytes up to a multiple of 4
//
// The biases, sizes, activations, input (INSC) and target (TGSC) scaling are the file's fp32 ones: a quantized
// model file is the fp32 model plus this section, so one file serves both. The section is required: a reader that does
// not know it must not silently compute fp32 instead.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Nn.Simd.Kernels;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>Encodes and decodes the QNT8 section.</summary>
internal static class QuantizedSection
{
    public const string Tag = "QNT8";

    public static byte[] Encode(QuantizedNetwork q)
    {
        var bytes = new List<byte>();
        var word = new byte[4];
        void Int(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, v);
            bytes.AddRange(word);
        }

        void Float(float v)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, v);
            bytes.AddRange(word);
        }

        Int(q.IsStatic ? 1u : 0u);
        Int((uint)q.LayerCount);
        for (int l = 1; l <= q.LayerCount; l++)
        {
            if (q.IsStatic)
            {
                Float(q.InputRanges[l - 1]);
            }

            Int8Matrix w = q.Weights(l);
            foreach (float scale in w.Scales)
            {
                Float(scale);
            }

            for (int r = 0; r < w.Rows; r++)
            {
                bytes.AddRange(MemoryMarshal.AsBytes(w.RowValues(r)));
            }

            while (bytes.Count % 4 != 0)
            {
                bytes.Add(0);
            }
        }

        return [.. bytes];
    }

    /// <summary>The quantized form of <paramref name="network"/> in <paramref name="payload"/>; a <see cref="FormatException"/> says what does not fit.</summary>
    public static QuantizedNetwork Decode(Network network, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 8)
        {
            throw new FormatException($"{payload.Length} bytes is shorter than the mode and the layer count");
        }

        uint mode = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint layers = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        if (mode > 1)
        {
            throw new FormatException($"mode {mode} is neither 0 (dynamic) nor 1 (static)");
        }

        if (layers != network.LayerCount)
        {
            throw new FormatException($"it holds {layers} layers but the network has {network.LayerCount}");
        }

        int at = 8;
        var weights = new Int8Matrix[layers];
        var biases = new float[layers][];
        float[]? ranges = mode == 1 ? new float[layers] : null;
        for (int l = 1; l <= layers; l++)
        {
            int n = network.LayerSizes[l], k = network.LayerSizes[l - 1];
            long need = (ranges is null ? 0 : 4) + (4L * n) + ((((long)n * k) + 3) & ~3L);
            if (need > payload.Length - at)
            {
                throw new FormatException($"layer {l} needs {need:N0} bytes but {payload.Length - at:N0} remain");
            }

            if (ranges is not null)
            {
                ranges[l - 1] = BinaryPrimitives.ReadSingleLittleEndian(payload[at..]);
                at += 4;
            }

            var scales = new float[n];
            for (int r = 0; r < n; r++)
            {
                scales[r] = BinaryPrimitives.ReadSingleLittleEndian(payload[(at + (4 * r))..]);
            }

            at += 4 * n;
            if (k > Int8Matrix.MaxColumns)
            {
                throw new FormatException($"layer {l} has {k:N0} inputs, more than the {Int8Matrix.MaxColumns:N0} an int8 layer allows");
            }

            try
            {
                weights[l - 1] = Int8Matrix.FromQuantized(MemoryMarshal.Cast<byte, sbyte>(payload.Slice(at, n * k)), scales, n, k);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"layer {l}: {e.Message}");
            }

            at += n * k;
            int padding = (4 - (at % 4)) % 4;
            if (payload.Slice(at, padding).IndexOfAnyExcept((byte)0) >= 0)
            {
                throw new FormatException($"layer {l}'s padding is not zero");
            }

            at += padding;
            biases[l - 1] = network.Biases(l).ToArray();
        }

        if (at != payload.Length)
        {
            throw new FormatException($"{payload.Length - at:N0} bytes follow the last layer");
        }

        try
        {
            return QuantizedNetwork.Create(network.LayerSizes, network.Activations, network.Cost, weights, biases, ranges, network.InputScaling, network.TargetScaling);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message);
        }
    }
}
