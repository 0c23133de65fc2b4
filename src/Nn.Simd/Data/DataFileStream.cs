using System.IO.Compression;

namespace Nn.Simd.Data;

/// <summary>
/// The one way every loader reads a file or standard input: decompressed on the fly if it starts
/// with the gzip magic 1F 8B (when asked), never seeking (so a pipe or a device reads like a
/// file), and never delivering more than a limit: past it, reading stops with a one-line
/// <see cref="InvalidDataException"/> naming the file and the limit. A corrupt compressed stream
/// is reported the same way. <see cref="MaxLength"/> bounds what a regular file can deliver, so a
/// reader can refuse a header that promises more before it allocates for it.
/// </summary>
internal sealed class DataFileStream : Stream
{
    /// <summary>Deflate's largest expansion: no compressed byte stands for more than 1,032 bytes.</summary>
    private const long DeflateMaxExpansion = 1032;

    private readonly Stream _inner;
    private readonly long _limit;
    private readonly string _limitName;
    private long _delivered;

    private DataFileStream(Stream inner, string source, long? fileLength, bool compressed, long limit, string limitName)
    {
        _inner = inner;
        Source = source;
        FileLength = fileLength;
        IsCompressed = compressed;
        _limit = limit;
        _limitName = limitName;
    }

    /// <summary>The name messages use: the path, or "standard input".</summary>
    public string Source { get; }

    /// <summary>Whether the bytes are decompressed from gzip.</summary>
    public bool IsCompressed { get; }

    /// <summary>The file's length in bytes (compressed or not) when it is a regular file; null for a device, a pipe or standard input.</summary>
    public long? FileLength { get; }

    /// <summary>The most bytes the stream can deliver, when the file's length is known: that length, or for gzip 1,032 times it.</summary>
    public long? MaxLength => FileLength is { } length ? (IsCompressed ? DeflateMaxExpansion * length : length) : null;

    /// <summary>The bytes delivered so far.</summary>
    public long Delivered => _delivered;

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

