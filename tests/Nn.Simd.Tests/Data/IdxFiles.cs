using System.IO.Compression;

namespace Nn.Simd.Tests.Data;

/// <summary>Writes IDX files for the tests: unsigned bytes, big-endian sizes, gzip-compressed when the name ends in .gz.</summary>
internal static class IdxFiles
{
    public static void Write(string path, byte dimensions, int[] sizes, byte[] data)
    {
        using var buffer = new MemoryStream();
        buffer.Write([0, 0, 0x08, dimensions]);
        foreach (int size in sizes)
        {
            buffer.Write([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);
        }

        buffer.Write(data);
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(buffer.ToArray());
        }
        else
        {
            File.WriteAllBytes(path, buffer.ToArray());
        }
    }
}
