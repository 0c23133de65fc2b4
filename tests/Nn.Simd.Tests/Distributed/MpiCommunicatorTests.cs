using Nn.Simd.Distributed;

namespace Nn.Simd.Tests.Distributed;

[Collection(SerialCollection.Name)]
public class MpiCommunicatorTests
{
    [Fact]
    public void A_missing_library_is_one_error_naming_what_was_looked_for()
    {
        string? before = Environment.GetEnvironmentVariable("NN_MPI_LIBRARY");
        Environment.SetEnvironmentVariable("NN_MPI_LIBRARY", "/nonexistent/libmpi.so.12");
        try
        {
            var e = Assert.Throws<DllNotFoundException>(MpiCommunicator.Open);
            Assert.Contains("/nonexistent/libmpi.so.12", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NN_MPI_LIBRARY", before);
        }
    }

    [Fact]
    public void The_default_search_names_the_mpich_and_open_mpi_libraries()
    {
        Assert.Equal(["libmpi.so.12", "libmpich.so.12", "libmpi.so.40", "libmpi.so", "libmpich.so"], MpiCommunicator.LibraryNames);
    }
}
