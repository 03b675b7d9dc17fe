package io.pipefarm.cli.partition;

import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.model.graph.Graph;
import java.util.Arrays;

/**
 * A STAND-IN latency predictor (not issue 5's LatencyPredictor): a linear model of a segment's latency
 * in its static {@link SegmentFeatures}, fitted by least squares on relative error (rows weighted by
 * 1 / measured latency, a small ridge) to measured profiles of training networks. Normal equations are
 * accumulated per training model ({@link Accumulator}) so that a model can be left out cheaply.
 * It never sees the simulator's noise-free estimate: only the features and measured (noisy) latencies.
 */
public final class StandInPredictor {
    public static final String FAMILY = "stand-in linear regression on static segment features";
    private static final int F = SegmentFeatures.F;

    private final String deviceKind;
    private final long cacheBytes;
    private final double[] w;
    private final long trainingRows;

    private StandInPredictor(String deviceKind, long cacheBytes, double[] w, long rows) {
        this.deviceKind = deviceKind;
        this.cacheBytes = cacheBytes;
        this.w = w;
        this.trainingRows = rows;
    }

    public String deviceKind() { return deviceKind; }
    public long trainingRows() { return trainingRows; }
    public double[] weights() { return w.clone(); }

    /** X^T W X and X^T W y of some training rows. */
    public static final class Accumulator {
        final double[][] a = new double[F][F];
        final double[] b = new double[F];
        long rows;

        /** Adds one profiled segment. */
        public void add(double[] x, double latencyNs) {
            if (!(latencyNs > 0) || !Double.isFinite(latencyNs)) return;
            double s = 1.0 / latencyNs;
            for (int p = 0; p < F; p++) {
                double xp = x[p] * s;
                if (xp == 0) continue;
                b[p] += xp; // y * s = 1
                for (int q = 0; q < F; q++) a[p][q] += xp * x[q] * s;
            }
            rows++;
        }

        /** Adds all segments of a graph (or every {@code stride}-th), measured through {@code measured}. */
        public void addModel(Graph g, SegmentCostSource measured, long cacheBytes, int stride) {
            int[] c = {0};
            SegmentFeatures.forEach(g, cacheBytes, (i, j, x) -> {
                if (stride <= 1 || (c[0]++ % stride) == 0) add(x, measured.latencyNs(i, j));
            });
        }

        public void addAll(Accumulator o) {
            for (int p = 0; p < F; p++) {
                b[p] += o.b[p];
                for (int q = 0; q < F; q++) a[p][q] += o.a[p][q];
            }
            rows += o.rows;
        }

        public void subtract(Accumulator o) {
            for (int p = 0; p < F; p++) {
                b[p] -= o.b[p];
                for (int q = 0; q < F; q++) a[p][q] -= o.a[p][q];
            }
            rows -= o.rows;
        }

        public Accumulator copy() {
            Accumulator c = new Accumulator();
            c.addAll(this);
            return c;
        }

        public long rows() { return rows; }
    }

    /** Fits the weights to the accumulated rows. */
    public static StandInPredictor fit(String deviceKind, long cacheBytes, Accumulator acc) {
        if (acc.rows < F) throw new IllegalArgumentException("the stand-in predictor needs at least " + F + " training segments, got " + acc.rows);
        double[][] a = new double[F][F + 1];
        double[] scale = new double[F];
        for (int p = 0; p < F; p++) scale[p] = acc.a[p][p] > 0 ? Math.sqrt(acc.a[p][p]) : 1;
        for (int p = 0; p < F; p++) {
            for (int q = 0; q < F; q++) a[p][q] = acc.a[p][q] / (scale[p] * scale[q]);
            a[p][p] += 1e-6; // ridge on the standardised scale
            a[p][F] = acc.b[p] / scale[p];
        }
        double[] z = solve(a);
        double[] w = new double[F];
        for (int p = 0; p < F; p++) w[p] = z[p] / scale[p];
        return new StandInPredictor(deviceKind, cacheBytes, w, acc.rows);
    }

    private static double[] solve(double[][] a) {
        int n = a.length;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
            if (Math.abs(a[c][c]) < 1e-300) continue;
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = a[r][c] / a[c][c];
                if (f == 0) continue;
                for (int q = c; q <= n; q++) a[r][q] -= f * a[c][q];
            }
        }
        double[] x = new double[n];
        for (int r = 0; r < n; r++) x[r] = Math.abs(a[r][r]) < 1e-300 ? 0 : a[r][n] / a[r][r];
        return x;
    }

    public double predict(double[] x) {
        double s = 0;
        for (int p = 0; p < F; p++) s += w[p] * x[p];
        return Math.max(1_000, s);
    }

    /** Predictions for every segment of {@code g}: a cost source (all segments predicted up front, batched). */
    public SegmentCostSource forModel(Graph g) {
        int n = g.size();
        double[][] t = new double[n + 1][n + 1];
        SegmentFeatures.forEach(g, cacheBytes, (i, j, x) -> t[i][j] = predict(x));
        return new SegmentCostSource() {
            @Override public String deviceKind() { return deviceKind; }
            @Override public double latencyNs(int i, int j) { return t[i][j]; }
            @Override public boolean includesTransfer() { return true; } // io_bytes is a feature: fitted to measured invokes
            @Override public double[][] allLatenciesNs(int nn) { return t; }
        };
    }

    /**
     * Lazy variant: features and predictions are computed when first asked (all at once), so the
     * prediction time lands inside the search's wall time.
     */
    public SegmentCostSource lazyForModel(Graph g) {
        return new SegmentCostSource() {
            double[][] t;
            private double[][] table() {
                if (t == null) {
                    int n = g.size();
                    double[][] tt = new double[n + 1][n + 1];
                    SegmentFeatures.forEach(g, cacheBytes, (i, j, x) -> tt[i][j] = predict(x));
                    t = tt;
                }
                return t;
            }
            @Override public String deviceKind() { return deviceKind; }
            @Override public double latencyNs(int i, int j) { return table()[i][j]; }
            @Override public boolean includesTransfer() { return true; }
            @Override public double[][] allLatenciesNs(int nn) { return table(); }
        };
    }

    @Override
    public String toString() { return "StandInPredictor" + Arrays.toString(w); }
}
