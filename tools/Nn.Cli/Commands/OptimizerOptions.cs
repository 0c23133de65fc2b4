using System.CommandLine;
using System.Globalization;
using Nn.Simd.Training;

namespace Nn.Cli.Commands;

/// <summary>
/// <c>nn train</c>'s options for the optimizer, the learning-rate schedule, early stopping and
/// checkpoints. Each is checked here with a message that names the option as typed; an option that
/// does not apply to the chosen optimizer or schedule is refused rather than ignored.
/// </summary>
internal sealed class OptimizerOptions
{
    private static readonly string[] OptimizerNames = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"];
    private static readonly string[] ScheduleNames = ["constant", "step", "exponential", "cosine", "plateau"];
    private static readonly string[] MetricNames = ["cost", "accuracy"];

    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "sgd|momentum|nesterov|adam|adamw|rmsprop (PyTorch's formulations).", DefaultValueFactory = _ => "sgd" };

    public Option<float?> Momentum { get; } = new("--momentum") { Description = "momentum, nesterov: μ in [0, 1) (default 0.9)." };

    public Option<float?> Beta1 { get; } = new("--beta1") { Description = "adam, adamw: β₁ in [0, 1) (default 0.9)." };

    public Option<float?> Beta2 { get; } = new("--beta2") { Description = "adam, adamw: β₂ in [0, 1) (default 0.999)." };

    public Option<float?> WeightDecay { get; } = new("--weight-decay") { Description = "The optimizer's weight decay on every parameter: decoupled for adamw (default 0.01), L2 for the others (default 0). Plain sgd uses --lambda." };

    public Option<string> Schedule { get; } = new("--schedule") { Description = "Learning rate: constant|step|exponential|cosine (per step)|plateau (on the validation cost).", DefaultValueFactory = _ => "constant" };

    public Option<int?> Warmup { get; } = new("--warmup") { Description = "cosine: EPOCHS of linear warm-up (default 0)." };

    public Option<int?> ScheduleEpochs { get; } = new("--schedule-epochs") { Description = "cosine: the epochs the curve spans (default --epochs; give the whole run's when it is trained in parts with --checkpoint and --resume)." };

    public Option<int?> StepEpochs { get; } = new("--step-epochs") { Description = "step: epochs between decays (default 10)." };

    public Option<float?> Gamma { get; } = new("--gamma") { Description = "step, exponential, plateau: the decay factor (defaults 0.1, 0.95, 0.1)." };

    public Option<int?> Patience { get; } = new("--patience") { Description = "Early stopping: stop after N epochs without improvement on the validation set and keep the best epoch (needs --validation)." };

    public Option<double?> MinDelta { get; } = new("--min-delta") { Description = "Early stopping: the least change that counts as an improvement (default 0)." };

    public Option<string?> Monitor { get; } = new("--monitor") { Description = "Early stopping watches the validation cost|accuracy (default cost)." };

    public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "Write the whole training state here (atomically) before the first epoch and after every epoch; see docs/checkpoint-format.md." };

    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run of this checkpoint up to --epochs, with the same data and options; the same bits as an uninterrupted run." };

    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[Optimizer, Momentum, Beta1, Beta2, WeightDecay, Schedule, Warmup, ScheduleEpochs, StepEpochs, Gamma, Patience, MinDelta, Monitor, Checkpoint, Resume])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The default η of an optimizer: today's 3 for sgd, 3·(1 − 0.9) for momentum, Adam's usual 0.001 for the adaptive ones.</summary>
    public static float DefaultLearningRate(Optimizer optimizer) => optimizer switch
    {
        Sgd => 3f,
        SgdMomentum or Nesterov => 0.3f,
        _ => 0.001f,
    };

    /// <summary>The options with the optimizer, schedule and early stopping the command line asks for.</summary>
    /// <param name="parse">The parse.</param>
    /// <param name="options">The options so far.</param>
    /// <param name="etaGiven">Whether --eta was typed (otherwise the optimizer's default rate is taken).</param>
    /// <param name="hasValidation">Whether --validation was given.</param>
    public TrainingOptions Apply(ParseResult parse, TrainingOptions options, bool etaGiven, bool hasValidation)
    {
        string name = Pick(parse.GetValue(Optimizer)!, OptimizerNames, "--optimizer");
        float? momentum = Fraction(parse, Momentum, name is "momentum" or "nesterov", "--optimizer momentum or nesterov");
        float? beta1 = Fraction(parse, Beta1, name is "adam" or "adamw", "--optimizer adam or adamw");
        float? beta2 = Fraction(parse, Beta2, name is "adam" or "adamw", "--optimizer adam or adamw");
        float? decay = parse.GetValue(WeightDecay);
        if (decay is { } d && !(d >= 0 && float.IsFinite(d)))
        {
            throw new UsageException($"--weight-decay {Text(d)} must be a finite number ≥ 0.");
        }

        if (decay is not null && name == "sgd")
        {
            throw new UsageException("--weight-decay applies to --optimizer momentum, nesterov, adam, adamw and rmsprop; plain sgd's L2 term is --lambda.");
        }

        if (name != "sgd" && options.Lambda != 0)
        {
            throw new UsageException($"--lambda is plain sgd's L2 term; with --optimizer {name} use --weight-decay.");
        }

        Optimizer optimizer = name switch
        {
            "sgd" => new Sgd(),
            "momentum" => new SgdMomentum(momentum ?? 0.9f, decay ?? 0f),
            "nesterov" => new Nesterov(momentum ?? 0.9f, decay ?? 0f),
            "adam" => new Adam(beta1 ?? 0.9f, beta2 ?? 0.999f, WeightDecay: decay ?? 0f),
            "adamw" => new AdamW(decay ?? 0.01f, beta1 ?? 0.9f, beta2 ?? 0.999f),
            _ => new RmsProp(WeightDecay: decay ?? 0f),
        };

        return options with
        {
            Optimizer = optimizer,
            LearningRate = etaGiven ? options.LearningRate : DefaultLearningRate(optimizer),
            Schedule = ScheduleOf(parse, options.Epochs, hasValidation),
            EarlyStopping = StoppingOf(parse, hasValidation),
        };
    }

    /// <summary>One line for the console: the optimizer, the schedule and early stopping, when any is not the default.</summary>
    public static string? Describe(TrainingOptions options)
    {
        string optimizer = options.Optimizer switch
        {
            SgdMomentum o => Invariant($"momentum (μ {o.Momentum}, weight decay {o.WeightDecay})"),
            Nesterov o => Invariant($"nesterov (μ {o.Momentum}, weight decay {o.WeightDecay})"),
            Adam o => Invariant($"adam (β₁ {o.Beta1}, β₂ {o.Beta2}, weight decay {o.WeightDecay})"),
            AdamW o => Invariant($"adamw (β₁ {o.Beta1}, β₂ {o.Beta2}, decoupled weight decay {o.WeightDecay})"),
            RmsProp o => Invariant($"rmsprop (α {o.Alpha}, weight decay {o.WeightDecay})"),
            _ => "sgd",
        };
        string schedule = options.Schedule switch
        {
            StepDecay s => Invariant($"η × {s.Gamma} every {s.StepEpochs} epochs"),
            ExponentialDecay s => Invariant($"η × {s.Gamma} every epoch"),
            CosineDecay s => Invariant($"cosine over {s.Epochs ?? options.Epochs} epochs, {s.WarmupEpochs} of warm-up"),
            ReduceOnPlateau s => Invariant($"η × {s.Factor} after {s.Patience} epochs without a lower validation cost"),
            _ => "constant η",
        };
        string stopping = options.EarlyStopping is { } e
            ? Invariant($"; early stopping after {e.Patience} epochs without a better validation {(e.Metric == StoppingMetric.Cost ? "cost" : "accuracy")} (min delta {e.MinDelta})")
            : string.Empty;
        return options.Optimizer is Sgd && options.Schedule is ConstantRate && options.EarlyStopping is null ? null : $"{optimizer}, {schedule}{stopping}";
    }

    private LearningRateSchedule ScheduleOf(ParseResult parse, int epochs, bool hasValidation)
    {
        string name = Pick(parse.GetValue(Schedule)!, ScheduleNames, "--schedule");
        int? warmup = parse.GetValue(Warmup), horizon = parse.GetValue(ScheduleEpochs), stepEpochs = parse.GetValue(StepEpochs);
        float? gamma = parse.GetValue(Gamma);
        NotFor(warmup is not null && name != "cosine", "--warmup", "--schedule cosine");
        NotFor(horizon is not null && name != "cosine", "--schedule-epochs", "--schedule cosine");
        NotFor(stepEpochs is not null && name != "step", "--step-epochs", "--schedule step");
        NotFor(gamma is not null && name is "constant" or "cosine", "--gamma", "--schedule step, exponential or plateau");
        if (gamma is { } g && !(g >= 0 && (name == "plateau" ? g < 1 : g <= 1)))
        {
            throw new UsageException($"--gamma {Text(g)} must lie in [0, 1{(name == "plateau" ? ")" : "]")}.");
        }

        int span = horizon ?? epochs;
        if (horizon is < 1)
        {
            throw new UsageException($"--schedule-epochs {horizon} must be at least 1.");
        }

        if (warmup is { } w && (w < 0 || w > span))
        {
            throw new UsageException($"--warmup {w} must lie between 0 and the {span} epochs the cosine spans.");
        }

        if (stepEpochs is < 1)
        {
            throw new UsageException($"--step-epochs {stepEpochs} must be at least 1.");
        }

        if (name == "plateau" && !hasValidation)
        {
            throw new UsageException("--schedule plateau watches the validation cost; add --validation COUNT|FRACTION.");
        }

        return name switch
        {
            "step" => new StepDecay(stepEpochs ?? 10, gamma ?? 0.1f),
            "exponential" => new ExponentialDecay(gamma ?? 0.95f),
            "cosine" => new CosineDecay(warmup ?? 0, 0f, horizon),
            "plateau" => new ReduceOnPlateau(gamma ?? 0.1f),
            _ => new ConstantRate(),
        };
    }

    private EarlyStopping? StoppingOf(ParseResult parse, bool hasValidation)
    {
        int? patience = parse.GetValue(Patience);
        double? minDelta = parse.GetValue(MinDelta);
        string? monitor = parse.GetValue(Monitor);
        NotFor(patience is null && (minDelta is not null || monitor is not null), minDelta is not null ? "--min-delta" : "--monitor", "early stopping (--patience N)");
        if (patience is null)
        {
            return null;
        }

        if (patience < 1)
        {
            throw new UsageException($"--patience {patience} must be at least 1.");
        }

        if (minDelta is { } m && !(m >= 0 && double.IsFinite(m)))
        {
            throw new UsageException($"--min-delta {m.ToString(CultureInfo.InvariantCulture)} must be a finite number ≥ 0.");
        }

        if (!hasValidation)
        {
            throw new UsageException("--patience stops on the validation set; add --validation COUNT|FRACTION.");
        }

        StoppingMetric metric = monitor is null || Pick(monitor, MetricNames, "--monitor") == "cost" ? StoppingMetric.Cost : StoppingMetric.Accuracy;
        return new EarlyStopping(patience.Value, minDelta ?? 0, metric);
    }

    private static float? Fraction(ParseResult parse, Option<float?> option, bool applies, string appliesTo)
    {
        float? value = parse.GetValue(option);
        NotFor(value is not null && !applies, option.Name, appliesTo);
        return value is { } v && !(v >= 0 && v < 1) ? throw new UsageException($"{option.Name} {Text(v)} must lie in [0, 1).") : value;
    }

    private static void NotFor(bool refused, string option, string appliesTo)
    {
        if (refused)
        {
            throw new UsageException($"{option} applies to {appliesTo} only.");
        }
    }

    private static string Pick(string value, string[] names, string option) =>
        names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"{option} '{value}' is not one of {string.Join(", ", names)}.{Suggestions.DidYouMean(value, names)}");

    private static string Text(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
