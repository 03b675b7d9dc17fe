package io.pipefarm.coordinator.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MethodsTest {

    /** A synthetic device: latency = sum of per-op times, + a spill penalty when params exceed the cache. */
    static final class SyntheticDevice implements SegmentCostSource {
        final double[] opNs;
        final long[] params;
        final long cache;
        final List<int[]> calls = new ArrayList<>();

        SyntheticDevice(double[] opNs, long[] params, long cache) {
            this.opNs = opNs;
            this.params = params;
            this.cache = cache;
        }

        @Override
        public String deviceKind() {
            return "synthetic";
        }

        @Override
        public boolean includesTransfer() {
            return true;
        }

        @Override
        public double latencyNs(int i, int j) {
            calls.add(new int[] {i, j});
            double s = 100_000;
            long p = 0;
            for (int k = i; k < j; k++) {
                s += opNs[k];
                p += params[k];
            }
            if (p > cache) s += (p - cache) * 3.0;
            return s;
        }
    }

    static SyntheticDevice device(int n, long seed) {
        Random r = new Random(seed);
        double[] ns = new double[n];
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            ns[i] = 200_000 + r.nextInt(2_000_000);
            p[i] = 100_000 + r.nextInt(900_000);
        }
        return new SyntheticDevice(ns, p, 4_000_000);
    }

    /** {@code n} ops of 1 ms each, no parameters (every segment fits the cache). */
    static SyntheticDevice unitOps(int n) {
        double[] ns = new double[n];
        Arrays.fill(ns, 1_000_000);
        return new SyntheticDevice(ns, new long[n], Long.MAX_VALUE);
    }

    static PartitionModel model(SyntheticDevice d) {
        return PartitionModel.synthetic("synth", d.params, new long[d.params.length + 1]);
    }

    @Test
    void evenMatchesHandComputedExample() {
        // params 10 20 30 40 50 60 -> total 210; N = 3: average = 210/3 + 1 = 71
        // seg 0: 10+20+30 = 60 (+40 > 71) -> cut 3; seg 1: 40 (+50 = 90 > 71) -> cut 4; seg 2: 50 60
        PartitionModel m = PartitionModel.synthetic("h", new long[] {10, 20, 30, 40, 50, 60}, new long[7]);
        assertArrayEquals(new int[] {3, 4}, ParameterCountPartitioner.cuts(m, 3));
        // N = 2: average 106: 10+20+30+40 = 100 (+50 > 106) -> cut 4
        assertArrayEquals(new int[] {4}, ParameterCountPartitioner.cuts(m, 2));
        // a huge first op still takes one op; later segments keep one op each before the first output op
        PartitionModel big = PartitionModel.synthetic("b", new long[] {1000, 1, 1, 1, 1}, new long[6]);
        assertArrayEquals(new int[] {1, 4}, ParameterCountPartitioner.cuts(big, 3));
        // first output op at 2: the last segment must start at or before 2
        PartitionModel out = PartitionModel.synthetic("o", new long[] {1, 1, 1, 1, 1}, new long[6], 2);
        assertArrayEquals(new int[] {1, 2}, ParameterCountPartitioner.cuts(out, 3));
        assertThrows(IllegalArgumentException.class, () -> ParameterCountPartitioner.cuts(out, 4));
    }

    /** A pipeline profiler over a device that records every pipeline it was asked to profile. */
    static final class Pipelines implements CoralProfilingPartitioner.PipelineProfiler {
        final SegmentCostSource d;
        final List<int[][]> runs = new ArrayList<>();

        Pipelines(SegmentCostSource d) {
            this.d = d;
        }

        @Override
        public double[] profile(int[][] ranges) {
            runs.add(ranges);
            double[] out = new double[ranges.length];
            for (int q = 0; q < ranges.length; q++) out[q] = d.latencyNs(ranges[q][0], ranges[q][1]);
            return out;
        }
    }

    @Test
    void coralProfileFollowsTheReference() {
        SyntheticDevice d = device(30, 5);
        PartitionModel m = model(d);
        PartitionConfig cfg = PartitionConfig.defaults();
        int k = 3;
        // the bounds: the naive split's segments
        int[] naive = ParameterCountPartitioner.cuts(m, k);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int[] r : Candidate.ranges(naive, 30)) {
            double v = d.latencyNs(r[0], r[1]);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        Pipelines pl = new Pipelines(d);
        CoralProfilingPartitioner coral = new CoralProfilingPartitioner(m, k, cfg, pl);
        CoralProfilingPartitioner.Outcome o = coral.run();
        assertEquals(lo, o.lowerNs());
        assertEquals(hi, o.upperNs());
        // the first pipeline is the naive split; every pipeline is a whole partition of the model into k segments
        assertArrayEquals(Candidate.ranges(naive, 30), pl.runs.get(0));
        for (int[][] run : pl.runs) {
            assertEquals(k, run.length);
            assertEquals(0, run[0][0]);
            assertEquals(30, run[k - 1][1]);
            for (int q = 1; q < k; q++) assertEquals(run[q - 1][1], run[q][0]);
        }
        assertEquals(pl.runs.size(), o.pipelines());
        assertTrue(o.requests() >= o.pipelines() - 1, "requests " + o.requests() + " pipelines " + o.pipelines());
        // bisection terminates within log2((hi - lo) / threshold) + 1 steps
        int maxSteps = (int) Math.ceil(Math.log((hi - lo) / cfg.diffThresholdNs()) / Math.log(2)) + 1;
        assertTrue(o.bisectionSteps() >= 1 && o.bisectionSteps() <= maxSteps, o.bisectionSteps() + " > " + maxSteps);
        // through the Partitioner: every segment of every pipeline counts as profiled and pays compile + 11 invokes
        PartitionResult r = new Partitioner(m, k, cfg, null, d).profile();
        assertEquals(k * pl.runs.size(), r.cost().segmentsProfiled());
        double want = 0;
        for (int[][] run : pl.runs) for (int[] c : run) want += 2e9 + 11 * d.latencyNs(c[0], c[1]);
        assertEquals(want, r.cost().deviceTimeNs(), 1);
        assertEquals(o.requests(), r.cost().probes());
        assertEquals(o.bisectionSteps(), r.cost().rounds());
        assertArrayEquals(o.cuts(), r.cuts());
    }

    @Test
    void coralGreedyTakesTheLongestFittingPrefix() {
        // unit ops of 1 ms each, 100 us per invoke: a target of 3.2 ms fits 3 ops per segment
        SyntheticDevice d = unitOps(10);
        PartitionModel m = model(d);
        Pipelines pl = new Pipelines(d);
        CoralProfilingPartitioner coral = new CoralProfilingPartitioner(m, 3, PartitionConfig.defaults(), pl);
        int[] cuts = new int[2];
        double last = coral.partitionOnTargetLatency(3_200_000, cuts);
        assertArrayEquals(new int[] {3, 6}, cuts);
        assertEquals(4_100_000, last);
        // segment 0 starts with all it may take (8 ops, one each for the others) and gives one op at a time
        assertArrayEquals(new int[][] {{0, 8}, {8, 9}, {9, 10}}, pl.runs.get(0));
        assertArrayEquals(new int[][] {{0, 3}, {3, 9}, {9, 10}}, pl.runs.get(5));
        // segment 1's first probe [3, 9) is a cache hit (profiled with that pipeline); then [3, 8) .. [3, 6)
        assertArrayEquals(new int[][] {{0, 3}, {3, 8}, {8, 10}}, pl.runs.get(6));
        assertArrayEquals(new int[][] {{0, 3}, {3, 6}, {6, 10}}, pl.runs.get(8));
        assertEquals(9, pl.runs.size());
        // a target below one op: no valid partition
        assertEquals(Double.POSITIVE_INFINITY, coral.partitionOnTargetLatency(500_000, new int[2]));
        // with initial bounds no naive split is profiled and the bisection still ends
        Pipelines p2 = new Pipelines(d);
        CoralProfilingPartitioner c2 = new CoralProfilingPartitioner(m, 3, PartitionConfig.defaults(), p2);
        CoralProfilingPartitioner.Outcome o = c2.run(1_000_000, 9_000_000);
        assertArrayEquals(new int[][] {{0, 8}, {8, 9}, {9, 10}}, p2.runs.get(0));
        assertEquals(2, o.cuts().length);
    }

    @Test
    void coralBacktracksAndSkipsPipelinesThatDoNotCompile() {
        // unit ops of 1 ms; segments [4, j) with j <= 8 "do not compile": with segment 0 = [0, 4) the search for
        // segment 1 fails, so segment 0 gives up another op and the search goes on from [0, 3)
        SyntheticDevice base = unitOps(10);
        SegmentCostSource d = new SegmentCostSource() {
            @Override
            public String deviceKind() {
                return "synthetic";
            }

            @Override
            public boolean includesTransfer() {
                return true;
            }

            @Override
            public double latencyNs(int i, int j) {
                return i == 4 && j <= 8 ? Double.POSITIVE_INFINITY : base.latencyNs(i, j);
            }
        };
        Pipelines pl = new Pipelines(d);
        CoralProfilingPartitioner coral = new CoralProfilingPartitioner(model(base), 3, PartitionConfig.defaults(), pl);
        int[] cuts = new int[2];
        double last = coral.partitionOnTargetLatency(4_500_000, cuts);
        assertArrayEquals(new int[] {3, 7}, cuts);
        assertEquals(3_100_000, last);
        // a pipeline with a failed segment is never profiled again
        List<String> seen = new ArrayList<>();
        for (int[][] run : pl.runs) seen.add(Arrays.deepToString(run));
        assertEquals(seen.size(), seen.stream().distinct().count());
        for (int[][] run : pl.runs) {
            boolean failing = false;
            for (int[] r : run) failing |= r[0] == 4 && r[1] <= 8;
            if (failing)
                assertEquals(
                        1,
                        pl.runs.stream().filter(x -> Arrays.deepEquals(x, run)).count());
        }
    }

    @Test
    void methodsOnSyntheticDevice() {
        for (long seed = 1; seed <= 10; seed++) {
            SyntheticDevice d = device(25, seed);
            // predictor: the device with +-10% per-op error
            Random r = new Random(seed * 7);
            double[] noisy = d.opNs.clone();
            for (int i = 0; i < noisy.length; i++) noisy[i] *= 0.9 + 0.2 * r.nextDouble();
            SyntheticDevice pred = new SyntheticDevice(noisy, d.params, d.cache);
            PartitionModel m = model(d);
            for (int k = 2; k <= 4; k++) {
                Partitioner p = new Partitioner(m, k, PartitionConfig.defaults(), pred, d);
                PartitionResult exact = p.run(Method.EXACT);
                assertEquals(25 * 26 / 2, exact.cost().segmentsProfiled());
                for (Method meth : Method.values()) {
                    PartitionResult res = p.run(meth);
                    assertEquals(k, res.stageCount());
                    assertEquals("measured", res.objectiveFrom());
                    assertTrue(res.bottleneckNs() >= exact.bottleneckNs() - 1e-6, meth + " beats exact");
                    if (meth == Method.PREDICT
                            || meth == Method.EVEN
                            || meth == Method.GREEDY
                            || meth == Method.RANDOM) {
                        assertEquals(0, res.cost().segmentsProfiled());
                        for (PartitionResult.Stage st : res.stages()) assertFalse(st.measuredBySearch());
                    }
                }
                // the hybrid told how far off its predictor may be (+-10 % per op): it must never miss the bottleneck
                PartitionResult hybrid = new Partitioner(
                                m, k, PartitionConfig.defaults().withHybridError(0.10), pred, d)
                        .run(Method.HYBRID);
                assertTrue(hybrid.cost().segmentsProfiled() < exact.cost().segmentsProfiled());
                // its bottleneck stage was profiled by the search (the others were ruled out by their predictions)
                double maxProfiled = 0;
                for (PartitionResult.Stage st : hybrid.stages())
                    if (st.measuredBySearch()) maxProfiled = Math.max(maxProfiled, st.measuredNs());
                assertEquals(hybrid.bottleneckNs(), maxProfiled, 1e-6);
                assertTrue(
                        hybrid.bottleneckNs() <= 1.10 * exact.bottleneckNs(),
                        "hybrid " + hybrid.bottleneckNs() + " vs " + exact.bottleneckNs());
            }
        }
    }

    @Test
    void partitionerErrors() {
        SyntheticDevice d = device(5, 1);
        PartitionModel m = model(d);
        assertThrows(IllegalArgumentException.class, () -> new Partitioner(m, 6, PartitionConfig.defaults(), null, d));
        assertThrows(IllegalArgumentException.class, () -> new Partitioner(m, 0, PartitionConfig.defaults(), null, d));
        Partitioner noPred = new Partitioner(m, 2, PartitionConfig.defaults(), null, d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noPred.run(Method.HYBRID));
        assertTrue(e.getMessage().contains("needs a latency predictor"), e.getMessage());
        SegmentCostSource other = SegmentCostSource.ofTable("edgetpu-pci", new double[6][6], false);
        e = assertThrows(
                IllegalArgumentException.class, () -> new Partitioner(m, 2, PartitionConfig.defaults(), other, d));
        assertTrue(e.getMessage().contains("device kind"), e.getMessage());
        PartitionModel one = PartitionModel.synthetic("one", new long[] {1}, new long[2]);
        e = assertThrows(
                IllegalArgumentException.class, () -> new Partitioner(one, 2, PartitionConfig.defaults(), null, d));
        assertTrue(e.getMessage().contains("cannot split 1 ops into 2 stages"), e.getMessage());
    }

    @Test
    void transferIsAddedWhenTheSourceExcludesIt() {
        double[][] t = new double[4][4];
        for (int i = 0; i < 3; i++) for (int j = i + 1; j <= 3; j++) t[i][j] = 1_000_000.0 * (j - i);
        SegmentCostSource src = SegmentCostSource.ofTable("x", t, false);
        // 300,000 bytes cross cut 1, none elsewhere; 300 MB/s -> 1 ms per 300 kB
        PartitionModel m = PartitionModel.synthetic("t", new long[3], new long[] {0, 300_000, 0, 0});
        PartitionResult r = new Partitioner(m, 2, PartitionConfig.defaults(), null, src).run(Method.EXACT);
        assertArrayEquals(new int[] {2}, r.cuts());
        assertEquals(2_000_000, r.bottleneckNs(), 1);
    }
}
