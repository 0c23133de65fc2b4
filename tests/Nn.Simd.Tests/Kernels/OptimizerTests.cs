using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

/// <summary>
/// The optimizer steps: every path gives the scalar oracle's bits (length sweeps, misaligned
/// operands, canaries around every updated span, special values in the gradient); the scalar path
/// stays within a derived error bound of the textbook formula in double (<see cref="Tracked"/>
/// follows the kernel's operations and bounds their rounding); and 100 steps with a constant
/// gradient follow the closed-form trajectory.
/// </summary>
public class OptimizerTests
{
    private const float Scale = 0.01f;

    private static readonly float[] Specials =
        [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 1e-40f, -1e-39f, 1e-30f, float.MaxValue, -3e38f, 1f];

    internal delegate void StepRun(Span<float> w, ReadOnlySpan<float> g, Span<float> s1, Span<float> s2, KernelPath path);

    /// <summary>One step of the optimizer followed in double from (w, g, s1, s2); returns the tracked new w, s1, s2.</summary>
    internal delegate (Tracked W, Tracked S1, Tracked S2) TrackedStep(Tracked w, float g, Tracked s1, Tracked s2);

    /// <summary>The textbook formula in plain double.</summary>
    internal delegate (double W, double S1, double S2) TextbookStep(double w, double g, double s1, double s2);

    internal sealed record Optimizer(string Name, int States, StepRun Run, TrackedStep Track, TextbookStep Textbook)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<string, KernelPath> Cases()
    {
        var data = new TheoryData<string, KernelPath>();
        foreach (Optimizer optimizer in All())
        {
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                data.Add(optimizer.Name, path);
            }
        }

        return data;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (Optimizer optimizer in All())
        {
            data.Add(optimizer.Name);
        }

