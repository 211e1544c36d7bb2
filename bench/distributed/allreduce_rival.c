/* The rival of `deno task bench --distributed`: MPI_Allreduce (f32, sum, in place) called from C on
 * the same buffers as bench/distributed/allreduce.ts (same sizes, contents and repetitions).
 * Built with mpicc by bench/distributed/main.ts; run as `mpirun -np 2 allreduce_rival BYTES...`.
 * Prints one JSON line per size from rank 0: {"bytes", "reps", "median_s", "min_s"}. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int a = 1; a < argc; a++) {
    long bytes = atol(argv[a]);
    long n = bytes / 4;
    int reps = (int)(256L * 1024 * 1024 / bytes);
    if (reps < 10) reps = 10;
    if (reps > 200) reps = 200;
    float *buf = aligned_alloc(64, (size_t)((bytes + 63) / 64 * 64));
    for (long i = 0; i < n; i++) buf[i] = (float)(i % 17 + rank);
    double *t = malloc(sizeof(double) * (size_t)reps);
    for (int w = 0; w < 3; w++) MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    for (int r = 0; r < reps; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      t[r] = MPI_Wtime() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp);
    if (rank == 0) printf("{\"bytes\": %ld, \"reps\": %d, \"median_s\": %.9f, \"min_s\": %.9f}\n", bytes, reps, t[reps / 2], t[0]);
    fflush(stdout);
    free(t);
    free(buf);
  }
  MPI_Finalize();
  return 0;
}
