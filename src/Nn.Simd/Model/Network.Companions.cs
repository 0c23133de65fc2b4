// What travels with a network in its model file beside its layers and parameters: its metadata,
// the scaling of its inputs and (regression) of its targets, and its int8 form. None of them is part
// of the weights hash.
namespace Nn.Simd.Model;

public sealed partial class Network
{
    private QuantizedNetwork? _quantized;

    /// <summary>
    /// What the network records about itself for its model file (data source, class names,
    /// training options, …). It changes no prediction and is not part of <see cref="ComputeHash"/>.
    /// </summary>
    public ModelMetadata Metadata { get; } = new();

    /// <summary>
    /// The int8 form saved with this network (a model file's QNT8 section), or <see langword="null"/>;
    /// not copied by <see cref="Clone"/>, and not updated by training.
    /// </summary>
    /// <exception cref="ArgumentException">The quantized network's layers, activations, input or target scaling are not this network's.</exception>
    public QuantizedNetwork? Quantized
    {
        get => _quantized;
        set => _quantized = value is null || (value.LayerSizes.SequenceEqual(_sizes) && value.Activations.SequenceEqual(_activations) && Model.InputScaling.Same(value.InputScaling, InputScaling) && Model.TargetScaling.Same(value.TargetScaling, TargetScaling))
            ? value
            : throw new ArgumentException($"The quantized network [{string.Join(',', value.LayerSizes)}] does not have this network's layers, activations, input and target scaling.", nameof(value));
    }

    /// <summary>
    /// The per-feature scaling applied to raw inputs before the first layer, or <see langword="null"/>
    /// (inputs used as given). With one, <see cref="Predict"/>, <see cref="Classify"/>,
    /// <see cref="Predictor"/>, evaluation and the trainer all take raw inputs. It travels in the
    /// model file and is not part of <see cref="ComputeHash"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a scaling whose size is not <see cref="InputSize"/>, or other than the scaling of the network's <see cref="Quantized"/> form.</exception>
    public InputScaling? InputScaling
    {
        get;
        set => field = (value is null || value.Size == InputSize) && (_quantized is null || Model.InputScaling.Same(value, _quantized.InputScaling))
            ? value
            : throw new ArgumentException(value is not null && value.Size != InputSize ? $"The scaling has {value.Size} features but the network takes {InputSize} inputs." : "The network's int8 form (Quantized) takes another input scaling; set Quantized to null first.", nameof(value));
    }

    /// <summary>
    /// For a regression network, the standardisation of its targets, or <see langword="null"/>
    /// (outputs are the targets as given). The network itself (<see cref="Predict"/>, the trainer,
    /// the cost) works in the standardised units; <see cref="Predictor"/> and
    /// <see cref="QuantizedNetwork"/> give the targets in original units, and
    /// <see cref="TargetScaling.Restore"/> maps <see cref="Predict"/>'s outputs there. It travels in
    /// the model file and is not part of <see cref="ComputeHash"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a scaling whose size is not <see cref="OutputSize"/>, or other than the scaling of the network's <see cref="Quantized"/> form.</exception>
    public TargetScaling? TargetScaling
    {
        get;
        set => field = (value is null || value.Size == OutputSize) && (_quantized is null || Model.TargetScaling.Same(value, _quantized.TargetScaling))
            ? value
            : throw new ArgumentException(value is not null && value.Size != OutputSize ? $"The target scaling has {value.Size} targets but the network gives {OutputSize} outputs." : "The network's int8 form (Quantized) takes another target scaling; set Quantized to null first.", nameof(value));
    }
}
