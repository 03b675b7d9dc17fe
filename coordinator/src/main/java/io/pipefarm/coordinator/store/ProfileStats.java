package io.pipefarm.coordinator.store;

/**
 * Statistics of the timed invocations of one segment on one device; every latency in nanoseconds
 * (maps 1:1 to {@code pipefarm.farm.ProfileStats}).
 */
public record ProfileStats(
        long n, double meanNs, double medianNs, double p90Ns, double p99Ns, double stdevNs, double minNs) {

    public ProfileStats {
        if (n < 1) {
            throw StoreException.badInput("profile stats need n >= 1 timed runs, got " + n);
        }
        double[] all = {meanNs, medianNs, p90Ns, p99Ns, stdevNs, minNs};
        for (double v : all) {
            if (!Double.isFinite(v) || v < 0) {
                throw StoreException.badInput("profile stats must be finite and >= 0 ns, got " + v);
            }
        }
    }
}
