package io.pipefarm.coordinator.predictor;

import io.pipefarm.model.features.SegmentAggregates;
import java.util.List;

/**
 * An additive baseline {@code latency ~ w . x} with non-negative weights over aggregate features that
 * add up along a segment (ops, padded MACs per op family, weight bytes, bytes moved, I/O bytes,
 * streamed parameter bytes, ...), fitted by relative least squares (rows weighted by 1/latency^2).
 * The tree model learns the log of the ratio of the measurement to this baseline, which keeps its
 * piecewise-constant leaves accurate over latencies that span orders of magnitude.
 */
final class LinearBase {
    /** Aggregate indices used (see SegmentFeatures.AGGREGATE_NAMES); a constant term comes first. */
    static final int[] COLUMNS = columns(
            // Edge TPU-oriented: ops, padded MACs per family, weight / moved / I/O / streamed bytes
            "ops",
            "paddedConvMacs",
            "paddedDwMacs",
            "fcMacs",
            "weightBytes",
            "moveBytes",
            "elementwiseMacs",
            "poolMacs",
            "ioBytes",
            "spillBytes",
            "spilled",
            "inputBytes",
            "outputBytes",
            // CPU-oriented (single-thread int8 kernels): per-op-type MACs, tile-padded MACs, memory traffic,
            // per-op-type overheads
            "conv1x1Macs",
            "convKxKMacs",
            "dwMacs",
            "cpuPaddedConvMacs",
            "im2colBytes",
            "convInBytes",
            "convOutBytes",
            "poolInBytes",
            "addBytes",
            "concatBytes",
            "nOutputChannelTiles",
            "nConv1x1",
            "nConvKxK",
            "poolElemsSmall",
            "poolElemsMedium",
            "poolElemsLarge",
            "poolOutElems",
            "elementwiseVectors",
            "avgPoolElems",
            "meanInElems",
            "n_max_pool_2d",
            "n_average_pool_2d",
            "n_add",
            "n_concatenation",
            "n_depthwise_conv_2d",
            "n_fully_connected");

    private static int[] columns(String... names) {
        int[] c = new int[names.length];
        for (int k = 0; k < names.length; k++) c[k] = SegmentAggregates.featureIndex(names[k]);
        return c;
    }

    private LinearBase() {}

    static double[] row(double[] agg) {
        double[] r = new double[COLUMNS.length + 1];
        r[0] = 1;
        for (int c = 0; c < COLUMNS.length; c++) r[c + 1] = agg[COLUMNS[c]];
        return r;
    }

    static double predict(double[] w, double[] agg) {
        double s = w[0];
        for (int c = 0; c < COLUMNS.length; c++) s += w[c + 1] * agg[COLUMNS[c]];
        return Math.max(s, 1.0);
    }

    /** Non-negative relative least squares by coordinate descent on the (scaled) normal equations. */
    static double[] fit(List<double[]> aggs, double[] y) {
        int p = COLUMNS.length + 1, n = y.length;
        double[] scale = new double[p];
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = row(aggs.get(i));
            for (int c = 0; c < p; c++) scale[c] = Math.max(scale[c], Math.abs(rows[i][c] / y[i]));
        }
        for (int c = 0; c < p; c++) if (scale[c] == 0) scale[c] = 1;
        double[][] a = new double[p][p];
        double[] b = new double[p];
        for (int i = 0; i < n; i++) {
            double wi = 1.0 / y[i];
            double[] r = rows[i];
            for (int c = 0; c < p; c++) {
                double xc = r[c] * wi / scale[c];
                b[c] += xc; // (y_i * wi) = 1
                for (int d = c; d < p; d++) a[c][d] += xc * r[d] * wi / scale[d];
            }
        }
        for (int c = 0; c < p; c++) for (int d = 0; d < c; d++) a[c][d] = a[d][c];
        for (int c = 0; c < p; c++) a[c][c] += 1e-9 * n; // tiny ridge for collinear columns
        double[] w = new double[p];
        for (int sweep = 0; sweep < 2000; sweep++) {
            double change = 0;
            for (int c = 0; c < p; c++) {
                double g = b[c];
                for (int d = 0; d < p; d++) if (d != c) g -= a[c][d] * w[d];
                double nw = Math.max(0, g / a[c][c]);
                change = Math.max(change, Math.abs(nw - w[c]));
                w[c] = nw;
            }
            if (change < 1e-10) break;
        }
        for (int c = 0; c < p; c++) w[c] /= scale[c];
        return w;
    }
}
