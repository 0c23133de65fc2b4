using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;
using Nn.Simd.Workers;

namespace Nn.Simd.Tests.Distributed;

/// <summary>
/// Memory that .NET does not own (an MPI shared window) as <see cref="Memory{T}"/>: a sharded
/// training computes a shard's gradient straight into it, through the products' 2-D memory.
/// </summary>
public class NativeFloatsTests
{
    /// <summary>A product written through 2-D memory over native floats, split over two workers, lands where the same product over an array does, bit for bit, and nowhere else.</summary>
    [Fact]
    public void A_product_through_2D_memory_over_native_floats_writes_what_an_array_gets()
    {
        const int M = 13, K = 37, N = 70, Offset = 5;
        float[] a = TestData.Uniform(M * K, 1, 1f), b = TestData.Uniform(K * N, 2, 1f);
        var expected = new float[Offset + (M * N) + 3];
        expected.AsSpan().Fill(-7f);
        nint native = Marshal.AllocHGlobal(expected.Length * sizeof(float));
        try
        {
            Marshal.Copy(expected, 0, native, expected.Length);
            using var pool = new WorkerPool(2, splitSmallWork: true);
            var product = new ParallelGemm(pool);
            product.Run(new(a, 0, M, K, 0), false, new(b, 0, K, N, 0), new(expected, Offset, M, N, 0), accumulate: false, KernelDispatch.Active);
            using var floats = new NativeFloats(native, expected.Length);
            product.Run(new(a, 0, M, K, 0), false, new(b, 0, K, N, 0), floats.Memory.AsMemory2D(Offset, M, N, 0), accumulate: false, KernelDispatch.Active);
            var written = new float[expected.Length];
            Marshal.Copy(native, written, 0, written.Length);
            Assertions.BitsEqual(expected, written, "native product");
        }
        finally
        {
            Marshal.FreeHGlobal(native);
        }
    }

    [Fact]
    public void Released_memory_throws_instead_of_reaching_freed_floats()
    {
        nint native = Marshal.AllocHGlobal(sizeof(float));
        try
        {
            var floats = new NativeFloats(native, 1);
            Memory<float> memory = floats.Memory;
            memory.Span[0] = 3f;
            Assert.Equal(3f, Marshal.PtrToStructure<float>(native));
            ((IDisposable)floats).Dispose();
            Assert.Throws<ObjectDisposedException>(() => memory.Span[0]);
            Assert.Throws<ObjectDisposedException>(() => memory.Pin());
        }
        finally
        {
            Marshal.FreeHGlobal(native);
        }
    }

    [Fact]
    public void No_memory_for_a_nonempty_run_is_refused() =>
        Assert.Throws<ArgumentNullException>(() => new NativeFloats(0, 4));
}