    /// <summary>Opens a file, raw or (if <paramref name="decompress"/>) gzip-compressed.</summary>
    /// <param name="path">An existing file: regular, a device or a named pipe.</param>
    /// <param name="limit">The most bytes the stream delivers before it throws.</param>
    /// <param name="limitName">The limit's name for the message, e.g. "ReadLimits.MaxDataBytes".</param>
    /// <param name="decompress">Decompress a file that starts with the gzip magic.</param>
    /// <returns>The stream of its (decompressed) bytes.</returns>
    public static DataFileStream Open(string path, long limit, string limitName, bool decompress = true)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            // A device (/dev/zero) or a pipe reports no length, or a length that means nothing:
            // only a seekable file with a positive length is taken at its word.
            long? length = file.CanSeek && file.Length > 0 ? file.Length : null;
            return Wrap(file, path, length, limit, limitName, decompress);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The whole of a raw file, within <paramref name="limit"/>: a regular file's length is checked
    /// before anything is allocated; a device or a pipe is read as far as the limit.
    /// </summary>
    /// <param name="path">An existing file.</param>
    /// <param name="limit">The most bytes.</param>
    /// <param name="limitName">The limit's name for the message.</param>
    /// <param name="checkStart">Checks the first bytes (up to 64 KiB) before the rest is read, so a device that cannot be the format is refused at once.</param>
    /// <returns>The bytes.</returns>
    public static byte[] ReadAllBytes(string path, long limit, string limitName, Action<ReadOnlySpan<byte>> checkStart)
    {
        using DataFileStream stream = Open(path, limit, limitName, decompress: false);
        if (stream.FileLength is { } length)
        {
            if (length > limit)
            {
                throw OverLimit(path, $"the file has {length:N0} bytes", limit, limitName);
            }

            if (length > Array.MaxLength)
            {
                throw new InvalidDataException($"{path}: the file has {length:N0} bytes, more than one array can hold.");
            }

            var bytes = new byte[length];
            int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            checkStart(bytes.AsSpan(0, (int)Math.Min(got, 1 << 16)));
            return got == bytes.Length && stream.ReadByte() < 0 ? bytes : throw new InvalidDataException($"{path}: the file changed while it was read.");
        }

        var start = new byte[1 << 16];
        int first = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        checkStart(start.AsSpan(0, first));
        using var copy = new MemoryStream();
        copy.Write(start, 0, first);
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// The whole of a file whose header declares its length, read header first: the declared
    /// length is checked against <paramref name="limit"/>, one array and the file's length before
    /// anything more is allocated, and a device or a pipe is read only as far as that length (plus
    /// one byte, to see that it ends there).
    /// </summary>
    /// <param name="header">The bytes already read from the start of the file; they start the result.</param>
    /// <param name="declared">The length of the whole file the header declares.</param>
    /// <param name="what">What the file holds, for messages, e.g. "a model".</param>
    /// <param name="limit">The most bytes the file may declare.</param>
    /// <param name="limitName">The limit's name for the message.</param>
    /// <returns>The bytes of the whole file.</returns>
    public byte[] ReadDeclared(byte[] header, long declared, string what, long limit, string limitName)
    {
        if (declared > limit)
        {
            throw OverLimit(Source, $"the header declares {what} of {declared:N0} bytes", limit, limitName);
        }

        if (declared > Array.MaxLength)
        {
            throw Bad($"the header declares {what} of {declared:N0} bytes, more than one array can hold");
        }

        if (FileLength is { } length && length != declared)
        {
            throw Bad(length < declared
                ? $"truncated: the header declares {declared:N0} bytes but the file has {length:N0}"
                : $"sizes do not add up: the header declares {declared:N0} bytes but the file has {length - declared:N0} more");
        }

        var bytes = new byte[declared];
        header.CopyTo(bytes, 0);
        int body = this.ReadAtLeast(bytes.AsSpan(header.Length), bytes.Length - header.Length, throwOnEndOfStream: false);
        if (header.Length + body < declared)
        {
            throw Bad($"truncated: the header declares {declared:N0} bytes but the file ends after {header.Length + body:N0}");
        }

        return ReadByte() < 0 ? bytes : throw Bad($"sizes do not add up: the header declares {declared:N0} bytes but the file goes on");
    }

    /// <summary>Wraps a stream that is not a file (standard input, or bytes in memory), raw or gzip.</summary>
    /// <param name="stream">The stream; the result owns it.</param>
    /// <param name="source">A name for messages.</param>
    /// <param name="limit">The most bytes the stream delivers before it throws.</param>
    /// <param name="limitName">The limit's name for the message.</param>
    /// <returns>The stream of its (decompressed) bytes.</returns>
    /// <param name="decompress">Decompress a stream that starts with the gzip magic.</param>
    public static DataFileStream FromStream(Stream stream, string source, long limit, string limitName, bool decompress = true) =>
        Wrap(stream, source, null, limit, limitName, decompress);

    private static DataFileStream Wrap(Stream raw, string source, long? length, long limit, string limitName, bool decompress)
    {
        // Peek at the first two bytes without seeking, then replay them: a pipe cannot seek.
        var magic = new byte[2];
        int got = raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        var replayed = new PrefixedStream(magic.AsMemory(0, got), raw);
        bool gzip = decompress && got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return gzip
            ? new DataFileStream(new GZipStream(replayed, CompressionMode.Decompress), source, length, compressed: true, limit, limitName)
            : new DataFileStream(replayed, source, length, compressed: false, limit, limitName);
    }

    /// <summary>The message for data that goes past the limit.</summary>
    /// <param name="source">The file.</param>
    /// <param name="what">What went past it, e.g. "the header declares 995,000,000 pixels".</param>
    /// <param name="limit">The limit's value.</param>
    /// <param name="limitName">The limit's name.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidDataException OverLimit(string source, string what, long limit, string limitName) =>
        new($"{source}: {what}, more than the limit of {limit:N0} ({limitName}).");

    private InvalidDataException Bad(string what) => new($"{Source}: {what}.");

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (_delivered > _limit)
        {
            throw OverLimit(Source, "the data goes on", _limit, _limitName);
        }

        // Never ask for more than one byte past the limit, so an endless source stops there.
        long room = _limit - _delivered;
        if (room < buffer.Length)
        {
            buffer = buffer[..((int)room + 1)];
        }

        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{Source}: the gzip data is corrupt ({e.Message})", e);
        }

        _delivered += read;
        return _delivered > _limit ? throw OverLimit(Source, $"the data goes past {_limit:N0} bytes", _limit, _limitName) : read;
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

    /// <summary>A few bytes already read from a stream, then the rest of that stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return rest.Read(buffer);
            }

            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
