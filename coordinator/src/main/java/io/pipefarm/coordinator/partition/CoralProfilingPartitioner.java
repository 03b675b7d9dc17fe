package io.pipefarm.coordinator.partition;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A reimplementation of Coral's {@code partition_with_profiling} (libcoral
 * {@code coral/tools/partitioner}, described in {@code reference/coral-partitioner.md}):
 * <ol>
 * <li>Bounds (unless both initial bounds are given): the naive split ({@link ParameterCountPartitioner})
 *     compiled and benchmarked as a pipeline; lower = the fastest segment, upper = the slowest. When they are
 *     within {@code diffThresholdNs} Coral stops there (we keep the naive split as the answer).</li>
 * <li>Bisection while {@code upper - lower > diffThresholdNs}: target = the midpoint; {@code last} =
 *     {@link #partitionOnTargetLatency}; if {@code last < target} the partition is the best so far and
 *     upper = target; otherwise, if {@code last < upper} it is the best and upper = last, and in both cases
 *     lower = target.</li>
 * <li>The greedy search with backtracking ({@code SearchPartition}): segment {@code i} starts with every op it
 *     may take (the segments after it keep {@code searchStep} ops each, the last one every op from the first
 *     output op on) and gives {@code searchStep} ops at a time to segment {@code i+1} until its latency fits the
 *     target and the search for the segments after it succeeds; the last segment takes the rest.</li>
 * <li>A probe ({@code PartitionCompileAndAnalyze}) asks for the latency of one segment of a candidate
 *     partition. On a cache miss (the cache is keyed by (first op, op count) of that one segment) it compiles
 *     <em>every</em> segment of the candidate and benchmarks them as a pipeline, then caches all of them: so
 *     a probe profiles all {@code k} segments, including ones profiled before. Segments that failed to compile
 *     are remembered; a candidate containing one is not probed again.</li>
 * </ol>
 * The profiling itself goes through a {@link PipelineProfiler} (in {@link Partitioner}: a
 * {@link ProfilingSession} that charges every segment of every pipeline probe).
 */
public final class CoralProfilingPartitioner {

    /** Compiles and benchmarks the segments {@code ranges} ({@code {i, j}}) as one pipeline: their stage latencies. */
    @FunctionalInterface
    public interface PipelineProfiler {
        double[] profile(int[][] ranges);
    }

    private final PartitionModel model;
    private final int k;
    private final PartitionConfig config;
    private final PipelineProfiler profiler;
    private final Map<Long, Double> cache = new HashMap<>();
    private final Set<Long> failed = new HashSet<>();
    private int bisectionSteps;
    private int targetsTried;
    private long requests;
    private int pipelines;

    public CoralProfilingPartitioner(PartitionModel model, int k, PartitionConfig config, PipelineProfiler profiler) {
        this.model = model;
        this.k = k;
        this.config = config;
        this.profiler = profiler;
        PartitionDp.check(model.size(), k, model.firstOutputOp());
    }

    /**
     * The result of one run: the cuts and the objective Coral tracks (the last segment's latency), the initial
     * bounds, and the work: bisection steps, targets tried, latency requests (cache hits included) and pipelines
     * compiled and benchmarked (the bound-finding one included).
     */
    public record Outcome(
            int[] cuts,
            double lastSegmentNs,
            double lowerNs,
            double upperNs,
            int bisectionSteps,
            int targetsTried,
            long requests,
            int pipelines) {}

    /** Runs with bounds from the naive split. */
    public Outcome run() {
        return run(-1, -1);
    }

    /** Runs; when both initial bounds are {@code >= 0} the bound-finding run is skipped. */
    public Outcome run(long initialLowerNs, long initialUpperNs) {
        int n = model.size();
        if (k == 1) {
            double v = profiler.profile(new int[][] {{0, n}})[0];
            pipelines++;
            return new Outcome(new int[0], v, v, v, 0, 0, 1, pipelines);
        }
        int[] naive = ParameterCountPartitioner.cuts(model, k);
        int[] best = null;
        double bestLast = Double.NaN;
        double lower, upper;
        if (initialLowerNs >= 0 && initialUpperNs >= 0) {
            lower = initialLowerNs;
            upper = initialUpperNs;
        } else {
            // GetBounds: its own compile of the naive split; its latencies do not enter the probe cache
            double[] lat = profiler.profile(Candidate.ranges(naive, n));
            pipelines++;
            lower = Double.POSITIVE_INFINITY;
            upper = 0;
            for (double v : lat) {
                lower = Math.min(lower, v);
                upper = Math.max(upper, v);
            }
            bestLast = lat[lat.length - 1];
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
        // Coral reports failure when no bisection step produced a partition; we answer with the naive split
        if (best == null) best = naive;
        return new Outcome(best, bestLast, lo0, up0, bisectionSteps, targetsTried, requests, pipelines);
    }

    /**
     * {@code PartitionOnTargetLatency}: fills {@code cuts} and returns the measured latency of the last segment,
     * or infinity when no partition meets the target.
     */
    public double partitionOnTargetLatency(double target, int[] cuts) {
        int n = model.size();
        int step = config.searchStep();
        int[] ops = new int[k];
        Arrays.fill(ops, step);
        ops[0] = n - (k - 1) * step;
        if (ops[0] <= 0 || !search(ops, target, 0)) return Double.POSITIVE_INFINITY;
        int start = 0;
        for (int s = 0; s < k - 1; s++) {
            start += ops[s];
            cuts[s] = start;
        }
        return analyze(ops, k - 1);
    }

    /** {@code SearchPartition}: on success {@code ops} holds the op counts of every segment. */
    private boolean search(int[] ops, double target, int s) {
        if (s == k - 1) return true;
        int n = model.size();
        int step = config.searchStep();
        int searchable = 0;
        for (int q = s; q < k; q++) searchable += ops[q];
        ops[k - 1] = Math.max(n - model.firstOutputOp(), step);
        for (int q = s + 1; q < k - 1; q++) ops[q] = step;
        ops[s] = searchable - (k - 2 - s) * step - ops[k - 1];
        if (ops[s] <= 0) return false; // Coral CHECK-fails here; for us: no partition of this shape
        int[] tmp = ops.clone();
        while (tmp[s] > 0) {
            double v = analyze(tmp, s);
            if (v <= target && search(tmp, target, s + 1)) {
                System.arraycopy(tmp, 0, ops, 0, k);
                return true;
            }
            int delta = Math.min(tmp[s], step);
            tmp[s] -= delta;
            tmp[s + 1] += delta;
        }
        return false;
    }

    /** {@code PartitionCompileAndAnalyze}: the latency of segment {@code s} of the candidate {@code ops} (infinity: cannot compile). */
    private double analyze(int[] ops, int s) {
        requests++;
        int[] starts = new int[k];
        for (int q = 1; q < k; q++) starts[q] = starts[q - 1] + ops[q - 1];
        Double hit = cache.get(key(starts[s], ops[s]));
        if (hit != null) return hit;
        for (int q = 0; q < k; q++) if (failed.contains(key(starts[q], ops[q]))) return Double.POSITIVE_INFINITY;
        int[][] ranges = new int[k][];
        for (int q = 0; q < k; q++) ranges[q] = new int[] {starts[q], starts[q] + ops[q]};
        double[] lat = profiler.profile(ranges);
        pipelines++;
        boolean ok = true;
        for (int q = 0; q < k; q++) {
            if (!Double.isFinite(lat[q])) {
                failed.add(key(starts[q], ops[q]));
                ok = false;
            }
        }
        if (!ok) return Double.POSITIVE_INFINITY;
        for (int q = 0; q < k; q++) cache.put(key(starts[q], ops[q]), lat[q]);
        return lat[s];
    }

    private static long key(int start, int count) {
        return ((long) start << 32) | (count & 0xffffffffL);
    }

    public int bisectionSteps() {
        return bisectionSteps;
    }

    public int targetsTried() {
        return targetsTried;
    }

    public long requests() {
        return requests;
    }

    public int pipelines() {
        return pipelines;
    }
}
