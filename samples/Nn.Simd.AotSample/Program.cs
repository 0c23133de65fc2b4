using System.IO.Hashing;
using System.Runtime.InteropServices;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Nn.Simd.Training;

// Trains the embedded digits briefly, round-trips the model file and ONNX, and prints the kernel
// path, the weights hash and the hash of the int8 outputs on the test set: the same hashes as the
// JIT build on every path are the AOT check.
Console.WriteLine(KernelDispatch.Describe());
DataSplit split = Datasets.Digits().Split(0, 0.2, seed: 1);
Network network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 1);
using (var trainer = new Trainer(network, new TrainingOptions { Epochs = 5, MiniBatchSize = 10, LearningRate = 3f, Seed = 1, Engine = TrainingEngine.PerSample }))
{
    trainer.Train(split.Training);
}

string path = Path.Combine(Path.GetTempPath(), $"nn-aot-{Environment.ProcessId}.nnm");
ModelFile.Save(network, path, overwrite: true);
Network loaded = ModelFile.Load(path);
File.Delete(path);
Network viaOnnx = OnnxImporter.Import(OnnxExporter.Export(loaded), "in memory");
Evaluation test = Evaluation.Of(viaOnnx, split.Test);
Console.WriteLine($"test accuracy {test.Accuracy:P2}");
Console.WriteLine($"weights hash 0x{viaOnnx.ComputeHash():X16}");
var int8 = new float[split.Test.Count * viaOnnx.OutputSize];
QuantizedNetwork.Quantize(viaOnnx).PredictBatch(split.Test.Inputs, int8);
Console.WriteLine($"int8 outputs hash 0x{XxHash3.HashToUInt64(MemoryMarshal.AsBytes(int8.AsSpan())):X16}");
