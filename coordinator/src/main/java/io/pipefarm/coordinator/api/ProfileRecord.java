package io.pipefarm.coordinator.api;

import java.util.Map;

/** A stored profile: statistics of timed invocations of one segment on one device (latencies in ns). */
public record ProfileRecord(
        long id,
        Long jobId,
        String segmentKey,
        String deviceKind,
        String agentId,
        String deviceId,
        Stats stats,
        Map<String, String> versions,
        boolean hasSamples,
        long createdEpochMs) {
    public ProfileRecord {
        versions = Copies.map(versions);
    }

    /** Statistics of the timed runs, in nanoseconds. */
    public record Stats(
            long n, double meanNs, double medianNs, double p90Ns, double p99Ns, double stdevNs, double minNs) {}
}
