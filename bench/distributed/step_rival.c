/* Control for the training table of `deno task bench --distributed`: how long a rank waits in
 * MPI_Allreduce when each step first computes for a while, in C. Each of `steps` steps spins for
 * `compute_ms`, then all-reduces `count` floats (the seed MLP's gradients: 203,530) in place.
 * On an idle machine the wait is the all-reduce itself; on a shared one it also holds the time a
 * rank waits for its peer to be scheduled, which no library can avoid.
 * Prints from rank 0: {"compute_ms", "wait_median_ms", "wait_p90_ms"}. */
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
  double compute_ms = argc > 1 ? atof(argv[1]) : 1.0;
  int steps = argc > 2 ? atoi(argv[2]) : 300;
  int count = argc > 3 ? atoi(argv[3]) : 203530;
  float *g = calloc((size_t)count, sizeof(float));
  double *waits = malloc(sizeof(double) * (size_t)steps);
  volatile double sink = 0;
  for (int s = 0; s < steps; s++) {
    double t0 = MPI_Wtime();
    while (MPI_Wtime() - t0 < compute_ms / 1000) sink += 1;
    double t1 = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, g, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    waits[s] = (MPI_Wtime() - t1) * 1000;
  }
  qsort(waits, (size_t)steps, sizeof(double), cmp);
  if (rank == 0) printf("{\"compute_ms\": %.3f, \"wait_median_ms\": %.3f, \"wait_p90_ms\": %.3f}\n", compute_ms, waits[steps / 2], waits[steps * 9 / 10]);
  free(waits);
  free(g);
  MPI_Finalize();
  return 0;
}
