using System.Runtime.InteropServices;

namespace Nn.Simd.Kernels;

/// <summary>What the operating system says about the processor, for reports.</summary>
public static class CpuInfo
{
    private static readonly Lazy<string> s_modelName = new(ReadModelName);

    /// <summary>
    /// The processor's model name (Linux: <c>/proc/cpuinfo</c>), followed by the logical core
    /// count; the architecture alone where the name cannot be read.
    /// </summary>
    public static string ModelName => s_modelName.Value;

    private static string ReadModelName()
    {
        string fallback = $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} logical cores";
        try
        {
            if (!File.Exists("/proc/cpuinfo"))
            {
                return fallback;
            }

            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                string key = line[..colon].Trim();
                if (key is "model name" or "Model" or "Hardware")
                {
                    return $"{line[(colon + 1)..].Trim()}, {Environment.ProcessorCount} logical cores";
                }
            }
        }
        catch (IOException)
        {
            return fallback;
        }
        catch (UnauthorizedAccessException)
        {
            return fallback;
        }

        return fallback;
    }
}
