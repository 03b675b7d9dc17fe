package io.pipefarm.agent.profile;

import io.pipefarm.proto.farm.ProfileStats;
import java.util.Arrays;

/** Summary statistics of timed invocations (all in nanoseconds). */
public final class ProfileStatistics {
    private ProfileStatistics() {}

    public static ProfileStats of(long[] samplesNs) {
        if (samplesNs.length == 0) throw new IllegalArgumentException("no samples");
        long[] s = samplesNs.clone();
        Arrays.sort(s);
        int n = s.length;
        double sum = 0;
        for (long v : s) sum += v;
        double mean = sum / n;
        double sq = 0;
        for (long v : s) sq += (v - mean) * (v - mean);
        double stdev = n > 1 ? Math.sqrt(sq / (n - 1)) : 0.0;
        return ProfileStats.newBuilder()
                .setN(n)
                .setMeanNs(mean)
                .setMedianNs(quantile(s, 0.5))
                .setP90Ns(quantile(s, 0.9))
                .setP99Ns(quantile(s, 0.99))
                .setStdevNs(stdev)
                .setMinNs(s[0])
                .build();
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(long[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Half-width of the 95% confidence interval of the mean, relative to the mean. */
    public static double relativeHalfWidth(long[] samplesNs, int count) {
        if (count < 2) return Double.POSITIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < count; i++) sum += samplesNs[i];
        double mean = sum / count;
        double sq = 0;
        for (int i = 0; i < count; i++) sq += (samplesNs[i] - mean) * (samplesNs[i] - mean);
        double sd = Math.sqrt(sq / (count - 1));
        return mean == 0 ? 0 : 1.96 * sd / Math.sqrt(count) / mean;
    }
}
