using System.Globalization;

namespace Nn.Simd.Tests;

/// <summary>Bit-exact and bounded comparisons, with messages that name the element and the case.</summary>
internal static class Assertions
{
    /// <summary>Same bit pattern, except that any NaN equals any NaN (hardware default NaNs differ between x86 and ARM).</summary>
    public static void BitsEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            BitsEqual(expected[i], actual[i], $"{context}, element {i}");
        }
    }

    public static void BitsEqual(float expected, float actual, string context)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual))
        {
            return;
        }

        int e = BitConverter.SingleToInt32Bits(expected);
        int a = BitConverter.SingleToInt32Bits(actual);
        if (e != a)
        {
            Assert.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"{context}: expected {expected:R} (0x{e:X8}) but got {actual:R} (0x{a:X8})"));
        }
    }

    public static void Within(double exact, float actual, double bound, string context)
    {
        double error = Math.Abs(actual - exact);
        if (!(error <= bound))
        {
            Assert.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"{context}: |{actual:R} − {exact:R}| = {error:E3} exceeds the bound {bound:E3}"));
        }
    }
}

/// <summary>A buffer with canary values before and after the span under test.</summary>
internal sealed class Guarded
{
    public const int Margin = 16;
    public const float Canary = -1234.5678f;
    private readonly float[] _buffer;
    private readonly int _offset;

    public Guarded(int length, int offset = 0)
    {
        Length = length;
        _offset = Margin + offset;
        _buffer = new float[length + (2 * Margin) + offset];
        Array.Fill(_buffer, Canary);
    }

    public int Length { get; }

    public Span<float> Span => _buffer.AsSpan(_offset, Length);

    public Guarded With(ReadOnlySpan<float> values)
    {
        values.CopyTo(Span);
        return this;
    }

    public void AssertCanariesIntact(string context)
    {
        for (int i = 0; i < _buffer.Length; i++)
        {
            bool inside = i >= _offset && i < _offset + Length;
            if (!inside && BitConverter.SingleToInt32Bits(_buffer[i]) != BitConverter.SingleToInt32Bits(Canary))
            {
                Assert.Fail($"{context}: canary at buffer index {i} (span starts at {_offset}, length {Length}) was overwritten with {_buffer[i]}");
            }
        }
    }
}
