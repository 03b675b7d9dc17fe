package io.pipefarm.coordinator.api;

import java.util.List;

/**
 * A partition descriptor: the JSON twin of {@code pipefarm.partition.PartitionDescriptor}
 * (partition.proto), with the same fields. It is {@code GET /api/partitions/{id}/descriptor} and the
 * {@code partition.json} that {@code pipefarm partition run --out} and {@code partition fetch} write.
 * Latencies in ns; a stage latency nobody knows is null (NaN in the protobuf form).
 */
public record Partition(
        long id,
        String model,
        String modelRef,
        int ops,
        String deviceKind,
        String method,
        List<Integer> cuts,
        String objectiveFrom,
        double bottleneckNs,
        double endToEndNs,
        double throughputPerS,
        String predictor,
        List<Stage> stages,
        SearchCost searchCost,
        long createdEpochMs,
        long finishedEpochMs) {
    public Partition {
        cuts = Copies.list(cuts);
        stages = Copies.list(stages);
    }

    /** Stage {@code index}: ops {@code [start, end)}, its segment and what it costs. */
    public record Stage(
            int index,
            int start,
            int end,
            Double predictedNs,
            Double measuredNs,
            boolean measuredBySearch,
            long paramBytes,
            long onChipCacheBytes,
            long inputBytes,
            long outputBytes,
            long bytesAcrossCutAfter,
            String segmentKey,
            String file) {}

    /** What the search cost: segments profiled, probes, device time and the search's own compute time (ns). */
    public record SearchCost(
            int segmentsProfiled, long probes, double deviceTimeNs, double computeNs, int candidates, int rounds) {}
}
