package io.pipefarm.coordinator.partition;

import java.util.function.BiFunction;

/**
 * A reimplementation of Coral's {@code partition_with_profiling} from its description in
 * {@code reference/coral-partitioner.md}:
 * <ol>
 * <li>Bounds (unless both initial bounds are given): the naive split ({@link ParameterCountPartitioner}),
 *     its N segments profiled; lower = the fastest segment, upper = the slowest.</li>
 * <li>Bisection while {@code upper - lower > diffThresholdNs}: target = the midpoint; {@code last} =
 *     {@link #partitionOnTargetLatency}; if {@code last < target} the partition is the best so far and
 *     upper = target; otherwise, if {@code last < upper} it is the best and upper = last, and in both cases
 *     lower = target.</li>
 * <li>The greedy search: segments {@code 0..N-2} each take the longest prefix whose measured latency is
 *     {@code <= target}, starting from all ops they may take and moving {@code searchStep} ops at a time to
 *     the next segment; the last segment takes the rest and contains every op from the first output op on.
 *     No fit for a segment means no valid partition ({@code last} = infinity).</li>
 * </ol>
 * Every latency comes from a {@link ProfilingSession}: the cache by (first op, op count) and the device
 * time per profiled segment (compile + 1 warm-up + 10 inferences by default). Segments that cannot run
 * (infinite latency) are remembered by the cache and never fit.
 */
public final class CoralProfilingPartitioner {
    private final PartitionModel model;
    private final int k;
    private final PartitionConfig config;
    private final BiFunction<Integer, Integer, Double> stageCost;
    private int bisectionSteps;
    private int targetsTried;
    private double lower = Double.NaN, upper = Double.NaN;

    /** @param stageCost measured stage cost of {@code [i, j)} (through a profiling session) */
    public CoralProfilingPartitioner(PartitionModel model, int k, PartitionConfig config,
                                     BiFunction<Integer, Integer, Double> stageCost) {
        this.model = model;
        this.k = k;
        this.config = config;
        this.stageCost = stageCost;
        PartitionDp.check(model.size(), k, model.firstOutputOp());
    }

    /** The result of one run: the cuts and the objective Coral tracks (the last segment's latency). */
    public record Outcome(int[] cuts, double lastSegmentNs, double lowerNs, double upperNs, int bisectionSteps, int targetsTried) {}

    /** Runs with bounds from the naive split. */
    public Outcome run() { return run(-1, -1); }

    /** Runs; when both initial bounds are {@code >= 0} the bound-finding run is skipped. */
    public Outcome run(long initialLowerNs, long initialUpperNs) {
        int[] best = null;
        double bestLast = Double.POSITIVE_INFINITY;
        if (k == 1) return new Outcome(new int[0], stageCost.apply(0, model.size()), 0, 0, 0, 0);
        if (initialLowerNs >= 0 && initialUpperNs >= 0) {
            lower = initialLowerNs;
            upper = initialUpperNs;
        } else {
            int[] naive = ParameterCountPartitioner.cuts(model, k);
            lower = Double.POSITIVE_INFINITY;
            upper = 0;
            for (int[] r : Candidate.ranges(naive, model.size())) {
                double v = stageCost.apply(r[0], r[1]);
                lower = Math.min(lower, v);
                upper = Math.max(upper, v);
            }
            best = naive;
            bestLast = stageCost.apply(naive[naive.length - 1], model.size());
        }
        double lo0 = lower, up0 = upper;
        while (upper - lower > config.diffThresholdNs()) {
            double target = (lower + upper) / 2;
            targetsTried++;
            int[] cuts = new int[k - 1];
            double last = partitionOnTargetLatency(target, cuts);
            if (last < target) {
                best = cuts;
                bestLast = last;
                upper = target;
            } else {
                if (last < upper) {
                    best = cuts;
                    bestLast = last;
                    upper = last;
                }
                lower = target;
            }
            bisectionSteps++;
        }
        if (best == null) best = ParameterCountPartitioner.cuts(model, k);
        return new Outcome(best, bestLast, lo0, up0, bisectionSteps, targetsTried);
    }

    /**
     * The greedy search for one target: fills {@code cuts} and returns the measured latency of the last
     * segment, or infinity when some segment cannot fit the target.
     */
    public double partitionOnTargetLatency(double target, int[] cuts) {
        int n = model.size();
        int first = model.firstOutputOp();
        int step = config.searchStep();
        int start = 0;
        for (int s = 0; s < k - 1; s++) {
            int maxEnd = Math.min(n - (k - 1 - s), first - (k - 2 - s));
            if (maxEnd <= start) return Double.POSITIVE_INFINITY;
            int end = maxEnd;
            while (true) {
                double v = stageCost.apply(start, end);
                if (v <= target) break;
                if (end == start + 1) return Double.POSITIVE_INFINITY;
                end = Math.max(start + 1, end - step);
            }
            cuts[s] = end;
            start = end;
        }
        return stageCost.apply(start, n);
    }

    public int bisectionSteps() { return bisectionSteps; }
    public int targetsTried() { return targetsTried; }
}
