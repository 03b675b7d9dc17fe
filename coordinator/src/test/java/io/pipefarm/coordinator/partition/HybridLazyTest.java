package io.pipefarm.coordinator.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hybrid's lazy verification: few profiles, none twice, the top candidate batched, still (near) optimal. */
class HybridLazyTest {

    static double[][] table(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] op = new double[n];
        for (int i = 0; i < n; i++) op[i] = 1e5 + r.nextDouble() * 9e5;
        double[][] t = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) {
            double s = 5e4;
            for (int j = i + 1; j <= n; j++) {
                s += op[j - 1];
                t[i][j] = s;
            }
        }
        return t;
    }

    @Test
    void profilesFewSegmentsOnceEachAndFindsTheOptimum() {
        int[] total = new int[5];
        for (long seed = 1; seed <= 20; seed++) {
            int n = 30;
            double[][] exact = table(n, seed);
            double[][] pred = new double[n + 1][n + 1];
            SplittableRandom r = new SplittableRandom(seed * 7);
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j <= n; j++) pred[i][j] = exact[i][j] * 1.3 * (1 + 0.02 * (r.nextDouble() - 0.5));
            List<String> asked = new ArrayList<>();
            List<Integer> prefetchSizes = new ArrayList<>();
            SegmentCostSource measured = new SegmentCostSource() {
                @Override
                public String deviceKind() {
                    return "k";
                }

                @Override
                public boolean includesTransfer() {
                    return true;
                }

                @Override
                public double latencyNs(int i, int j) {
                    asked.add(i + ":" + j);
                    return exact[i][j];
                }

                @Override
                public void prefetch(List<int[]> ranges) {
                    prefetchSizes.add(ranges.size());
                }
            };
            long[] params = new long[n];
            long[] cuts = new long[n + 1];
            PartitionModel m = PartitionModel.synthetic("syn" + seed, params, cuts);
            for (int k = 2; k <= 4; k++) {
                asked.clear();
                prefetchSizes.clear();
                Partitioner p = new Partitioner(
                        m, k, PartitionConfig.defaults(), SegmentCostSource.ofTable("k", pred, true), measured);
                PartitionResult h = p.run(Method.HYBRID);
                Candidate opt = PartitionDp.optimal(n, k, StageCosts.of(exact));
                assertTrue(h.bottleneckNs() <= opt.bottleneckNs() * 1.02, "seed " + seed + " k " + k);
                Set<String> distinct = new HashSet<>(asked);
                assertEquals(distinct.size(), asked.size(), "a segment was profiled twice: " + asked);
                assertTrue(
                        h.cost().segmentsProfiled() <= 4 * k,
                        "profiled " + h.cost().segmentsProfiled() + " for k " + k);
                if (!prefetchSizes.isEmpty())
                    assertTrue(prefetchSizes.get(0) <= k, "the first batch is within the top candidate");
                // the stages left unprofiled were not the bottleneck: it is a profiled one
                double maxProfiled = 0;
                for (PartitionResult.Stage s : h.stages())
                    if (s.measuredBySearch()) maxProfiled = Math.max(maxProfiled, s.measuredNs());
                assertEquals(h.bottleneckNs(), maxProfiled, "seed " + seed + " k " + k);
                total[k] += h.cost().segmentsProfiled();
            }
        }
        // on average fewer profiles than stages: stages far below the bottleneck need none
        for (int k = 2; k <= 4; k++) assertTrue(total[k] < 20 * k, "k " + k + ": " + total[k] + " profiles in 20 runs");
    }

    @Test
    void aPerfectPredictorNeedsOnlyTheTopCandidate() {
        int n = 25;
        double[][] exact = table(n, 99);
        PartitionModel m = PartitionModel.synthetic("perfect", new long[n], new long[n + 1]);
        Partitioner p = new Partitioner(
                m,
                3,
                PartitionConfig.defaults(),
                SegmentCostSource.ofTable("k", exact, true),
                SegmentCostSource.ofTable("k", exact, true));
        PartitionResult h = p.run(Method.HYBRID);
        assertArrayEquals(PartitionDp.optimal(n, 3, StageCosts.of(exact)).cuts(), h.cuts());
        assertTrue(
                h.cost().segmentsProfiled() >= 1 && h.cost().segmentsProfiled() <= 3,
                "profiled " + h.cost().segmentsProfiled());
        assertEquals(PartitionDp.optimal(n, 3, StageCosts.of(exact)).bottleneckNs(), h.bottleneckNs());
    }
}