        return data;
    }

    /// <summary>The five optimizers at one step (Adam's t = 7, so the bias corrections matter), each with weight decay.</summary>
    internal static IEnumerable<Optimizer> All()
    {
        yield return Momentum("momentum", nesterov: false);
        yield return Momentum("nesterov", nesterov: true);
        yield return Adam("adam", AdamStepScalars.Adam(1e-3f, 7, weightDecay: 1e-2f, gradientScale: Scale), step: 7, l2: 1e-2f, decoupled: 0f);
        yield return Adam("adamw", AdamStepScalars.AdamW(1e-3f, 7, weightDecay: 1e-2f, gradientScale: Scale), step: 7, l2: 0f, decoupled: 1e-2f);
        yield return RmsProp(new RmsPropStepScalars(1e-2f, weightDecay: 1e-3f, gradientScale: Scale));
    }

    private static Optimizer Find(string name) => All().Single(o => o.Name == name);

    private static Optimizer Momentum(string name, bool nesterov)
    {
        var s = new MomentumStepScalars(0.05f, 0.9f, weightDecay: 1e-3f, gradientScale: Scale, nesterov: nesterov);
        return new(
            name,
            1,
            (w, g, v, _, p) => Kernel.MomentumStep(w, g, v, s, p),
            (w, g, v, _) => TrackMomentum(s, w, g, v),
            (w, g, v, _) =>
            {
                double gradient = ((double)s.GradientScale * g) + ((double)s.WeightDecay * w);
                double velocity = ((double)s.Momentum * v) + gradient;
                double step = nesterov ? gradient + ((double)s.Momentum * velocity) : velocity;
                return (w - ((double)s.LearningRate * step), velocity, 0);
            });
    }

    private static (Tracked W, Tracked S1, Tracked S2) TrackMomentum(MomentumStepScalars s, Tracked w, float g, Tracked v)
    {
        Tracked gradient = Tracked.Fma(Tracked.Exact(s.WeightDecay), w, Tracked.Exact(s.GradientScale) * Tracked.Exact(g));
        Tracked velocity = Tracked.Fma(Tracked.Exact(s.Momentum), v, gradient);
        Tracked step = s.Nesterov ? Tracked.Fma(Tracked.Exact(s.Momentum), velocity, gradient) : velocity;
        return (Tracked.Fma(Tracked.Exact(-s.LearningRate), step, w), velocity, default);
    }

    private static Optimizer Adam(string name, AdamStepScalars s, long step, float l2, float decoupled) => new(
        name,
        2,
        (w, g, m, v, p) => Kernel.AdamStep(w, g, m, v, s, p),
        (w, g, m, v) => TrackAdam(s, step, 1e-3f, decoupled, w, g, m, v),
        (w, g, m, v) =>
        {
            double gradient = ((double)Scale * g) + ((double)l2 * w);
            double first = ((double)s.Beta1 * m) + ((1 - (double)s.Beta1) * gradient);
            double second = ((double)s.Beta2 * v) + ((1 - (double)s.Beta2) * gradient * gradient);
            double firstHat = first / (1 - Math.Pow(s.Beta1, step));
            double secondHat = second / (1 - Math.Pow(s.Beta2, step));
            double weight = ((1 - (1e-3 * decoupled)) * w) - (1e-3 * firstHat / (Math.Sqrt(secondHat) + s.Epsilon));
            return (weight, first, second);
        });

    /// <summary>Adam's operations in the kernel's order; the three per-step factors are float roundings of their exact values.</summary>
    private static (Tracked W, Tracked S1, Tracked S2) TrackAdam(AdamStepScalars s, long step, double learningRate, double decoupled, Tracked w, float g, Tracked m, Tracked v)
    {
        Tracked gradient = Tracked.Fma(Tracked.Exact(s.L2), w, Tracked.Exact(s.GradientScale) * Tracked.Exact(g));
        Tracked first = Tracked.Fma(Tracked.Exact(s.Beta1), m, Tracked.Exact(s.OneMinusBeta1) * gradient);
        Tracked second = Tracked.Fma(Tracked.Exact(s.OneMinusBeta2) * gradient, gradient, Tracked.Exact(s.Beta2) * v);
        Tracked inverseSqrtBias2 = Tracked.RoundedConstant(1 / Math.Sqrt(1 - Math.Pow(s.Beta2, step)));
        Tracked denominator = Tracked.Fma(Tracked.Sqrt(second), inverseSqrtBias2, Tracked.Exact(s.Epsilon));
        Tracked stepSize = Tracked.RoundedConstant(learningRate / (1 - Math.Pow(s.Beta1, step)));
        Tracked decay = Tracked.RoundedConstant(1 - (learningRate * decoupled));
        return (Tracked.Fma(-stepSize, first / denominator, decay * w), first, second);
    }

    private static Optimizer RmsProp(RmsPropStepScalars s) => new(
        "rmsprop",
        1,
        (w, g, ms, _, p) => Kernel.RmsPropStep(w, g, ms, s, p),
        (w, g, ms, _) => TrackRmsProp(s, w, g, ms),
        (w, g, ms, _) =>
        {
            double gradient = ((double)s.GradientScale * g) + ((double)s.WeightDecay * w);
            double meanSquare = ((double)s.Alpha * ms) + ((1 - (double)s.Alpha) * gradient * gradient);
            return (w - ((double)s.LearningRate * gradient / (Math.Sqrt(meanSquare) + s.Epsilon)), meanSquare, 0);
        });

    private static (Tracked W, Tracked S1, Tracked S2) TrackRmsProp(RmsPropStepScalars s, Tracked w, float g, Tracked ms)
    {
        Tracked gradient = Tracked.Fma(Tracked.Exact(s.WeightDecay), w, Tracked.Exact(s.GradientScale) * Tracked.Exact(g));
        Tracked meanSquare = Tracked.Fma(Tracked.Exact(s.OneMinusAlpha) * gradient, gradient, Tracked.Exact(s.Alpha) * ms);
        Tracked denominator = Tracked.Sqrt(meanSquare) + Tracked.Exact(s.Epsilon);
        return (Tracked.Fma(Tracked.Exact(-s.LearningRate), gradient / denominator, w), meanSquare, default);
    }

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_path_gives_the_oracle_bits_and_stays_within_the_derived_bound(string name, KernelPath path)
    {
        Optimizer optimizer = Find(name);
        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in TestData.Offsets)
            {
                float[] w0 = TestData.Uniform(n, n + offset, 1f);
                float[] g = TestData.Uniform(n, (3 * n) + offset + 1, 30f);
                float[] s10 = TestData.Uniform(n, (5 * n) + offset + 2, 0.1f);
                float[] s20 = [.. TestData.Uniform(n, (7 * n) + offset + 3, 0.1f).Select(x => x * x)];
                if (optimizer.Name == "rmsprop")
                {
                    s10 = s20;
                }

                (float[] w, float[] s1, float[] s2) expected = RunScalar(optimizer, w0, g, s10, s20);
                var w = new Guarded(n, offset).With(w0);
                var s1 = new Guarded(n, (offset + 3) % 8).With(s10);
                var s2 = new Guarded(n, (offset + 5) % 8).With(s20);
                optimizer.Run(w.Span, g.AsSpan(), s1.Span, optimizer.States == 2 ? s2.Span : [], path);
                string context = $"{name} {path} n={n} offset={offset}";
                Assertions.BitsEqual(expected.w, w.Span, context + " w");
                Assertions.BitsEqual(expected.s1, s1.Span, context + " state 1");
                w.AssertCanariesIntact(context + " w");
                s1.AssertCanariesIntact(context + " state 1");
                if (optimizer.States == 2)
                {
                    Assertions.BitsEqual(expected.s2, s2.Span, context + " state 2");
                    s2.AssertCanariesIntact(context + " state 2");
                }

                for (int i = 0; i < n; i++)
                {
                    (Tracked tw, Tracked ts1, Tracked ts2) = optimizer.Track(Tracked.Exact(w0[i]), g[i], Tracked.Exact(s10[i]), Tracked.Exact(s20[i]));
                    (double bw, double bs1, double bs2) = optimizer.Textbook(w0[i], g[i], s10[i], s20[i]);
                    Assertions.Within(bw, w.Span[i], tw.Error, $"{context} w[{i}]");
                    Assertions.Within(bs1, s1.Span[i], ts1.Error, $"{context} state 1 [{i}]");
                    if (optimizer.States == 2)
                    {
                        Assertions.Within(bs2, s2.Span[i], ts2.Error, $"{context} state 2 [{i}]");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Special_gradients_give_the_same_bits_on_every_path(string name, KernelPath path)
    {
        Optimizer optimizer = Find(name);
        var random = new Random(17);
        foreach (int n in TestData.Lengths)
        {
            float[] g = [.. Enumerable.Range(0, n).Select(_ => Specials[random.Next(Specials.Length)])];
            float[] w0 = TestData.Uniform(n, n, 1f);
            float[] s10 = [.. TestData.Uniform(n, n + 1, 0.1f).Select(x => name == "rmsprop" ? x * x : x)];
            float[] s20 = [.. TestData.Uniform(n, n + 2, 0.1f).Select(x => x * x)];
            (float[] w, float[] s1, float[] s2) expected = RunScalar(optimizer, w0, g, s10, s20);
            var w = new Guarded(n, 1).With(w0);
            var s1 = new Guarded(n, 2).With(s10);
            var s2 = new Guarded(n, 3).With(s20);
            optimizer.Run(w.Span, g, s1.Span, optimizer.States == 2 ? s2.Span : [], path);
            string context = $"{name} specials {path} n={n}";
            Assertions.BitsEqual(expected.w, w.Span, context + " w");
            Assertions.BitsEqual(expected.s1, s1.Span, context + " state 1");
            w.AssertCanariesIntact(context);
            s1.AssertCanariesIntact(context);
            if (optimizer.States == 2)
            {
                Assertions.BitsEqual(expected.s2, s2.Span, context + " state 2");
                s2.AssertCanariesIntact(context);
            }
        }
    }

    /// <summary>
    /// With a zero gradient (and no weight decay) every state only decays: momentum's v ← 0.9·v,
    /// Adam's m ← 0.9·m and v ← 0.999·v, RMSProp's s ← 0.99·s. A decayed state whose magnitude is
    /// below 2⁻¹²⁶ must be stored as +0 on every path (left alone it would stay subnormal for good:
    /// round(0.9·2⁻¹⁴⁹) = 2⁻¹⁴⁹); a normal one is the plain product, and a NaN stays NaN.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void A_state_decaying_below_the_normal_range_is_stored_as_zero_on_every_path(string name, KernelPath path)
    {
        float[] states =
        [
            1.2e-38f, -1.2e-38f, 1.3e-38f, float.Epsilon, -float.Epsilon, 4 * float.Epsilon, 1e-40f, 1.1754944e-38f,
            2e-38f, -2e-38f, 1e-3f, -0.5f, 0f, -0f, float.NaN, 3e-38f, 1.31e-38f, -1.31e-38f, 1e-39f,
        ];
        int n = states.Length;
        float[] w0 = TestData.Uniform(n, 5, 1f);
        (float decay1, float decay2) = name switch
        {
            "momentum" or "nesterov" => (0.9f, 0f),
            "rmsprop" => (0.99f, 0f),
            _ => (0.9f, 0.999f),
        };
        float[] s1 = [.. states], s2 = [.. states.Reverse()];
        float[] expected1 = [.. s1.Select(x => Flushed(decay1 * x))];
        float[] expected2 = [.. s2.Select(x => Flushed(decay2 * x))];
        float[] w = [.. w0];
        var zero = new float[n];
        switch (name)
        {
            case "momentum":
            case "nesterov":
                Kernel.MomentumStep(w, zero, s1, new MomentumStepScalars(0.05f, 0.9f, nesterov: name == "nesterov"), path);
                break;
            case "adam":
            case "adamw":
                Kernel.AdamStep(w, zero, s1, s2, name == "adam" ? AdamStepScalars.Adam(1e-3f, 9) : AdamStepScalars.AdamW(1e-3f, 9, weightDecay: 0f), path);
                break;
            default:
                Kernel.RmsPropStep(w, zero, s1, new RmsPropStepScalars(1e-2f), path);
                break;
        }

        Assertions.BitsEqual(expected1, s1, $"{name} {path} state 1");
        if (name.StartsWith("adam", StringComparison.Ordinal))
        {
            Assertions.BitsEqual(expected2, s2, $"{name} {path} state 2");
        }

        Assert.Contains(expected1, x => BitConverter.SingleToInt32Bits(x) == 0 && x == 0f);
        Assert.Contains(expected1, float.IsNaN);
        Assert.Contains(expected1, x => x != 0f && Math.Abs(x) < 3e-38f);

        static float Flushed(float x) => Math.Abs(x) < 1.17549435E-38f ? 0f : x;
    }

    [Fact]
    public void Spans_of_other_lengths_or_overlapping_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.AdamStep(new float[8], new float[8], new float[8], new float[5], AdamStepScalars.AdamW(1e-3f, 1)));
        Assert.Contains("8", e.Message, StringComparison.Ordinal);
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.MomentumStep(new float[3], new float[4], new float[3], new MomentumStepScalars(0.1f, 0.9f)));
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        var buffer = new float[16];
        Assert.Throws<ArgumentException>(() => Kernel.RmsPropStep(buffer.AsSpan(0, 8), new float[8], buffer.AsSpan(4, 8), new RmsPropStepScalars(0.01f)));
        Assert.Throws<ArgumentException>(() => Kernel.AdamStep(buffer.AsSpan(0, 8), new float[8], buffer.AsSpan(8, 8), buffer.AsSpan(8, 8), AdamStepScalars.Adam(1e-3f, 1)));
        Assert.Throws<ArgumentException>(() => Kernel.MomentumStep(buffer.AsSpan(0, 8), buffer.AsSpan(0, 8), new float[8], new MomentumStepScalars(0.1f, 0.9f)));
    }

    [Fact]
    public void Scalars_out_of_range_are_refused_naming_the_argument()
    {
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => AdamStepScalars.AdamW(1e-3f, 0)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => AdamStepScalars.Adam(1e-3f, 1, beta2: 1f)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => AdamStepScalars.Adam(1e-3f, 1, epsilon: 0f)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new MomentumStepScalars(0.1f, -0.5f)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsPropStepScalars(float.NaN)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => AdamStepScalars.AdamW(1e-3f, 3, weightDecay: -1f)).ParamName);
    }

    [Fact]
    public void Bias_corrections_are_the_documented_roundings_of_double_values()
    {
        // β^t by binary exponentiation equals the product of t factors to within double rounding,
        // and each per-step factor is the float nearest its double value.
        foreach (long t in new long[] { 1, 2, 3, 7, 100, 1000, 123457 })
        {
            var s = AdamStepScalars.AdamW(3e-4f, t, weightDecay: 0.05f, beta1: 0.9f, beta2: 0.999f);
            double p1 = Math.Pow(0.9f, t), p2 = Math.Pow(0.999f, t);
            Assert.Equal((float)(3e-4f / (1 - p1)), s.StepSize);
            Assert.Equal((float)(1 / Math.Sqrt(1 - p2)), s.InverseSqrtBias2);
            Assert.Equal((float)(1 - ((double)3e-4f * 0.05f)), s.Decay);
            Assert.Equal(1f, AdamStepScalars.Adam(3e-4f, t).Decay);
        }

        Assert.Equal(0.0, DeterministicMath.Power(0.5, 0) - 1.0);
        Assert.Equal(Math.ScaleB(1, -40), DeterministicMath.Power(0.5, 40));
        Assert.Equal(0.9 * 0.9 * 0.9 * 0.9 * 0.9, DeterministicMath.Power(0.9, 5), 1e-16);
    }

    /// <summary>
    /// 100 steps with a constant gradient G = c·g on every path follow the closed forms (no
    /// weight decay unless stated): Adam moves w by η·G/(|G| + ε) per step (the bias corrections
    /// make m̂ = G and v̂ = G² exactly); AdamW adds w ← (1 − ηλ)·w first; momentum's velocity is
    /// G·(1 − μᵗ)/(1 − μ); RMSProp's mean square is (1 − αᵗ)·G². The bound is <see cref="Tracked"/>'s,
    /// carried through all 100 steps with the state's own errors.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void A_hundred_steps_follow_the_closed_form_on_every_path(string name)
    {
        const int Steps = 100, N = 37;
        const float Eta = 2e-3f, Mu = 0.9f, Alpha = 0.99f, Lambda = 0.1f;
        float[] g = TestData.Uniform(N, 99, 50f);
        g[0] = 0f;
        g[1] = 1e-6f;
        g[2] = -4000f;
        float[] w0 = TestData.Uniform(N, 98, 1f);
        float[]? scalarResult = null;
        foreach (KernelPath path in KernelDispatch.SupportedPaths)
        {
            float[] w = [.. w0];
            var s1 = new float[N];
            var s2 = new float[N];
            for (int t = 1; t <= Steps; t++)
            {
                switch (name)
                {
                    case "momentum":
                    case "nesterov":
                        Kernel.MomentumStep(w, g, s1, new MomentumStepScalars(Eta, Mu, gradientScale: Scale, nesterov: name == "nesterov"), path);
                        break;
                    case "adam":
                        Kernel.AdamStep(w, g, s1, s2, AdamStepScalars.Adam(Eta, t, gradientScale: Scale), path);
                        break;
                    case "adamw":
                        Kernel.AdamStep(w, g, s1, s2, AdamStepScalars.AdamW(Eta, t, weightDecay: Lambda, gradientScale: Scale), path);
                        break;
                    default:
                        Kernel.RmsPropStep(w, g, s1, new RmsPropStepScalars(Eta, Alpha, gradientScale: Scale), path);
                        break;
                }
            }

            scalarResult ??= w;
            Assertions.BitsEqual(scalarResult, w, $"{name} after {Steps} steps on {path}");
        }

        for (int i = 0; i < N; i++)
        {
            double gradient = (double)Scale * g[i];
            double closed = w0[i], velocity = 0;
            Tracked tw = Tracked.Exact(w0[i]), ts1 = Tracked.Exact(0), ts2 = Tracked.Exact(0);
            for (int t = 1; t <= Steps; t++)
            {
                switch (name)
                {
                    case "momentum":
                    case "nesterov":
                        velocity = gradient * (1 - Math.Pow(Mu, t)) / (1 - Mu);
                        closed -= Eta * (name == "nesterov" ? gradient + (Mu * velocity) : velocity);
                        (tw, ts1, _) = TrackMomentum(new MomentumStepScalars(Eta, Mu, gradientScale: Scale, nesterov: name == "nesterov"), tw, g[i], ts1);
                        break;
                    case "adam":
                    case "adamw":
                        double decoupled = name == "adamw" ? Lambda : 0;
                        closed = ((1 - ((double)Eta * decoupled)) * closed) - (Eta * gradient / (Math.Abs(gradient) + 1e-8f));
                        AdamStepScalars s = name == "adamw" ? AdamStepScalars.AdamW(Eta, t, weightDecay: Lambda, gradientScale: Scale) : AdamStepScalars.Adam(Eta, t, gradientScale: Scale);
                        (tw, ts1, ts2) = TrackAdam(s, t, Eta, decoupled, tw, g[i], ts1, ts2);
                        break;
                    default:
                        closed -= Eta * gradient / ((Math.Abs(gradient) * Math.Sqrt(1 - Math.Pow(Alpha, t))) + 1e-8f);
                        (tw, ts1, _) = TrackRmsProp(new RmsPropStepScalars(Eta, Alpha, gradientScale: Scale), tw, g[i], ts1);
                        break;
                }
            }

            Assertions.Within(closed, scalarResult![i], tw.Error, $"{name} element {i} (g = {g[i]}) after {Steps} steps");
        }
    }

    private static (float[] W, float[] S1, float[] S2) RunScalar(Optimizer optimizer, float[] w0, float[] g, float[] s10, float[] s20)
    {
        float[] w = [.. w0], s1 = [.. s10], s2 = [.. s20];
        optimizer.Run(w, g, s1, optimizer.States == 2 ? s2 : [], KernelPath.Scalar);
        return (w, s1, s2);
    }
}

/// <summary>The optimizer steps allocate nothing (run alone: a collection triggered elsewhere would blur the count).</summary>
[Collection(SerialCollection.Name)]
public class OptimizerAllocationTests
{
    [Fact]
    public void Optimizer_steps_allocate_nothing_on_any_path()
    {
        float[] w = TestData.Uniform(3079, 1), g = TestData.Uniform(3079, 2), m = new float[3079], v = new float[3079];
        void StepAll()
        {
            // An index loop: foreach over the IReadOnlyList would allocate its enumerator.
            for (int p = 0; p < KernelDispatch.SupportedPaths.Count; p++)
            {
                KernelPath path = KernelDispatch.SupportedPaths[p];
                Kernel.MomentumStep(w, g, m, new MomentumStepScalars(0.01f, 0.9f, nesterov: true), path);
                Kernel.MomentumStep(w, g, m, new MomentumStepScalars(0.01f, 0.9f), path);
                Kernel.AdamStep(w, g, m, v, AdamStepScalars.AdamW(1e-3f, 5), path);
                Kernel.RmsPropStep(w, g, v, new RmsPropStepScalars(1e-3f), path);
            }
        }

        StepAll();
        Assert.Equal(0, AllocationMeter.Measure(StepAll));
    }
}
