using Nn.Simd.Kernels;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// The step of an optimizer with state (every one but <see cref="Sgd"/>, which
/// <see cref="GradientStep"/> takes as it always has), over the runs of parameters an engine names.
/// The state arrays are laid out like the engine's gradient, so each run of parameters pairs
/// element by element with its runs of gradient and state, wherever the engine keeps it; they are
/// made once, zero, and kept when the engine is replaced. The gradient is scaled by 1/m, m the
/// mini-batch actually taken. Each run of weights is split over the workers in element ranges
/// (the same bits for any thread count); biases, too small to gain, stay on the calling thread.
/// </summary>
internal sealed class OptimizerStep
{
    private readonly Optimizer _optimizer;
    private readonly ParallelOptimizerStep _parallel = new();

    /// <summary>State for <paramref name="optimizer"/> over a gradient of <paramref name="length"/> values.</summary>
    public OptimizerStep(Optimizer optimizer, int length)
    {
        _optimizer = optimizer;
        First = optimizer.StateArrays > 0 ? new float[length] : [];
        Second = optimizer.StateArrays > 1 ? new float[length] : [];
    }

    /// <summary>The first state array (velocity, first moment or mean square), in the gradient's layout.</summary>
    public float[] First { get; }

    /// <summary>The second state array (Adam's second moment), in the gradient's layout; empty for the others.</summary>
    public float[] Second { get; }

    /// <summary>One step at rate <paramref name="rate"/>, the <paramref name="step"/>-th (0-based) of the run, after a mini-batch of <paramref name="batchSize"/>.</summary>
    public void Apply(WorkerPool? pool, ReadOnlySpan<ParameterBlock> parameters, float[] gradient, float rate, long step, int batchSize, KernelPath path)
    {
        float scale = 1f / batchSize;
        switch (_optimizer)
        {
            case SgdMomentum o:
                _parallel.Momentum = new MomentumStepScalars(rate, o.Momentum, o.WeightDecay, scale, nesterov: false);
                _parallel.Kind = StepKind.Momentum;
                break;
            case Nesterov o:
                _parallel.Momentum = new MomentumStepScalars(rate, o.Momentum, o.WeightDecay, scale, nesterov: true);
                _parallel.Kind = StepKind.Momentum;
                break;
            case Adam o:
                _parallel.Adam = AdamStepScalars.Adam(rate, step + 1, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, scale);
                _parallel.Kind = StepKind.Adam;
                break;
            case AdamW o:
                _parallel.Adam = AdamStepScalars.AdamW(rate, step + 1, o.WeightDecay, o.Beta1, o.Beta2, o.Epsilon, scale);
                _parallel.Kind = StepKind.Adam;
                break;
            case RmsProp o:
                _parallel.RmsProp = new RmsPropStepScalars(rate, o.Alpha, o.Epsilon, o.WeightDecay, scale);
                _parallel.Kind = StepKind.RmsProp;
                break;
            default:
                throw new InvalidOperationException($"{_optimizer.GetType().Name} has no state step.");
        }

        foreach (ParameterBlock block in parameters)
        {
            _parallel.Run(block.IsWeights ? pool : null, block, gradient, First, Second, path);
        }
    }

    /// <summary>Which kernel a <see cref="ParallelOptimizerStep"/> runs.</summary>
    internal enum StepKind
    {
        Momentum,
        Adam,
        RmsProp,
    }

    /// <summary>
    /// An optimizer's step over one run of parameters, split into element ranges. An element costs
    /// more than SGD's (which moves 12 bytes): momentum moves 20, Adam 28 and a square root and a
    /// division, RMSProp 20 and the same two; weighting the elements 2 or 4 splits configuration
    /// (c)'s 256 × 256 layer over both threads too, which the SGD step leaves on one.
    /// </summary>
    private sealed class ParallelOptimizerStep : RangeWork
    {
        private ParameterBlock _block;
        private float[] _gradient = [], _first = [], _second = [];
        private KernelPath _path;

        public StepKind Kind { get; set; }

        public MomentumStepScalars Momentum { get; set; }

        public AdamStepScalars Adam { get; set; }

        public RmsPropStepScalars RmsProp { get; set; }

        public void Run(WorkerPool? pool, ParameterBlock block, float[] gradient, float[] first, float[] second, KernelPath path)
        {
            (_block, _gradient, _first, _second, _path) = (block, gradient, first, second, path);
            RunOver(pool, block.Length, 4096, Kind == StepKind.Momentum ? 2 : 4);
        }

        protected override void ExecuteRange(int start, int end)
        {
            int length = end - start;
            int at = _block.GradientOffset + start;
            Span<float> w = _block.Values.AsSpan(_block.Offset + start, length);
            ReadOnlySpan<float> g = _gradient.AsSpan(at, length);
            switch (Kind)
            {
                case StepKind.Momentum:
                    Kernel.MomentumStep(w, g, _first.AsSpan(at, length), Momentum, _path);
                    break;
                case StepKind.Adam:
                    Kernel.AdamStep(w, g, _first.AsSpan(at, length), _second.AsSpan(at, length), Adam, _path);
                    break;
                default:
                    Kernel.RmsPropStep(w, g, _first.AsSpan(at, length), RmsProp, _path);
                    break;
            }
        }
    }
}
