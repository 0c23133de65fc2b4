using System.Text.Json;
using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

/// <summary>
/// Agreement with PyTorch 1.13's torch.optim (Fixtures/optimizers/make_torch_trajectories.py): the
/// same 20 float32 gradients through both, every step's parameters compared.
/// </summary>
/// <remarks>
/// The bound is derived, not tuned. Both computations are followed by <see cref="Tracked"/>: ours in
/// the kernel's operations with the float hyperparameters (0.9f, …), PyTorch's in the operations
/// of its single-tensor code (each tensor op one rounding; an op with a scalar factor such as
/// <c>add_(x, alpha=a)</c> or <c>addcmul_</c> as a rounded product then a rounded sum, which also
/// bounds a fused form; <c>addcdiv_(m, d, value=a)</c> as (a·m)/d then the sum, ATen's order; Python
/// double scalars such as 1 − 0.9 or lr/(1 − β₁ᵗ) rounded once to float). Then
/// |ours − torch| ≤ |V_ours − V_torch| + E_ours + E_torch, where the V are the exact values of the
/// two formulations (they differ through 0.9f ≠ 0.9 and the like) and the E their error bounds.
/// </remarks>
public class OptimizerTorchTests
{
    public static TheoryData<string> Names() => ["momentum", "nesterov", "adam", "adamw", "rmsprop"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Twenty_steps_agree_with_pytorch_within_the_derived_bound(string name)
    {
        using JsonDocument fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optimizers", "torch-trajectories.json")));
        float[] w0 = Floats(fixture.RootElement.GetProperty("w0"));
        float[][] gradients = [.. fixture.RootElement.GetProperty("gradients").EnumerateArray().Select(Floats)];
        float[][] torch = [.. fixture.RootElement.GetProperty("trajectories").GetProperty(name).EnumerateArray().Select(Floats)];
        int n = w0.Length;
        float[] w = [.. w0], s1 = new float[n], s2 = new float[n];
        var ours = new (Tracked W, Tracked S1, Tracked S2)[n];
        var theirs = new (Tracked W, Tracked S1, Tracked S2)[n];
        var unbounded = new bool[n];
        for (int i = 0; i < n; i++)
        {
            ours[i] = theirs[i] = (Tracked.Exact(w0[i]), Tracked.Exact(0), Tracked.Exact(0));
        }

        for (int t = 1; t <= gradients.Length; t++)
        {
            float[] g = gradients[t - 1];
            switch (name)
            {
                case "momentum":
                case "nesterov":
                    Kernel.MomentumStep(w, g, s1, new MomentumStepScalars(0.05f, 0.9f, 1e-3f, nesterov: name == "nesterov"), KernelDispatch.Active);
                    break;
                case "adam":
                    Kernel.AdamStep(w, g, s1, s2, AdamStepScalars.Adam(1e-3f, t, weightDecay: 1e-2f), KernelDispatch.Active);
                    break;
                case "adamw":
                    Kernel.AdamStep(w, g, s1, s2, AdamStepScalars.AdamW(1e-3f, t, weightDecay: 1e-2f), KernelDispatch.Active);
                    break;
                default:
                    Kernel.RmsPropStep(w, g, s1, new RmsPropStepScalars(1e-2f, 0.99f, 1e-8f, 1e-3f), KernelDispatch.Active);
                    break;
            }

            for (int i = 0; i < n; i++)
            {
                if (unbounded[i])
                {
                    continue;
                }

                try
                {
                    ours[i] = Ours(name, t, ours[i], g[i]);
                    theirs[i] = Torch(name, t, theirs[i], g[i]);
                }
                catch (InvalidOperationException)
                {
                    // A divisor's bound reached zero: from here on the two computations may part
                    // legitimately (RMSProp's step g/√s is ±η·10 whatever the size of g, so a
                    // weight decayed to near zero is pushed one way or the other by its last bits).
                    unbounded[i] = true;
                    TestContext.Current.SendDiagnosticMessage($"{name}: element {i} (g = {g[i]}) has no bound from step {t} on");
                    continue;
                }

                double bound = Math.Abs(ours[i].W.Value - theirs[i].W.Value) + ours[i].W.Error + theirs[i].W.Error;
                Assertions.Within(torch[t - 1][i], w[i], bound, $"{name} step {t} element {i}");
            }
        }

        // Only elements whose gradient is dominated by the decay term λ·w may lose their bound.
        Assert.True(unbounded.Count(u => u) <= 2, $"{name}: {unbounded.Count(u => u)} of {n} elements lost their bound");
    }

    private static (Tracked W, Tracked S1, Tracked S2) Ours(string name, int t, (Tracked W, Tracked S1, Tracked S2) state, float g)
    {
        Tracked w = state.W, m = state.S1, v = state.S2;
        float l2 = name switch { "adam" => 1e-2f, "adamw" => 0f, _ => 1e-3f };
        Tracked gradient = Tracked.Fma(X(l2), w, X(1f) * X(g));
        switch (name)
        {
            case "momentum":
            case "nesterov":
                Tracked velocity = Tracked.Fma(X(0.9f), m, gradient);
                Tracked step = name == "nesterov" ? Tracked.Fma(X(0.9f), velocity, gradient) : velocity;
                return (Tracked.Fma(X(-0.05f), step, w), velocity, v);
            case "adam":
            case "adamw":
                Tracked first = Tracked.Fma(X(0.9f), m, X(1 - 0.9f) * gradient);
                Tracked second = Tracked.Fma(X(1 - 0.999f) * gradient, gradient, X(0.999f) * v);
                Tracked denominator = Tracked.Fma(Tracked.Sqrt(second), Tracked.RoundedConstant(1 / Math.Sqrt(1 - Math.Pow(0.999f, t))), X(1e-8f));
                Tracked decay = Tracked.RoundedConstant(1 - (name == "adamw" ? (double)1e-3f * 1e-2f : 0));
                return (Tracked.Fma(-Tracked.RoundedConstant(1e-3f / (1 - Math.Pow(0.9f, t))), first / denominator, decay * w), first, second);
            default:
                Tracked meanSquare = Tracked.Fma(X(1 - 0.99f) * gradient, gradient, X(0.99f) * m);
                return (Tracked.Fma(X(-1e-2f), gradient / (Tracked.Sqrt(meanSquare) + X(1e-8f)), w), meanSquare, v);
        }
    }

    /// <summary>PyTorch 1.13's single-tensor updates; scalars are Python doubles, rounded to float where a tensor op takes them.</summary>
    private static (Tracked W, Tracked S1, Tracked S2) Torch(string name, int t, (Tracked W, Tracked S1, Tracked S2) state, float g)
    {
        Tracked w = state.W, m = state.S1, v = state.S2;
        switch (name)
        {
            case "momentum":
            case "nesterov":
            {
                Tracked d = X(g) + (R(1e-3) * w);
                Tracked buffer = t == 1 ? d : (R(0.9) * m) + d;
                Tracked step = name == "nesterov" ? d + (R(0.9) * buffer) : buffer;
                return (w + (R(-0.05) * step), buffer, v);
            }

            case "adam":
            case "adamw":
            {
                Tracked gradient = name == "adam" ? X(g) + (R(1e-2) * w) : X(g);
                Tracked decayed = name == "adamw" ? R(1 - (1e-3 * 1e-2)) * w : w;
                Tracked first = (R(0.9) * m) + (R(1 - 0.9) * gradient);
                Tracked second = (R(0.999) * v) + (R(1 - 0.999) * gradient * gradient);
                Tracked denominator = (Tracked.Sqrt(second) / R(Math.Sqrt(1 - Math.Pow(0.999, t)))) + R(1e-8);
                return (decayed + (R(-1e-3 / (1 - Math.Pow(0.9, t))) * first / denominator), first, second);
            }

            default:
            {
                Tracked gradient = X(g) + (R(1e-3) * w);
                Tracked meanSquare = (R(0.99) * m) + (R(1 - 0.99) * gradient * gradient);
                Tracked average = Tracked.Sqrt(meanSquare) + R(1e-8);
                return (w + (R(-1e-2) * gradient / average), meanSquare, v);
            }
        }
    }

    private static Tracked X(float value) => Tracked.Exact(value);

    private static Tracked R(double value) => Tracked.RoundedConstant(value);

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];
}
