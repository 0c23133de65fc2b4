namespace Nn.Simd.Model;

/// <summary>
/// A seeded generator whose every output is the same on every CPU, OS and .NET version:
/// xoshiro256** seeded through SplitMix64, and normal deviates by Marsaglia's polar method with a
/// logarithm written here in plain IEEE arithmetic (the C library's log may differ by an ulp
/// between x64 and arm64 builds, which would change initial weights).
/// </summary>
internal sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    public DeterministicRandom(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>The generator's four state words (a checkpoint saves them); only a generator with no spare normal deviate has its whole state in them.</summary>
    public void GetState(Span<ulong> state)
    {
        if (_hasSpare)
        {
            throw new InvalidOperationException("The generator holds a spare normal deviate, which its four state words do not capture.");
        }

        (state[0], state[1], state[2], state[3]) = (_s0, _s1, _s2, _s3);
    }

    /// <summary>Sets the four state words that <see cref="GetState"/> gave (not all zero).</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("An all-zero xoshiro256** state never leaves zero; it is not a state GetState gives.", nameof(state));
        }

        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _hasSpare = false;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, bound), without modulo bias (Lemire's method with rejection).</summary>
    public int NextInt(int bound)
    {
        ulong range = (ulong)bound;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * range;
            ulong low = (ulong)product;
            if (low >= range || low >= (0UL - range) % range)
            {
                return (int)(product >> 64);
            }
        }
    }

    /// <summary>A standard normal deviate N(0, 1).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }

        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        double factor = Math.Sqrt(-2 * Log(s) / s);
        _spareNormal = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>Shuffles in place (Fisher–Yates), allocation-free.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// ln(s) for 0 &lt; s ≤ 1 (normal doubles): s = m·2^e with m in [√½, √2), ln m = 2·atanh(t),
    /// t = (m − 1)/(m + 1), |t| ≤ 0.172, summed to 13 odd terms (the next is below 2⁻⁶⁵·|t|).
    /// Only +, −, ×, ÷, so the result is the same everywhere.
    /// </summary>
    internal static double Log(double s)
    {
        long bits = BitConverter.DoubleToInt64Bits(s);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }

        double t = (m - 1) / (m + 1);
        double t2 = t * t;
        double sum = 0;
        for (int k = 25; k >= 1; k -= 2)
        {
            sum = (sum * t2) + (1.0 / k);
        }

        return (exponent * 0.6931471805599453) + (2 * t * sum);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
