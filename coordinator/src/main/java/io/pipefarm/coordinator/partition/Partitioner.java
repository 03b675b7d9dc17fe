package io.pipefarm.coordinator.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Runs a partition method on one model for a pipeline of {@code k} devices of one kind (DESIGN.md §8).
 * Pure Java: latencies come from {@link SegmentCostSource}s, one measured (profiles, a device or a
 * simulator; every use is counted through a {@link ProfilingSession}) and one predicted (free).
 *
 * <p>A stage's cost is its segment latency plus, when the source does not include it, its input and
 * output bytes over the host link at {@link PartitionConfig#linkBytesPerSec()}.
 *
 * <p>Reporting: each result's stages carry the predicted latency (when a predictor is given) and the
 * measured one; a stage the search did not profile itself is measured afterwards through the measured
 * source only for the report ({@link PartitionResult.Stage#measuredBySearch()} false) and is not counted in
 * the search cost. The objective is on measured latencies when a measured source is given.
 */
public final class Partitioner {
    private final PartitionModel model;
    private final int k;
    private final PartitionConfig config;
    private final SegmentCostSource predicted;
    private final SegmentCostSource measured;
    private final Map<Long, Double> transferCache = new HashMap<>();

    /**
     * @param predicted predicted latencies (for predict, hybrid, greedy; optional for the others)
     * @param measured  measured latencies (for exact, hybrid, profile; optional for the others, then used only
     *                  to report on the result)
     */
    public Partitioner(
            PartitionModel model,
            int k,
            PartitionConfig config,
            SegmentCostSource predicted,
            SegmentCostSource measured) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.k = k;
        this.predicted = predicted;
        this.measured = measured;
        PartitionDp.check(model.size(), k, model.size() - 1);
        if (predicted != null && measured != null && !predicted.deviceKind().equals(measured.deviceKind())) {
            throw new IllegalArgumentException("the predictor is for device kind '" + predicted.deviceKind()
                    + "' but the pipeline runs on '" + measured.deviceKind() + "'");
        }
    }

    public PartitionModel model() {
        return model;
    }

    public int stages() {
        return k;
    }

    public PartitionConfig config() {
        return config;
    }

    public String deviceKind() {
        return measured != null ? measured.deviceKind() : predicted != null ? predicted.deviceKind() : "unknown";
    }

    /** Runs {@code method}. */
    public PartitionResult run(Method method) {
        if (method.needsPrediction() && predicted == null) {
            throw new IllegalArgumentException(
                    "method " + method.id() + " needs a latency predictor for " + deviceKind());
        }
        if (method.needsMeasurement() && measured == null) {
            throw new IllegalArgumentException(
                    "method " + method.id() + " needs measured latencies (profiles or a device)");
        }
        return switch (method) {
            case EXACT -> exact();
            case PREDICT -> predict();
            case HYBRID -> hybrid();
            case PROFILE -> profile();
            case EVEN -> even();
            case GREEDY -> greedy();
            case RANDOM -> random();
        };
    }

    // ---- stage costs -------------------------------------------------------------------------

    /** Link transfer of segment {@code [i, j)} in ns. */
    double transferNs(int i, int j) {
        return transferCache.computeIfAbsent(((long) i << 32) | j, key -> {
            long[] io = model.segmentIoBytes(i, j);
            return (io[0] + io[1]) / config.linkBytesPerSec() * 1e9;
        });
    }

    private double stage(SegmentCostSource src, double latency, int i, int j) {
        return src.includesTransfer() ? latency : latency + transferNs(i, j);
    }

    /** Measured stage cost through a session. */
    private double measuredStage(ProfilingSession s, int i, int j) {
        return stage(measured, s.latencyNs(i, j), i, j);
    }

    /** The predicted stage-cost table (all segments, batched through the source). */
    double[][] predictedTable() {
        int n = model.size();
        double[][] lat = predicted.allLatenciesNs(n);
        double[][] t = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) t[i][j] = stage(predicted, lat[i][j], i, j);
        return t;
    }

    /** Measured source with the time spent inside it, to keep it out of the compute wall time. */
    private final class TimedSession {
        final ProfilingSession session;
        long insideNs;

        TimedSession() {
            SegmentCostSource timed = new SegmentCostSource() {
                @Override
                public String deviceKind() {
                    return measured.deviceKind();
                }

                @Override
                public boolean includesTransfer() {
                    return measured.includesTransfer();
                }

                @Override
                public double latencyNs(int i, int j) {
                    long t0 = System.nanoTime();
                    try {
                        return measured.latencyNs(i, j);
                    } finally {
                        insideNs += System.nanoTime() - t0;
                    }
                }
            };
            session = new ProfilingSession(timed, config);
        }

        double stage(int i, int j) {
            return measuredStage(session, i, j);
        }

        /** Coral's probe: every segment of a candidate compiled and benchmarked again, as one pipeline. */
        double[] pipeline(int[][] ranges) {
            prefetch(Arrays.asList(ranges));
            double[] out = new double[ranges.length];
            for (int q = 0; q < ranges.length; q++) {
                int i = ranges[q][0], j = ranges[q][1];
                out[q] = Partitioner.this.stage(measured, session.profile(i, j), i, j);
            }
            return out;
        }

        /** Lets the measured source profile these segments together (time inside it is not compute time). */
        void prefetch(List<int[]> ranges) {
            List<int[]> todo = new ArrayList<>();
            for (int[] r : ranges) if (!session.isMeasured(r[0], r[1])) todo.add(r);
            if (todo.isEmpty()) return;
            long t = System.nanoTime();
            try {
                measured.prefetch(todo);
            } finally {
                insideNs += System.nanoTime() - t;
            }
        }

        PartitionResult.SearchCost cost(long t0, int candidates, int rounds) {
            double compute = System.nanoTime() - t0 - insideNs;
            return new PartitionResult.SearchCost(
                    session.profiledSegments(),
                    session.probes(),
                    session.deviceTimeNs(),
                    Math.max(0, compute),
                    candidates,
                    rounds);
        }
    }

    // ---- methods -----------------------------------------------------------------------------

    /** DP on measured costs of every segment the search needs (all of them). */
    public PartitionResult exact() {
        long t0 = System.nanoTime();
        TimedSession ts = new TimedSession();
        int n = model.size();
        double[][] t = new double[n + 1][n + 1];
        List<int[]> all = new ArrayList<>();
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) all.add(new int[] {i, j});
        ts.prefetch(all);
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) t[i][j] = ts.stage(i, j);
        Candidate c = PartitionDp.optimal(n, k, StageCosts.of(t));
        return report(Method.EXACT, c.cuts(), ts.session, ts.cost(t0, 0, 0));
    }

    /**
     * DP on predicted costs only. With a {@link BatchCostSource} (a predictor), only the segments that can matter are
     * predicted, in a few batches ({@link PredictSearch}: approximate in principle, see there); otherwise the whole table.
     */
    public PartitionResult predict() {
        long t0 = System.nanoTime();
        Candidate c;
        if (predicted instanceof BatchCostSource b) {
            c = PredictSearch.optimal(
                            model.size(),
                            k,
                            model.size() - 1,
                            ranges -> {
                                double[] lat = b.latenciesNs(ranges);
                                double[] out = new double[lat.length];
                                for (int q = 0; q < lat.length; q++)
                                    out[q] = stage(predicted, lat[q], ranges.get(q)[0], ranges.get(q)[1]);
                                return out;
                            },
                            k >= 3 && model.graph() != null
                                    ? PredictSearch.ioOverCount(model.graph(), 1e9 / config.linkBytesPerSec())
                                    : null,
                            k >= 3 && model.totalParamBytes() > config.onChipCacheBytes()
                                    ? PredictSearch.spillOverlap(model, config.onChipCacheBytes())
                                    : null)
                    .best();
        } else {
            c = PartitionDp.optimal(model.size(), k, StageCosts.of(predictedTable()));
        }
        double wall = System.nanoTime() - t0;
        return report(Method.PREDICT, c.cuts(), null, new PartitionResult.SearchCost(0, 0, 0, wall, 0, 0));
    }

    /**
     * Predict all, then profile only what can still change the answer ({@link HybridSearch}). Stages the search did
     * not profile are reported with the measured source's known latency ({@link SegmentCostSource#knownLatencyNs})
     * and do not count as profiled. {@code rounds} in the cost counts re-rankings, {@code candidates} the partitions
     * that were settled as the best so far.
     */
    public PartitionResult hybrid() {
        long t0 = System.nanoTime();
        TimedSession ts = new TimedSession();
        HybridSearch.Outcome o = new HybridSearch(
                        model.name(), model.size(), k, config, predictedTable(), ts::stage, ts::prefetch)
                .run();
        return report(Method.HYBRID, o.best().cuts(), ts.session, ts.cost(t0, o.settled(), o.rankings()));
    }

    /** Coral's partition_with_profiling. */
    public PartitionResult profile() {
        return profile(-1, -1);
    }

    /** Coral's partition_with_profiling with initial bounds (both {@code >= 0} skip the bound-finding run). */
    public PartitionResult profile(long initialLowerNs, long initialUpperNs) {
        long t0 = System.nanoTime();
        TimedSession ts = new TimedSession();
        CoralProfilingPartitioner coral = new CoralProfilingPartitioner(model, k, config, ts::pipeline);
        CoralProfilingPartitioner.Outcome o = coral.run(initialLowerNs, initialUpperNs);
        PartitionResult.SearchCost c = ts.cost(t0, o.targetsTried(), o.bisectionSteps());
        // probes = Coral's latency requests (cache hits included), not the session's per-segment requests
        return report(
                Method.PROFILE,
                o.cuts(),
                ts.session,
                new PartitionResult.SearchCost(
                        c.segmentsProfiled(),
                        o.requests(),
                        c.deviceTimeNs(),
                        c.computeNs(),
                        c.candidates(),
                        c.rounds()));
    }

    /** Equal parameter bytes (the compiler's {@code --num_segments}). */
    public PartitionResult even() {
        long t0 = System.nanoTime();
        int[] cuts = ParameterCountPartitioner.cuts(model, k);
        return report(Method.EVEN, cuts, null, new PartitionResult.SearchCost(0, 0, 0, System.nanoTime() - t0, 0, 0));
    }

    /** Greedy on predicted costs: each stage but the last grows while it stays within a k-th of the whole model. */
    public PartitionResult greedy() {
        long t0 = System.nanoTime();
        int n = model.size();
        double target = stage(predicted, predicted.latencyNs(0, n), 0, n) / k;
        int[] cuts = new int[k - 1];
        int start = 0;
        for (int s = 0; s < k - 1; s++) {
            int maxEnd = n - (k - 1 - s);
            int end = start + 1;
            while (end < maxEnd && stage(predicted, predicted.latencyNs(start, end + 1), start, end + 1) <= target)
                end++;
            cuts[s] = end;
            start = end;
        }
        return report(Method.GREEDY, cuts, null, new PartitionResult.SearchCost(0, 0, 0, System.nanoTime() - t0, 0, 0));
    }

    /** Seeded random cuts (seed from the config and the model name). */
    public PartitionResult random() {
        long t0 = System.nanoTime();
        int n = model.size();
        SplittableRandom rnd =
                new SplittableRandom(config.seed() * 31 + model.name().hashCode());
        TreeSet<Integer> cs = new TreeSet<>();
        while (cs.size() < k - 1) cs.add(1 + rnd.nextInt(n - 1));
        int[] cuts = cs.stream().mapToInt(Integer::intValue).toArray();
        return report(Method.RANDOM, cuts, null, new PartitionResult.SearchCost(0, 0, 0, System.nanoTime() - t0, 0, 0));
    }

    // ---- report ------------------------------------------------------------------------------

    /**
     * The result of {@code cuts}: per stage figures, the objective, and the given search cost. A stage the search
     * did not profile carries the measured source's known latency (free: a table, a simulator, a stored profile;
     * NaN when none). The objective is from measured latencies when every stage has one, from measured ones with
     * predicted ones filling the gaps ({@code measured+predicted}) when some have, else from the predicted ones.
     */
    public PartitionResult report(
            Method method, int[] cuts, ProfilingSession searched, PartitionResult.SearchCost cost) {
        int n = model.size();
        int[][] ranges = Candidate.ranges(cuts, n);
        List<PartitionResult.Stage> stages = new ArrayList<>();
        double max = 0, sum = 0, pmax = 0, psum = 0;
        int known = 0;
        for (int s = 0; s < ranges.length; s++) {
            int i = ranges[s][0], j = ranges[s][1];
            double pr = predicted == null ? Double.NaN : stage(predicted, predicted.latencyNs(i, j), i, j);
            boolean bySearch = searched != null && searched.isMeasured(i, j);
            double me;
            if (bySearch) me = stage(measured, searched.cached(i, j), i, j);
            else if (measured != null) me = stage(measured, measured.knownLatencyNs(i, j), i, j);
            else me = Double.NaN;
            long[] io = model.segmentIoBytes(i, j);
            stages.add(new PartitionResult.Stage(
                    s,
                    i,
                    j,
                    pr,
                    me,
                    bySearch,
                    model.segmentParamBytes(i, j),
                    config.onChipCacheBytes(),
                    io[0],
                    io[1],
                    j < n ? model.cutBytes(j) : 0));
            double v = Double.isNaN(me) ? pr : me;
            if (!Double.isNaN(me)) known++;
            max = Math.max(max, v);
            sum += v;
            pmax = Math.max(pmax, pr);
            psum += pr;
        }
        String from = known == ranges.length ? "measured" : known > 0 ? "measured+predicted" : "predicted";
        boolean pure = known == 0;
        return new PartitionResult(
                model.name(),
                method.id(),
                deviceKind(),
                cuts,
                stages,
                from,
                pure ? pmax : max,
                pure ? psum : sum,
                cost);
    }

    /** Named figures of a result for descriptors and logs. */
    public static Map<String, Object> summary(PartitionResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("method", r.method());
        m.put("cuts", Arrays.toString(r.cuts()));
        m.put("bottleneck_ms", r.bottleneckNs() / 1e6);
        m.put("e2e_ms", r.endToEndNs() / 1e6);
        m.put("profiled", r.cost().segmentsProfiled());
        return m;
    }
}
