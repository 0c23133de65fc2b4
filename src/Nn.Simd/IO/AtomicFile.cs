namespace Nn.Simd.IO;

/// <summary>
/// Writes a file so that a reader never sees half of it: the content goes to a temporary file in
/// the same folder, is flushed to disk, and is then renamed over the target. A failure leaves the
/// target as it was and removes the temporary file.
/// </summary>
internal static class AtomicFile
{
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>), the file exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public static void Write(string path, bool overwrite, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"'{path}' is a folder, not a file.");
        }

        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write '{path}': the folder '{folder}' does not exist.");
        }

        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"'{path}' already exists; pass overwrite (nn: --force) to replace it.");
        }

        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
