using System.Buffers;

namespace Nn.Simd.Distributed;

/// <summary>
/// Floats in memory that .NET does not own (an MPI shared window) as <see cref="Memory{T}"/>, so
/// that code which holds its buffers as memory (the products' workers take 2-D memory) can write
/// into them. The memory is never moved, so pinning is free; once <see cref="MemoryManager{T}"/>'s
/// Dispose has run (its owner frees the memory), every access throws.
/// </summary>
internal sealed unsafe class NativeFloats : MemoryManager<float>
{
    private float* _start;
    private readonly int _length;

    /// <summary>The <paramref name="length"/> floats from address <paramref name="start"/>, which must stay valid until this is disposed.</summary>
    public NativeFloats(nint start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (start == 0 && length > 0)
        {
            throw new ArgumentNullException(nameof(start), $"No memory for {length} floats.");
        }

        _start = (float*)start;
        _length = length;
    }

    public override Span<float> GetSpan() => new(Start(), _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(Start() + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => _start = null;

    private float* Start() => _start is null && _length > 0 ? throw new ObjectDisposedException(nameof(NativeFloats), "The shared memory was released.") : _start;
}
