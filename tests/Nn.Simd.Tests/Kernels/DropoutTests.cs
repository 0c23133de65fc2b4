using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Kernels;

/// <summary>
/// Philox4x32-10 against Random123's published known answers; the dropout mask against an
/// independent statement of its unit-to-word mapping; every path against the scalar form; the
/// keep rate within a binomial bound.
/// </summary>
public class DropoutTests
{
    private static readonly int[] Lengths = [.. TestData.Lengths, 48, 63, 64, 65, 127, 128, 129, 191, 192, 256, 512, 1000];

    private static readonly float[] Rates = [0f, 0.2f, 0.5f, 0.9f];

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    /// <summary>Random123's kat_vectors, "philox4x32 10" lines: counter, key → output.</summary>
    [Theory]
    [InlineData(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Philox_gives_the_published_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint x0, uint x1, uint x2, uint x3) =>
        Assert.Equal((x0, x1, x2, x3), Philox.Block(c0, c1, c2, c3, k0, k1));

    [Fact]
    public void The_mask_follows_the_documented_unit_to_word_mapping()
    {
        var key = new DropoutKey(0x0123_4567_89AB_CDEFUL, 7, 4242, 2);
        const float Rate = 0.3f;
        int threshold = (int)Math.Round(Rate * 2147483648.0);
        float scale = (float)(1.0 / (1.0 - Rate));
        var mask = new float[1000];
        Kernel.DropoutMask(mask, Rate, key, KernelPath.Scalar);
        for (int u = 0; u < mask.Length; u++)
        {
            // Unit u = 64·B + 16·w + i takes word w of counter 16·B + i.
            int b = u / 64, w = u % 64 / 16, i = u % 16;
            (uint x0, uint x1, uint x2, uint x3) = Philox.Block((uint)((16 * b) + i), key.Sample, key.Epoch, key.Stream, 0x89AB_CDEFu, 0x0123_4567u);
            uint word = w switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
            Assert.Equal((word >> 1) >= threshold ? scale : 0f, mask[u]);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_path_gives_the_scalar_bits_with_canaries_intact(KernelPath path)
    {
        foreach (float rate in Rates)
        {
            foreach (int n in Lengths)
            {
                foreach (int offset in new[] { 0, 1, 3, 5 })
                {
                    var key = new DropoutKey((ulong)(n + 1) * 0x9E37_79B9_7F4A_7C15UL, (uint)offset, (uint)n, 1);
                    float[] values = TestData.Uniform(n, n + offset, 4f);
                    float[] expected = [.. values];
                    Kernel.Dropout(expected, rate, key, KernelPath.Scalar);
                    var actual = new Guarded(n, offset).With(values);
                    Kernel.Dropout(actual.Span, rate, key, path);
                    string context = $"Dropout {path} p={rate} n={n} offset={offset}";
                    Assertions.BitsEqual(expected, actual.Span, context);
                    actual.AssertCanariesIntact(context);

                    var mask = new Guarded(n, offset);
                    Kernel.DropoutMask(mask.Span, rate, key, path);
                    mask.AssertCanariesIntact(context + " mask");
                    for (int i = 0; i < n; i++)
                    {
                        Assertions.BitsEqual(expected[i], values[i] * mask.Span[i], $"{context} mask element {i}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The bits of a row on every path are the scalar path's, bit u is 1 exactly where
    /// <c>Dropout</c> keeps unit u, and applying them to a block (rows at several offsets, canaries
    /// around it and around the bytes) gives <c>Dropout</c>'s bits for each row's key; the bytes
    /// beyond a row's own are never written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Mask_bits_on_every_path_apply_as_dropout_does(KernelPath path)
    {
        const byte ByteCanary = 0xA5;
        foreach (float rate in Rates)
        {
            foreach (int n in Lengths)
            {
                const int Rows = 3;
                int stride = Kernel.DropoutBitsLength(n);
                var bytes = new byte[(Rows * stride) + 8];
                Array.Fill(bytes, ByteCanary);
                Span<byte> bits = bytes.AsSpan(4, Rows * stride);
                float[] values = TestData.Uniform(Rows * n, n + 7, 4f);
                float[] expected = [.. values];
                for (int r = 0; r < Rows; r++)
                {
                    var key = new DropoutKey((ulong)n * 0x9E37_79B9UL, 3, (uint)(n + r), 2);
                    Kernel.DropoutMaskBits(bits.Slice(r * stride, stride), n, rate, key, path);
                    var scalarBits = new byte[stride];
                    Kernel.DropoutMaskBits(scalarBits, n, rate, key, KernelPath.Scalar);
                    var mask = new float[n];
                    Kernel.DropoutMask(mask, rate, key, KernelPath.Scalar);
                    for (int u = 0; u < n; u++)
                    {
                        bool kept = (bits[(r * stride) + (u / 8)] >> (u % 8) & 1) == 1;
                        Assert.True(kept == (mask[u] != 0f), $"{path} p={rate} n={n} row {r} unit {u}: bit {kept}, factor {mask[u]}");
                        Assert.True(kept == ((scalarBits[u / 8] >> (u % 8) & 1) == 1), $"{path} p={rate} n={n} row {r} unit {u} against the scalar bits");
                    }

                    Kernel.Dropout(expected.AsSpan(r * n, n), rate, key, KernelPath.Scalar);
                }

                Assert.All(bytes[..4].Concat(bytes[^4..]), b => Assert.Equal(ByteCanary, b));
                var actual = new Guarded(Rows * n, n % 4).With(values);
                Kernel.DropoutApplyBits(actual.Span, Rows, n, bits, rate, path);
                string context = $"DropoutApplyBits {path} p={rate} n={n}";
                Assertions.BitsEqual(expected, actual.Span, context);
                actual.AssertCanariesIntact(context);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Special_values_are_kept_or_multiplied_by_zero_with_the_same_bits(KernelPath path)
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -1e-40f, float.MaxValue, -3f];
        float[] values = [.. Enumerable.Range(0, 777).Select(i => specials[i % specials.Length])];
        float[] expected = [.. values], actual = [.. values];
        var key = new DropoutKey(5, 1, 2, 3);
        Kernel.Dropout(expected, 0.5f, key, KernelPath.Scalar);
        Kernel.Dropout(actual, 0.5f, key, path);
        Assertions.BitsEqual(expected, actual, $"Dropout specials {path}");
        Assert.Contains(expected, float.IsNaN);
    }

    /// <summary>
    /// Over n = 1000 × 1024 units the kept count is Binomial(n, 1 − p): mean n(1 − p), σ = √(n·p·(1 − p))
    /// = 404.8 at p = 0.2; five σ bound it (a fair generator leaves that band with probability below
    /// 6·10⁻⁷). Each of the four words of a counter serves a quarter of the units (1024 is whole
    /// blocks of 64): σ = 202.4 each.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void The_keep_rate_is_within_five_sigma_over_a_million_units(KernelPath path)
    {
        const int Rows = 1000, Columns = 1024;
        const float P = 0.2f;
        var block = new float[Rows * Columns];
        Array.Fill(block, 1f);
        Kernel.DropoutRows(block, Rows, Columns, P, new DropoutKey(2026, 3, 0, 1), path);
        float scale = (float)(1 / (1 - (double)P));
        var keptByWord = new long[4];
        for (int i = 0; i < block.Length; i++)
        {
            if (block[i] != 0f)
            {
                Assert.Equal(scale, block[i]);
                keptByWord[i % 64 / 16]++;
            }
        }

        KeptWithin(keptByWord.Sum(), Rows * Columns, "all units");
        for (int w = 0; w < 4; w++)
        {
            KeptWithin(keptByWord[w], Rows * Columns / 4, $"word {w}");
        }

        static void KeptWithin(long kept, double n, string what)
        {
            double mean = n * (1 - (double)P), sigma = Math.Sqrt(n * P * (1 - (double)P));
            Assert.True(Math.Abs(kept - mean) <= 5 * sigma, $"{what}: kept {kept} of {n}, expected {mean} ± {5 * sigma}");
        }
    }

    [Fact]
    public void Every_part_of_the_key_changes_the_mask()
    {
        var key = new DropoutKey(1, 2, 3, 4);
        float[] reference = Mask(key);
        foreach (DropoutKey other in new[] { key with { Seed = 1UL << 40 }, key with { Epoch = 3 }, key with { Sample = 4 }, key with { Stream = 5 } })
        {
            float[] mask = Mask(other);
            int differing = Enumerable.Range(0, mask.Length).Count(i => mask[i] != reference[i]);
            // Independent masks at p = 0.5 differ in half the units: 2,048 ± 5·32.
            Assert.True(Math.Abs(differing - 2048) <= 160, $"{other}: {differing} of 4096 units differ");
        }

        Assert.Equal(reference, Mask(key));

        static float[] Mask(DropoutKey key)
        {
            var mask = new float[4096];
            Kernel.DropoutMask(mask, 0.5f, key, KernelDispatch.Active);
            return mask;
        }
    }

    [Fact]
    public void A_block_of_rows_equals_its_rows_taken_one_by_one_in_reverse()
    {
        const int Rows = 9, Columns = 300;
        float[] block = TestData.Uniform(Rows * Columns, 8);
        float[] rows = [.. block];
        var first = new DropoutKey(77, 1, 1000, 2);
        Kernel.DropoutRows(block, Rows, Columns, 0.25f, first, KernelDispatch.Active);
        for (int r = Rows - 1; r >= 0; r--)
        {
            Kernel.Dropout(rows.AsSpan(r * Columns, Columns), 0.25f, first with { Sample = 1000 + (uint)r }, KernelPath.Scalar);
        }

        Assertions.BitsEqual(rows, block, "rows one by one");
    }

    [Fact]
    public void Rate_zero_keeps_every_value_and_bad_rates_are_refused()
    {
        float[] values = TestData.Uniform(100, 3);
        float[] copy = [.. values];
        Kernel.Dropout(values, 0f, new DropoutKey(1, 1, 1, 1), KernelDispatch.Active);
        Assertions.BitsEqual(copy, values, "rate 0");
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernel.Dropout(values, 1f, default, KernelDispatch.Active));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernel.DropoutMask(values, -0.1f, default, KernelDispatch.Active));
        Assert.Throws<ArgumentException>(() => Kernel.DropoutRows(values, 3, 30, 0.5f, default, KernelDispatch.Active));
        Assert.Throws<ArgumentException>(() => Kernel.DropoutMaskBits(new byte[12], 100, 0.5f, default, KernelDispatch.Active));
        Assert.Throws<ArgumentException>(() => Kernel.DropoutApplyBits(values, 10, 10, new byte[19], 0.5f, KernelDispatch.Active));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernel.DropoutApplyBits(values, 10, 10, new byte[20], 1f, KernelDispatch.Active));
    }
}

/// <summary>Dropout allocates nothing (run alone, as every allocation measurement).</summary>
[Collection(SerialCollection.Name)]
public class DropoutAllocationTests
{
    [Fact]
    public void Dropout_allocates_nothing_on_any_path()
    {
        float[] block = TestData.Uniform(128 * 256, 4);
        var bits = new byte[128 * 32];
        void Run()
        {
            for (int p = 0; p < KernelDispatch.SupportedPaths.Count; p++)
            {
                Kernel.DropoutRows(block, 128, 256, 0.2f, new DropoutKey(1, 2, 0, 1), KernelDispatch.SupportedPaths[p]);
                Kernel.DropoutMask(block.AsSpan(0, 256), 0.2f, new DropoutKey(1, 2, 0, 1), KernelDispatch.SupportedPaths[p]);
                Kernel.DropoutMaskBits(bits.AsSpan(0, 32), 256, 0.2f, new DropoutKey(1, 2, 0, 1), KernelDispatch.SupportedPaths[p]);
                Kernel.DropoutApplyBits(block, 128, 256, bits, 0.2f, KernelDispatch.SupportedPaths[p]);
            }
        }

        Run();
        Assert.Equal(0, AllocationMeter.Measure(Run));
    }
}
