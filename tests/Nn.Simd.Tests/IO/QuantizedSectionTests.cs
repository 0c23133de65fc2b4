using System.Buffers.Binary;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.IO;

public class QuantizedSectionTests
{
    /// <summary>The int8 outputs for digit 0 of the committed int8 fixture (static activations), as float bits.</summary>
    private static readonly uint[] FixtureInt8Output0 = [0x3F711BBA, 0x39277194, 0x3A41EAA3, 0x39CA3207, 0x3B7BBB0F, 0x3C432B1D, 0x3C37B35D, 0x39AC267F, 0x3BF0C69B, 0x3CB638E7];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void A_quantized_network_round_trips_through_the_model_file(bool calibrated, bool scaled)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 20, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 8);
        network.InputScaling = scaled ? InputScaling.Fit(InputScalingKind.Standardize, digits.Inputs[..(500 * 64)], 64) : null;
        network.Quantized = calibrated ? QuantizedNetwork.Quantize(network, digits.Inputs[..(50 * 64)]) : QuantizedNetwork.Quantize(network);
        var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        Network loaded = ModelFile.Read(stream.ToArray(), "memory");
        Assert.NotNull(loaded.Quantized);
        Assert.Equal(calibrated, loaded.Quantized.IsStatic);
        Assert.Equal(network.Quantized.InputRanges.ToArray(), loaded.Quantized.InputRanges.ToArray());
        Assert.Equal(scaled, loaded.Quantized.InputScaling is not null);
        Assert.Equal(network.InputScaling?.Scales.ToArray(), loaded.Quantized.InputScaling?.Scales.ToArray());
        var expected = new float[100 * 10];
        var actual = new float[expected.Length];
        network.Quantized.PredictBatch(digits.Inputs[..(100 * 64)], expected);
        loaded.Quantized.PredictBatch(digits.Inputs[..(100 * 64)], actual);
        Assertions.BitsEqual(expected, actual, "int8 outputs after the round trip");
        Assert.Equal(network.ComputeHash(), loaded.ComputeHash());
    }

    [Fact]
    public void A_network_takes_only_a_quantized_form_of_its_own_layers()
    {
        var network = Network.Create([8, 5, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 2);
        var other = Network.Create([8, 6, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 2);
        Assert.Throws<ArgumentException>(() => network.Quantized = QuantizedNetwork.Quantize(other));
        Assert.Null(network.Quantized);

        // Its int8 form scales inputs as the network does: another scaling is refused either way round.
        var scaling = InputScaling.Create(InputScalingKind.MinMax, new float[8], [.. Enumerable.Repeat(0.5f, 8)]);
        Network scaledCopy = network.Clone();
        scaledCopy.InputScaling = scaling;
        Assert.Throws<ArgumentException>(() => network.Quantized = QuantizedNetwork.Quantize(scaledCopy));
        network.Quantized = QuantizedNetwork.Quantize(network);
        Assert.Throws<ArgumentException>(() => network.InputScaling = scaling);
        Assert.Null(network.InputScaling);
        network.Quantized = null;
        network.InputScaling = scaling;
        network.Quantized = QuantizedNetwork.Quantize(network);
        Assert.Same(scaling, network.Quantized.InputScaling);
    }

    /// <summary>The sections apply in one order whatever the file's: a QNT8 listed before INSC still gets the input scaling.</summary>
    [Fact]
    public void The_int8_form_gets_the_input_scaling_whatever_the_order_of_the_sections()
    {
        var network = Network.Create([8, 5, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 2);
        network.InputScaling = InputScaling.Create(InputScalingKind.Standardize, [.. Enumerable.Range(0, 8).Select(k => k * 0.25f)], [.. Enumerable.Range(0, 8).Select(k => 1f + k)]);
        network.Quantized = QuantizedNetwork.Quantize(network);
        byte[] bytes = ModelSections.Encode(network);
        ModelSections.Entry[] entries = ModelSections.Parse(bytes, 0, "memory");
        Assert.Equal(["INSC", "QNT8"], entries.Select(e => e.Tag));
        Network loaded = network.Clone();
        loaded.InputScaling = null;
        ModelSections.Apply(loaded, bytes, [.. entries.Reverse()], "memory");
        Assert.NotNull(loaded.Quantized);
        Assert.Equal(network.InputScaling.Offsets.ToArray(), loaded.Quantized.InputScaling!.Offsets.ToArray());
    }

    /// <summary>A payload that does not fit the network is refused with the section's tag and the reason.</summary>
    [Theory]
    [InlineData("mode", "mode 2")]
    [InlineData("layers", "holds 3 layers")]
    [InlineData("scale", "scale")]
    [InlineData("short", "needs")]
    [InlineData("long", "follow the last layer")]
    public void A_bad_payload_is_refused_naming_what_is_wrong(string damage, string message)
    {
        var network = Network.Create([8, 5, 3], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, seed: 2);
        byte[] payload = QuantizedSection.Encode(QuantizedNetwork.Quantize(network));
        switch (damage)
        {
            case "mode":
                BinaryPrimitives.WriteUInt32LittleEndian(payload, 2);
                break;
            case "layers":
                BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), 3);
                break;
            case "scale":
                BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(8), float.NaN);
                break;
            case "short":
                payload = payload[..^4];
                break;
            default:
                payload = [.. payload, 0, 0, 0, 0];
                break;
        }

        var error = Assert.Throws<FormatException>(() => QuantizedSection.Decode(network, payload));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The committed int8 fixture (the version-2 fixture quantized by nn quantize --calibration digits) keeps loading and predicting the same bits.</summary>
    [Fact]
    public void The_committed_int8_fixture_loads_and_predicts_the_recorded_outputs()
    {
        Network network = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-64-16-10.int8.nnm"));
        Assert.NotNull(network.Quantized);
        Assert.True(network.Quantized.IsStatic);
        var output = new float[10];
        network.Quantized.Predict(Datasets.Digits().Input(0), output);
        Assertions.BitsEqual(FixtureInt8Output0.Select(b => BitConverter.Int32BitsToSingle((int)b)).ToArray(), output, "sample 0");
    }
}
