using System.IO.Compression;

namespace Nn.Simd.Data;

/// <summary>The data sets the engine knows by name.</summary>
public static class Datasets
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts Fashion-MNIST.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs Fashion-MNIST on Debian.</summary>
    public const string FashionMnistInstallHint = "apt-get install dataset-fashion-mnist";

    /// <summary>
    /// The UCI handwritten digits compiled into the library: 1,797 images of 8×8 pixels scaled from
    /// 0..16 to [0, 1], labels 0..9 (Alpaydin and Kaynak, CC BY 4.0; see <c>data/README.md</c>).
    /// </summary>
    /// <returns>A new data set of 64 inputs and 10 classes.</returns>
    public static Dataset Digits()
    {
        using Stream resource = typeof(Datasets).Assembly.GetManifestResourceStream("Nn.Simd.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("The embedded digits resource is missing from the Nn.Simd assembly.");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return CsvDataReader.Read(reader, "embedded digits.csv", new CsvOptions { HasHeader = false, InputScale = 1f / 16, ClassCount = 10 });
    }

    /// <summary>Fashion-MNIST (60,000 training and 10,000 test images of 28×28, 10 classes), pixels in [0, 1].</summary>
    /// <param name="test">The 10,000 test images instead of the 60,000 training images.</param>
    /// <param name="folder">Where the IDX files are; Debian's location by default.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="FileNotFoundException">The files are not there; the message says how to install them.</exception>
    public static Dataset FashionMnist(bool test, string folder = FashionMnistFolder)
    {
        if (!Directory.Exists(folder))
        {
            throw new FileNotFoundException($"Fashion-MNIST is not in '{folder}'. Install it with: {FashionMnistInstallHint}", folder);
        }

        return IdxReader.ReadMnistFolder(folder, test);
    }
}
