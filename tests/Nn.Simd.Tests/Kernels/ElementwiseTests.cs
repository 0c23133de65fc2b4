using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class ElementwiseTests
{
    private static readonly float[] Specials =
        [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 1e-40f, -1e-39f, float.MaxValue, 3e38f, -2.5f, 1f];

    /// <summary>One rounding of a correctly rounded operation: u·|exact|, or half a subnormal step below the normal range.</summary>
    private static double OneRounding(double exact) => (Ulp.U * Math.Abs(exact)) + Ulp.SubnormalHalfStep;

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void Hadamard_matches_the_oracle(KernelPath path) =>
        SweepBinary(path, "Hadamard", (a, b, y, p) => Kernel.Hadamard(a, b, y, p), (a, b, _) => (double)a * b, (exact, _, _) => OneRounding(exact));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Add_matches_the_oracle(KernelPath path) =>
        SweepBinary(path, "Add", (a, b, y, p) => Kernel.Add(a, b, y, p), (a, b, _) => (double)a + b, (exact, _, _) => OneRounding(exact));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Add_gives_the_bits_of_a_copy_then_Axpy_by_one(KernelPath path)
    {
        // The shard tree's top adds two subtree sums in one pass; copying one and Axpy-ing the other
        // onto it gives the same bits, since fma(1, b, a) and a + b are the same correctly rounded sum.
        var random = new Random(5);
        foreach (int n in TestData.Lengths)
        {
            float[] a = [.. Enumerable.Range(0, n).Select(_ => Specials[random.Next(Specials.Length)] * (float)random.NextDouble())];
            float[] b = [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-130, 128))))];
            float[] viaAxpy = [.. a];
            Kernel.Axpy(1f, b, viaAxpy, path);
            var sum = new float[n];
            Kernel.Add(a, b, sum, path);
            Assertions.BitsEqual(viaAxpy, sum, $"Add {path} n={n}");
            Kernel.Add(a, b, a, path);
            Assertions.BitsEqual(viaAxpy, a, $"Add {path} n={n} into a");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Axpy_matches_the_oracle(KernelPath path) =>
        SweepBinary(path, "Axpy", (x, y, output, p) =>
        {
            y.CopyTo(output);
            Kernel.Axpy(-0.75f, x, output, p);
        }, (x, y, _) => (-0.75 * x) + y, (exact, _, _) => OneRounding(exact));

    [Theory]
    [MemberData(nameof(Paths))]
    public void SgdStep_matches_the_oracle(KernelPath path)
    {
        // decay·w is rounded once (u·|decay·w|), the fma once more (u·|result|).
        const float decay = 0.9999f, step = 0.3f;
        SweepBinary(path, "SgdStep", (w, g, output, p) =>
        {
            w.CopyTo(output);
            Kernel.SgdStep(output, g, decay, step, p);
        }, (w, g, _) => ((double)decay * w) - ((double)step * g), (exact, w, _) => OneRounding(exact) + OneRounding((double)decay * w));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Scale_matches_the_oracle_in_place_and_out_of_place(KernelPath path)
    {
        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in TestData.Offsets)
            {
                float[] x = TestData.Uniform(n, n + offset, 10f);
                var expected = new float[n];
                Kernel.Scale(1.7f, x, expected, KernelPath.Scalar);
                var output = new Guarded(n, offset);
                KernelBodies.Forget();
                Kernel.Scale(1.7f, x, output.Span, path);
                string context = $"Scale {path} n={n} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, output.Span, context);
                output.AssertCanariesIntact(context);
                for (int i = 0; i < n; i++)
                {
                    double exact = (double)1.7f * x[i];
                    Assertions.Within(exact, output.Span[i], OneRounding(exact), context);
                }

                var inPlace = new Guarded(n, offset).With(x);
                Kernel.Scale(1.7f, inPlace.Span, inPlace.Span, path);
                KernelBodies.AssertRan(path, context + " in place");
                Assertions.BitsEqual(expected, inPlace.Span, context + " in place");
                inPlace.AssertCanariesIntact(context + " in place");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestData.VectorPaths), MemberType = typeof(TestData))]
    public void Special_values_give_the_same_bits_on_every_path(KernelPath path)
    {
        var random = new Random(11);
        foreach (int n in TestData.Lengths)
        {
            float[] a = Enumerable.Range(0, n).Select(_ => Specials[random.Next(Specials.Length)]).ToArray();
            float[] b = Enumerable.Range(0, n).Select(_ => Specials[random.Next(Specials.Length)]).ToArray();
            var expected = new float[n];
            var actual = new float[n];
            Kernel.Hadamard(a, b, expected, KernelPath.Scalar);
            KernelBodies.Forget();
            Kernel.Hadamard(a, b, actual, path);
            KernelBodies.AssertRan(path, $"Hadamard specials n={n}");
            Assertions.BitsEqual(expected, actual, $"Hadamard specials n={n}");

            b.CopyTo(expected);
            b.CopyTo(actual);
            Kernel.Axpy(-1f, a, expected, KernelPath.Scalar);
            KernelBodies.Forget();
            Kernel.Axpy(-1f, a, actual, path);
            KernelBodies.AssertRan(path, $"Axpy specials n={n}");
            Assertions.BitsEqual(expected, actual, $"Axpy specials n={n}");

            a.CopyTo(expected);
            a.CopyTo(actual);
            Kernel.SgdStep(expected, b, 0.5f, 2f, KernelPath.Scalar);
            KernelBodies.Forget();
            Kernel.SgdStep(actual, b, 0.5f, 2f, path);
            KernelBodies.AssertRan(path, $"SgdStep specials n={n}");
            Assertions.BitsEqual(expected, actual, $"SgdStep specials n={n}");
        }
    }

    [Fact]
    public void Mismatched_lengths_throw_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.Hadamard(new float[4], new float[4], new float[6]));
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        Assert.Contains("6", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.Axpy(1f, new float[2], new float[9]));
        Assert.Contains("2", e.Message, StringComparison.Ordinal);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.SgdStep(new float[8], new float[7], 1f, 1f));
        Assert.Contains("8", e.Message, StringComparison.Ordinal);
        Assert.Contains("7", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.Scale(1f, new float[1], new float[0]));
        Assert.Contains("1", e.Message, StringComparison.Ordinal);
        Assert.Contains("0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partly_overlapping_output_is_refused()
    {
        var buffer = new float[20];
        var e = Assert.Throws<ArgumentException>(() => Kernel.Scale(2f, buffer.AsSpan(0, 10), buffer.AsSpan(3, 10)));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Kernel.Axpy(2f, buffer.AsSpan(0, 10), buffer.AsSpan(0, 10)));
    }

    private static void SweepBinary(
        KernelPath path,
        string name,
        Action<float[], float[], Span<float>, KernelPath> run,
        Func<float, float, int, double> exact,
        Func<double, float, float, double> bound)
    {
        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in TestData.Offsets)
            {
                float[] a = TestData.Uniform(n, n + offset, 3f);
                float[] b = TestData.Uniform(n, (7 * n) + offset + 1, 5f);
                var expected = new float[n];
                run(a, b, expected, KernelPath.Scalar);
                var output = new Guarded(n, offset);
                KernelBodies.Forget();
                run(a, b, output.Span, path);
                string context = $"{name} {path} n={n} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, output.Span, context);
                output.AssertCanariesIntact(context);
                for (int i = 0; i < n; i++)
                {
                    double e = exact(a[i], b[i], i);
                    Assertions.Within(e, output.Span[i], bound(e, a[i], b[i]), $"{context} element {i}");
                }
            }
        }
    }
}
