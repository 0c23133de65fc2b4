// The exchange of one -np 2 step of config (c) (P = 269,322 floats, two shards), with nothing
// else (not the step of this process's slice between the sum and the parameters' exchange):
// MPI_Alltoallv + the top of the tree + MPI_Allgatherv of the parameters' slices, against the
// shared window's pattern (the other process's slice of the gradient copied into this process's
// region, a barrier, this slice's sum from the local and the other's region, this slice's
// parameters copied into the region, a barrier, the other's slice of parameters copied out).
// Medians of ROUNDS rounds of 200 steps each, in microseconds per step.
//
//   mpicc -O2 -o /tmp/exchange bench/mpi/exchange.c && mpirun -np 2 /tmp/exchange [ROUNDS]
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P = 269322, Steps = 200 };

static int compare(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, rounds = argc > 1 ? atoi(argv[1]) : 9;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) { if (rank == 0) fprintf(stderr, "run with -np 2\n"); MPI_Abort(MPI_COMM_WORLD, 1); }
    float *gradient = malloc(4 * P), *received = malloc(4 * P), *slice = malloc(4 * P), *parameters = malloc(4 * P);
    for (int i = 0; i < P; i++) gradient[i] = 1e-3f * i + rank, parameters[i] = 1e-4f * i;
    int start[2] = {0, (P / 2) & ~15}, count[2];
    count[0] = start[1]; count[1] = P - start[1];
    int sendCounts[2], sendOffsets[2], receiveCounts[2], receiveOffsets[2];
    for (int q = 0; q < 2; q++) { sendCounts[q] = count[q]; sendOffsets[q] = start[q]; receiveCounts[q] = count[rank]; receiveOffsets[q] = q * count[rank]; }

    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Win window;
    float *mine, *region[2];
    MPI_Win_allocate_shared((MPI_Aint)4 * (P + P / 2 + 16), 4, MPI_INFO_NULL, node, &mine, &window);
    for (int q = 0; q < 2; q++) { MPI_Aint bytes; int unit; MPI_Win_shared_query(window, q, &bytes, &unit, &region[q]); }
    MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
    int other = 1 - rank;
    const int resultAt = P;

    double *collective = malloc(sizeof(double) * rounds), *shared = malloc(sizeof(double) * rounds);
    for (int round = 0; round < rounds; round++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t = MPI_Wtime();
        for (int k = 0; k < Steps; k++) {
            MPI_Alltoallv(gradient, sendCounts, sendOffsets, MPI_FLOAT, received, receiveCounts, receiveOffsets, MPI_FLOAT, MPI_COMM_WORLD);
            for (int i = 0; i < count[rank]; i++) slice[i] = received[i] + received[count[rank] + i];
            MPI_Allgatherv(parameters + start[rank], count[rank], MPI_FLOAT, slice, count, start, MPI_FLOAT, MPI_COMM_WORLD);
        }
        collective[round] = (MPI_Wtime() - t) / Steps * 1e6;

        MPI_Barrier(MPI_COMM_WORLD);
        t = MPI_Wtime();
        for (int k = 0; k < Steps; k++) {
            memcpy(mine + start[other], gradient + start[other], 4 * (size_t)count[other]);
            MPI_Win_sync(window); MPI_Barrier(node); MPI_Win_sync(window);
            float *a = rank == 0 ? gradient + start[0] : region[0] + start[1], *b = rank == 0 ? region[1] + start[0] : gradient + start[1];
            for (int i = 0; i < count[rank]; i++) slice[i] = a[i] + b[i];
            memcpy(mine + resultAt, parameters + start[rank], 4 * (size_t)count[rank]);
            MPI_Win_sync(window); MPI_Barrier(node); MPI_Win_sync(window);
            memcpy(parameters + start[other], region[other] + resultAt, 4 * (size_t)count[other]);
        }
        shared[round] = (MPI_Wtime() - t) / Steps * 1e6;
    }
    qsort(collective, rounds, sizeof(double), compare);
    qsort(shared, rounds, sizeof(double), compare);
    if (rank == 0) printf("exchange per step, median of %d rounds: collectives %.0f us, shared window %.0f us\n", rounds, collective[rounds / 2], shared[rounds / 2]);
    MPI_Win_unlock_all(window);
    MPI_Win_free(&window);
    MPI_Comm_free(&node);
    MPI_Finalize();
    return 0;
}
