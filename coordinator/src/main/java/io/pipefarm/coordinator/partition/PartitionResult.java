package io.pipefarm.coordinator.partition;

import java.util.List;

/**
 * A partition found by a method: cuts, per-stage figures, the objective and what the search cost.
 * Latencies are stage costs in ns (segment latency plus host-link transfer when the source excludes it);
 * NaN where unknown (e.g. no predictor was given).
 *
 * @param model         model name
 * @param method        method id
 * @param deviceKind    device kind of every stage
 * @param cuts          the cuts, strictly increasing
 * @param stages        per stage figures
 * @param objectiveFrom "measured" when the objective below comes from measured latencies, "measured+predicted" when
 *                      predictions fill in stages without a measurement, else "predicted"
 * @param bottleneckNs  the largest stage latency
 * @param endToEndNs    the sum of stage latencies
 * @param cost          what the search cost
 */
public record PartitionResult(
        String model,
        String method,
        String deviceKind,
        int[] cuts,
        List<Stage> stages,
        String objectiveFrom,
        double bottleneckNs,
        double endToEndNs,
        SearchCost cost) {

    public PartitionResult {
        cuts = cuts.clone();
        stages = List.copyOf(stages);
    }

    @Override
    public int[] cuts() {
        return cuts.clone();
    }

    public int stageCount() {
        return stages.size();
    }

    /** Pipeline throughput, inferences per second: 1 / bottleneck. */
    public double throughputPerSec() {
        return bottleneckNs > 0 ? 1e9 / bottleneckNs : Double.NaN;
    }

    /**
     * One stage.
     *
     * @param index             stage number, 0-based
     * @param start             first op (inclusive)
     * @param end               last op (exclusive)
     * @param predictedNs       predicted stage latency, NaN without a predictor
     * @param measuredNs        measured stage latency, NaN when not measured
     * @param measuredBySearch  true when the search itself profiled this segment (counted in its cost);
     *                          false when it was measured afterwards only to report on the result
     * @param paramBytes        parameter bytes of the segment
     * @param cacheBytes        the on-chip parameter cache of the device
     * @param inputBytes        bytes into the stage over the host link
     * @param outputBytes       bytes out of the stage over the host link
     * @param cutBytesAfter     bytes crossing the cut at {@code end} (0 for the last stage)
     */
    public record Stage(
            int index,
            int start,
            int end,
            double predictedNs,
            double measuredNs,
            boolean measuredBySearch,
            long paramBytes,
            long cacheBytes,
            long inputBytes,
            long outputBytes,
            long cutBytesAfter) {
        public int ops() {
            return end - start;
        }

        public boolean fitsOnChip() {
            return paramBytes <= cacheBytes;
        }
    }

    /**
     * The search cost.
     *
     * @param segmentsProfiled distinct segments profiled
     * @param probes           latency requests of the search (cache hits included)
     * @param deviceTimeNs     modelled device time: per profiled segment compile + (warm-up + timed runs) x latency
     * @param computeNs        wall time of the search itself (without the time inside the measured source)
     * @param candidates       candidates verified (hybrid) or target latencies tried (profile), else 0
     * @param rounds           verification rounds (hybrid) or bisection steps (profile), else 0
     */
    public record SearchCost(
            int segmentsProfiled, long probes, double deviceTimeNs, double computeNs, int candidates, int rounds) {
        /** Solve time: compute wall time plus modelled device time. */
        public double solveTimeNs() {
            return computeNs + deviceTimeNs;
        }
    }
}
