package io.pipefarm.coordinator.partition;

import java.util.Arrays;

/** The cost of a pipeline stage running segment {@code [i, j)} (latency plus link transfer), in ns. */
@FunctionalInterface
public interface StageCosts {
    double cost(int i, int j);

    /** A dense table {@code t[i][j]}. */
    static StageCosts of(double[][] t) {
        return (i, j) -> t[i][j];
    }

    /** All costs of an {@code n}-op model in a table {@code [n+1][n+1]} (entries with {@code j <= i} are NaN). */
    static double[][] table(int n, StageCosts c) {
        double[][] t = new double[n + 1][n + 1];
        for (int i = 0; i <= n; i++) {
            Arrays.fill(t[i], Double.NaN);
            for (int j = i + 1; j <= n; j++) t[i][j] = c.cost(i, j);
        }
        return t;
    }
}
