package io.pipefarm.coordinator.predictor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Accuracy of predictions against measurements: MAPE (percent), RMSE (ns), the fraction within ±10%
 * ({@code acc10}, 0..1), Spearman rank correlation, and the number of segments.
 */
public record Metrics(int n, double mape, double rmseNs, double acc10, double spearman) {

    public static Metrics of(double[] predicted, double[] measured) {
        int n = measured.length;
        if (predicted.length != n) throw new IllegalArgumentException("lengths differ");
        if (n == 0) return new Metrics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double ape = 0, se = 0;
        int within = 0;
        for (int i = 0; i < n; i++) {
            double e = predicted[i] - measured[i];
            double rel = Math.abs(e) / measured[i];
            ape += rel;
            se += e * e;
            if (rel <= 0.10) within++;
        }
        return new Metrics(n, 100 * ape / n, Math.sqrt(se / n), (double) within / n, spearman(predicted, measured));
    }

    /** Spearman's rho: Pearson correlation of the ranks (ties get their average rank). */
    public static double spearman(double[] a, double[] b) {
        if (a.length < 2) return Double.NaN;
        double[] ra = ranks(a), rb = ranks(b);
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= a.length;
        mb /= a.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            double x = ra[i] - ma, y = rb[i] - mb;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[idx[k]] = avg;
            i = j + 1;
        }
        return r;
    }

    /** Whether this is better than {@code other} for promotion: lower MAPE (ties: higher acc10). */
    public boolean betterThan(Metrics other) {
        if (other == null || Double.isNaN(other.mape)) return true;
        if (mape != other.mape) return mape < other.mape;
        return acc10 > other.acc10;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", n);
        m.put("mape", mape);
        m.put("rmse_ns", rmseNs);
        m.put("acc10", acc10);
        m.put("spearman", spearman);
        return m;
    }

    public static Metrics fromMap(Map<String, Object> m) {
        return new Metrics(
                ((Number) m.get("n")).intValue(),
                num(m.get("mape")),
                num(m.get("rmse_ns")),
                num(m.get("acc10")),
                num(m.get("spearman")));
    }

    private static double num(Object o) {
        return o instanceof Number x ? x.doubleValue() : Double.NaN;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "n=%d mape=%.2f%% rmse=%.0fns acc10=%.1f%% spearman=%.4f",
                n,
                mape,
                rmseNs,
                100 * acc10,
                spearman);
    }
}
