package io.pipefarm.coordinator.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link SegmentCostSource} that costs many segments in one call much more cheaply than one at a time (a
 * predictor's batch), so a search can ask for just the segments it needs, together ({@link PredictSearch}).
 */
public interface BatchCostSource extends SegmentCostSource {

    /** Latencies in ns of the segments {@code {i, j}}, in order (one batch). */
    double[] latenciesNs(List<int[]> ranges);

    /**
     * A source of an {@code n}-op model that costs segments through {@code batch} (ranges {@code {i, j}} in,
     * latencies in ns out, in order) and keeps every answer: no segment is costed twice,
     * {@link #latencyNs} of an unknown segment is a batch of one, {@link #allLatenciesNs} one batch of the
     * segments not costed yet. Not thread-safe.
     */
    static BatchCostSource cached(
            String deviceKind, boolean includesTransfer, int n, Function<List<int[]>, double[]> batch) {
        Objects.requireNonNull(deviceKind, "deviceKind");
        Objects.requireNonNull(batch, "batch");
        return new BatchCostSource() {
            private double[][] t;
            private long costed;

            private double[][] table() {
                if (t == null) {
                    t = new double[n + 1][n + 1];
                    for (double[] r : t) Arrays.fill(r, Double.NaN);
                }
                return t;
            }

            @Override
            public String deviceKind() {
                return deviceKind;
            }

            @Override
            public boolean includesTransfer() {
                return includesTransfer;
            }

            @Override
            public double latencyNs(int i, int j) {
                double v = table()[i][j];
                return Double.isNaN(v) ? latenciesNs(List.of(new int[] {i, j}))[0] : v;
            }

            @Override
            public double[] latenciesNs(List<int[]> ranges) {
                double[][] tt = table();
                List<int[]> todo = new ArrayList<>();
                for (int[] r : ranges) {
                    if (r[0] < 0 || r[1] > n || r[0] >= r[1])
                        throw new IllegalArgumentException("segment [" + r[0] + ", " + r[1] + ") outside 0.." + n);
                    if (Double.isNaN(tt[r[0]][r[1]])) {
                        tt[r[0]][r[1]] = Double.NEGATIVE_INFINITY; // pending: asked once even when listed twice
                        todo.add(r);
                    }
                }
                if (!todo.isEmpty()) {
                    double[] v;
                    try {
                        v = batch.apply(todo);
                    } catch (RuntimeException e) {
                        for (int[] r : todo) tt[r[0]][r[1]] = Double.NaN;
                        throw e;
                    }
                    if (v.length != todo.size())
                        throw new IllegalStateException(
                                "batch returned " + v.length + " latencies for " + todo.size() + " segments");
                    for (int q = 0; q < v.length; q++)
                        tt[todo.get(q)[0]][todo.get(q)[1]] = Double.isNaN(v[q]) ? Double.POSITIVE_INFINITY : v[q];
                    costed += todo.size();
                }
                double[] out = new double[ranges.size()];
                for (int q = 0; q < out.length; q++) out[q] = tt[ranges.get(q)[0]][ranges.get(q)[1]];
                return out;
            }

            @Override
            public double[][] allLatenciesNs(int nn) {
                if (nn != n) throw new IllegalArgumentException("this source has " + n + " ops, asked for " + nn);
                List<int[]> all = new ArrayList<>();
                double[][] tt = table();
                for (int i = 0; i < n; i++)
                    for (int j = i + 1; j <= n; j++) if (Double.isNaN(tt[i][j])) all.add(new int[] {i, j});
                if (!all.isEmpty()) latenciesNs(all);
                double[][] out = new double[n + 1][];
                for (int i = 0; i <= n; i++) out[i] = tt[i].clone();
                for (double[] r : out)
                    for (int j = 0; j < r.length; j++) if (Double.isNaN(r[j])) r[j] = 0; // unused entries (j <= i)
                return out;
            }

            @Override
            public String toString() {
                return "BatchCostSource[" + deviceKind + ", " + n + " ops, " + costed + " segments costed]";
            }
        };
    }
}
