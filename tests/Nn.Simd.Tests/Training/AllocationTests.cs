using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>Zero allocation in the hot paths, measured on the calling thread after warm-up.</summary>
[Collection(SerialCollection.Name)]
public class AllocationTests
{
    public static TheoryData<Activation, Activation, Cost, TrainingEngine> Networks()
    {
        var data = new TheoryData<Activation, Activation, Cost, TrainingEngine>();
        foreach (TrainingEngine engine in new[] { TrainingEngine.PerSample, TrainingEngine.Batched })
        {
            data.Add(Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, engine);
            data.Add(Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, engine);
            data.Add(Activation.Relu, Activation.Softmax, Cost.LogLikelihood, engine);
            data.Add(Activation.Tanh, Activation.Identity, Cost.Quadratic, engine);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_training_epoch_allocates_nothing(Activation hidden, Activation output, Cost cost, TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0, seed: 1);
        var network = Network.Create([64, 32, 16, 10], hidden, output, cost, Initialization.Xavier, seed: 1);
        var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = 10, LearningRate = 0.05f, Lambda = 0.1f, Engine = engine });
        CancellationToken token = TestContext.Current.CancellationToken;
        trainer.TrainEpoch(split.Training, split.Validation, 1, token);

        Assert.Equal(0, AllocationMeter.Measure(() => trainer.TrainEpoch(split.Training, split.Validation, 2, token)));
    }

    [Fact]
    public void Predict_allocates_nothing()
    {
        var network = Network.Create([784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, seed: 3);
        float[] input = TestData.Uniform(784, 1);
        var output = new float[10];
        network.Predict(input, output);

        Assert.Equal(0, AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                network.Predict(input, output);
            }
        }));
    }
}
