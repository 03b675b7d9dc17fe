package io.pipefarm.coordinator.partition;

import java.util.List;

/**
 * Latency of the contiguous segments {@code [i, j)} ({@code 0 <= i < j <= n}) of one model on one
 * device kind: measured (profiles, a device, a simulator) or predicted. The partition search never
 * sees where the numbers come from; a {@link ProfilingSession} wraps a measured source to count what
 * the search profiled.
 *
 * <p>A segment that cannot run (failed compile, unsupported op) has latency {@link Double#POSITIVE_INFINITY}.
 */
public interface SegmentCostSource {

    /** The device kind the latencies are for, e.g. {@code sim-edgetpu-usb}. */
    String deviceKind();

    /** Latency in nanoseconds of one invoke of segment {@code [i, j)}. */
    double latencyNs(int i, int j);

    /**
     * True when {@link #latencyNs} already includes moving the segment's input and output tensors over
     * the host link (a measured invoke on a USB/PCIe accelerator does); false when the search must add
     * {@code io bytes / link rate} itself (e.g. a predictor of on-chip time only).
     */
    default boolean includesTransfer() {
        return false;
    }

    /**
     * Latencies of every segment of an {@code n}-op model: {@code out[i][j]} for {@code 0 <= i < j <= n}
     * (other entries unused). Implementations with a batched backend (a predictor) override this.
     */
    default double[][] allLatenciesNs(int n) {
        double[][] out = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) out[i][j] = latencyNs(i, j);
        return out;
    }

    /**
     * Hint that the search is about to ask for the latencies of these segments ({@code {i, j}} ranges), so a
     * source that profiles on devices can measure them together (e.g. one campaign, in parallel) rather than
     * one by one. Does not count as profiling; the later {@link #latencyNs} calls do. Default: nothing.
     */
    default void prefetch(List<int[]> ranges) {}

    /**
     * The latency of {@code [i, j)} when it is known without profiling anything (a table, a simulator, a stored
     * profile), else NaN. Reports use it for stages a search did not profile. Default: {@link #latencyNs}, for
     * sources where asking costs nothing.
     */
    default double knownLatencyNs(int i, int j) {
        return latencyNs(i, j);
    }

    /** A source from a table {@code t[i][j]} (tests, stored profiles). */
    static SegmentCostSource ofTable(String deviceKind, double[][] t, boolean includesTransfer) {
        return new SegmentCostSource() {
            @Override
            public String deviceKind() {
                return deviceKind;
            }

            @Override
            public double latencyNs(int i, int j) {
                return t[i][j];
            }

            @Override
            public boolean includesTransfer() {
                return includesTransfer;
            }
        };
    }
}
