using System.IO.Compression;

namespace Nn.Simd.Data;

/// <summary>
/// A data file opened for reading, decompressed on the fly if it starts with the gzip magic 1F 8B.
/// A corrupt compressed stream is reported as an <see cref="InvalidDataException"/> naming the
/// file, and <see cref="MaxLength"/> bounds what the file can deliver, so a reader can refuse a
/// header that promises more before it allocates for it.
/// </summary>
internal sealed class DataFileStream : Stream
{
    /// <summary>Deflate's largest expansion: no compressed byte stands for more than 1,032 bytes.</summary>
    private const long DeflateMaxExpansion = 1032;

    private readonly Stream _inner;
    private readonly string _path;

    private DataFileStream(Stream inner, string path, long fileLength)
    {
        _inner = inner;
        _path = path;
        FileLength = fileLength;
    }

    /// <summary>Whether the file is gzip-compressed.</summary>
    public bool IsCompressed => _inner is GZipStream;

    /// <summary>The file's length in bytes, compressed or not.</summary>
    public long FileLength { get; }

    /// <summary>The most bytes the stream can deliver: the file's length, or for gzip 1,032 times it.</summary>
    public long MaxLength => IsCompressed ? DeflateMaxExpansion * FileLength : FileLength;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Opens a file, raw or gzip-compressed.</summary>
    /// <param name="path">An existing file.</param>
    /// <returns>The stream of its (decompressed) bytes.</returns>
    public static DataFileStream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            int b0 = file.ReadByte(), b1 = file.ReadByte();
            file.Position = 0;
            return b0 == 0x1F && b1 == 0x8B
                ? new DataFileStream(new GZipStream(file, CompressionMode.Decompress), path, file.Length)
                : new DataFileStream(file, path, file.Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{_path}: the gzip data is corrupt ({e.Message})", e);
        }
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
