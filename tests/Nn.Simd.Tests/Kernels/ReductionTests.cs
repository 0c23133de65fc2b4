using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class ReductionTests
{
    /// <summary>
    /// Error bound of a 32-lane reduction of n terms against the exact sum (double oracle): each
    /// lane takes ⌈n/32⌉ roundings (one per fma or add), then 5 levels of additions combine the
    /// lanes, so every term passes through at most m = ⌈n/32⌉ + 5 roundings and
    /// |fl(Σ) − Σ| ≤ γ_m·Σ|terms| (Higham, Accuracy and Stability, §3.1), plus the double oracle's
    /// own error, below 2⁻⁵⁰·Σ|terms| for these lengths.
    /// </summary>
    internal static double ReductionBound(int n, double absoluteSum) =>
        (Ulp.Gamma(((n + 31) / 32) + 5) + Math.Pow(2, -50)) * absoluteSum;

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Dot_is_bit_identical_to_the_scalar_oracle_and_within_its_bound_of_double(KernelPath path)
    {
        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in TestData.Offsets)
            {
                var x = new Guarded(n, offset).With(TestData.Uniform(n, n + offset));
                var y = new Guarded(n, 7 - offset).With(TestData.Uniform(n, (3 * n) + offset + 1, 4f));
                float expected = Kernel.Dot(x.Span, y.Span, KernelPath.Scalar);
                KernelBodies.Forget();
                float actual = Kernel.Dot(x.Span, y.Span, path);
                string context = $"Dot {path} n={n} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, actual, context);
                double exact = DoubleOracle.Dot(x.Span, y.Span, out double abs);
                Assertions.Within(exact, actual, ReductionBound(n, abs), context);
                x.AssertCanariesIntact(context);
                y.AssertCanariesIntact(context);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Sum_is_bit_identical_to_the_scalar_oracle_and_within_its_bound_of_double(KernelPath path)
    {
        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in TestData.Offsets)
            {
                var x = new Guarded(n, offset).With(TestData.Uniform(n, n + (17 * offset), 100f));
                KernelBodies.Forget();
                float actual = Kernel.Sum(x.Span, path);
                string context = $"Sum {path} n={n} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(Kernel.Sum(x.Span, KernelPath.Scalar), actual, context);
                double exact = 0, abs = 0;
                foreach (float v in x.Span)
                {
                    exact += v;
                    abs += Math.Abs(v);
                }

                Assertions.Within(exact, actual, ReductionBound(n, abs), context);
            }
        }
    }

    [Fact]
    public void The_lane_order_is_the_documented_one()
    {
        // Lanes 0 and 32 share a partial sum: 1e8 + 1 − 1e8 in float is 0 within one lane (1 is
        // absorbed), while a naive left-to-right or pairwise sum of these terms would differ.
        var x = new float[64];
        x[0] = 1e8f;
        x[1] = 1f;
        x[32] = -1e8f;
        var ones = Enumerable.Repeat(1f, 64).ToArray();
        foreach (KernelPath path in KernelDispatch.SupportedPaths)
        {
            Assert.Equal(1f, Kernel.Dot(x, ones, path));
            Assert.Equal(1f, Kernel.Sum(x, path));
        }

        // Lane 1 (1e8) and lane 33 (−1e8) cancel exactly; lane 2's 3 survives.
        var y = new float[40];
        y[1] = 1e8f;
        y[33] = -1e8f;
        y[2] = 3f;
        foreach (KernelPath path in KernelDispatch.SupportedPaths)
        {
            Assert.Equal(3f, Kernel.Sum(y, path));
        }
    }

    [Theory]
    [MemberData(nameof(TestData.VectorPaths), MemberType = typeof(TestData))]
    public void Special_values_reduce_identically_on_every_path(KernelPath path)
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 1e-40f, -1e-39f, float.MaxValue, -float.MaxValue, 1f];
        var random = new Random(5);
        foreach (int n in TestData.Lengths)
        {
            for (int trial = 0; trial < 4; trial++)
            {
                var x = new float[n];
                var y = new float[n];
                for (int i = 0; i < n; i++)
                {
                    x[i] = specials[random.Next(specials.Length)];
                    y[i] = trial == 0 ? -0f : specials[random.Next(specials.Length)];
                }

                float expected = Kernel.Dot(x, y, KernelPath.Scalar);
                KernelBodies.Forget();
                Assertions.BitsEqual(expected, Kernel.Dot(x, y, path), $"Dot specials {path} n={n} trial={trial}");
                KernelBodies.AssertRan(path, $"Dot specials {path} n={n} trial={trial}");
                expected = Kernel.Sum(x, KernelPath.Scalar);
                KernelBodies.Forget();
                Assertions.BitsEqual(expected, Kernel.Sum(x, path), $"Sum specials {path} n={n} trial={trial}");
                KernelBodies.AssertRan(path, $"Sum specials {path} n={n} trial={trial}");
            }
        }
    }

    [Fact]
    public void Negative_zero_survives_in_every_lane()
    {
        // Products that round to −0 must not be turned into +0 by the padding of a partial vector.
        foreach (int n in TestData.Lengths)
        {
            var x = Enumerable.Repeat(-1e-30f, n).ToArray();
            var y = Enumerable.Repeat(1e-30f, n).ToArray();
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                float result = Kernel.Dot(x, y, path);
                // Every lane holds −0 once 32 or more products landed; a lane never touched stays +0,
                // and +0 + −0 = +0.
                float expected = n >= Kernel.ReductionLanes ? -0f : 0f;
                Assertions.BitsEqual(expected, result, $"n={n} {path}");
            }
        }
    }

    [Fact]
    public void Mismatched_lengths_throw_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.Dot(new float[3], new float[5]));
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
        Assert.Contains("x", e.Message, StringComparison.Ordinal);
        Assert.Contains("y", e.Message, StringComparison.Ordinal);
    }
}
