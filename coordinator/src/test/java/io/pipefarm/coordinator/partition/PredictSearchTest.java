package io.pipefarm.coordinator.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PredictSearchTest {

    /** Additive op costs, a cost per cut (transfer), a per-invoke constant, and a small multiplicative noise. */
    static double[][] additive(Random rnd, int n, double noise) {
        double[] op = new double[n];
        for (int m = 0; m < n; m++) op[m] = rnd.nextInt(8) == 0 ? 50 + rnd.nextInt(200) : 1 + rnd.nextInt(20);
        double[] cut = new double[n + 1];
        for (int c = 0; c <= n; c++) cut[c] = rnd.nextInt(4) == 0 ? rnd.nextInt(60) : rnd.nextInt(5);
        double overhead = 10 + rnd.nextInt(30);
        double[] pre = new double[n + 1];
        for (int m = 0; m < n; m++) pre[m + 1] = pre[m] + op[m];
        double[][] t = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j <= n; j++) {
                t[i][j] = (overhead + pre[j] - pre[i] + cut[i] + cut[j]) * (1 + noise * (2 * rnd.nextDouble() - 1));
            }
        }
        return t;
    }

    /** A batch over a table that counts and checks that no segment is asked twice. */
    static final class Counting implements PredictSearch.Batch {
        final double[][] t;
        final Set<Long> seen = new HashSet<>();
        int batches;

        Counting(double[][] t) {
            this.t = t;
        }

        @Override
        public double[] stageCosts(List<int[]> ranges) {
            batches++;
            double[] out = new double[ranges.size()];
            for (int q = 0; q < out.length; q++) {
                int[] r = ranges.get(q);
                assertTrue(r[0] >= 0 && r[0] < r[1] && r[1] < t.length, "bad range " + Arrays.toString(r));
                assertTrue(seen.add(((long) r[0] << 32) | r[1]), "segment asked twice: " + Arrays.toString(r));
                out[q] = t[r[0]][r[1]];
            }
            return out;
        }
    }

    @Test
    void matchesTheFullTableOnNearlyAdditiveCosts() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + rnd.nextInt(90);
            int k = 1 + rnd.nextInt(Math.min(n, 5));
            int maxCut = trial % 3 == 0 ? Math.max(k - 1, n - 1 - rnd.nextInt(Math.max(1, n / 4))) : n - 1;
            double[][] t = additive(rnd, n, trial % 2 == 0 ? 0.0 : 0.03);
            Candidate full = PartitionDp.optimal(n, k, StageCosts.of(t), maxCut);
            Counting c = new Counting(t);
            PredictSearch.Result r = PredictSearch.optimal(n, k, maxCut, c);
            String where = "trial " + trial + " n=" + n + " k=" + k + " maxCut=" + maxCut;
            assertEquals(full.bottleneckNs(), r.best().bottleneckNs(), where);
            assertEquals(full.endToEndNs(), r.best().endToEndNs(), 1e-9 * full.endToEndNs(), where);
            assertEquals(c.seen.size(), r.segmentsCosted(), where);
            for (int cut : r.best().cuts()) assertTrue(cut <= maxCut, where);
        }
    }

    @Test
    void costsFewSegmentsOfALargeModel() {
        Random rnd = new Random(11);
        int n = 300;
        for (int k = 2; k <= 4; k++) {
            double[][] t = additive(rnd, n, 0.02);
            Counting c = new Counting(t);
            PredictSearch.Result r = PredictSearch.optimal(n, k, n - 1, c);
            assertEquals(
                    PartitionDp.optimal(n, k, StageCosts.of(t)).bottleneckNs(),
                    r.best().bottleneckNs());
            assertTrue(r.segmentsCosted() < n * (n + 1) / 2 / 10, "k=" + k + ": costed " + r.segmentsCosted());
            if (k == 2) assertTrue(r.segmentsCosted() <= 2 * n + 1, "k=2 needs only prefixes and suffixes");
        }
    }

    @Test
    void twoStagesAreExactForAnyCosts() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(40);
            double[][] t = PartitionDpTest.randomTable(rnd, n, trial % 2 == 0);
            Candidate full = PartitionDp.optimal(n, 2, StageCosts.of(t));
            PredictSearch.Result r = PredictSearch.optimal(n, 2, n - 1, new Counting(t));
            assertEquals(full.bottleneckNs(), r.best().bottleneckNs());
            assertEquals(full.endToEndNs(), r.best().endToEndNs());
        }
    }

    @Test
    void arbitraryCostsGiveAValidPartition() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 3 + rnd.nextInt(40);
            int k = 1 + rnd.nextInt(Math.min(n, 5));
            double[][] t = PartitionDpTest.randomTable(rnd, n, false);
            Candidate r = PredictSearch.optimal(n, k, n - 1, new Counting(t)).best();
            assertEquals(k, r.stages());
            Candidate again = Candidate.evaluate(r.cuts(), n, StageCosts.of(t));
            assertEquals(again.bottleneckNs(), r.bottleneckNs());
            assertTrue(r.bottleneckNs()
                    >= PartitionDp.optimal(n, k, StageCosts.of(t)).bottleneckNs());
        }
    }

    @Test
    void segmentsThatCannotRun() {
        Random rnd = new Random(9);
        int n = 40;
        double[][] t = additive(rnd, n, 0.01);
        for (int i = 0; i < n; i++) t[i][Math.min(n, i + 25)] = Double.POSITIVE_INFINITY; // some long segments fail
        for (int k = 2; k <= 4; k++) {
            Candidate full = PartitionDp.optimal(n, k, StageCosts.of(t));
            assertEquals(
                    full.bottleneckNs(),
                    PredictSearch.optimal(n, k, n - 1, new Counting(t)).best().bottleneckNs());
        }
        double[][] none = new double[n + 1][n + 1];
        for (double[] r : none) Arrays.fill(r, Double.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> PredictSearch.optimal(n, 3, n - 1, new Counting(none)));
        assertThrows(IllegalArgumentException.class, () -> PredictSearch.optimal(3, 4, 2, new Counting(none)));
    }

    @Test
    void segmentIoTableMatchesTheGraph() {
        Graph g = ModelZoo.build("inception_v1");
        PartitionModel m = PartitionModel.of(g);
        long[][] io = SegmentIoTable.of(g);
        for (int i = 0; i < g.size(); i++) {
            for (int j = i + 1; j <= g.size(); j++) {
                long[] b = m.segmentIoBytes(i, j);
                assertEquals(b[0] + b[1], io[i][j], "[" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void cachedBatchSourceCostsEachSegmentOnce() {
        int n = 12;
        List<Integer> sizes = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        BatchCostSource s = BatchCostSource.cached("k", true, n, ranges -> {
            sizes.add(ranges.size());
            double[] out = new double[ranges.size()];
            for (int q = 0; q < out.length; q++) {
                int[] r = ranges.get(q);
                assertTrue(seen.add(((long) r[0] << 32) | r[1]));
                out[q] = 100.0 * r[0] + r[1];
            }
            return out;
        });
        assertArrayEquals(
                new double[] {102, 102, 305},
                s.latenciesNs(List.of(new int[] {1, 2}, new int[] {1, 2}, new int[] {3, 5})));
        assertEquals(102, s.latencyNs(1, 2));
        assertEquals(List.of(2), sizes);
        double[][] all = s.allLatenciesNs(n);
        assertEquals(n * (n + 1) / 2, seen.size());
        assertEquals(1112, all[11][12]);
        assertEquals(2, sizes.size());
        assertThrows(IllegalArgumentException.class, () -> s.latenciesNs(List.of(new int[] {3, 3})));
    }

    @Test
    void partitionerPredictWithABatchSourceMatchesTheTable() {
        Graph g = ModelZoo.build("mobilenet_v2");
        PartitionModel m = PartitionModel.of(g);
        int n = g.size();
        Random rnd = new Random(1);
        double[][] t = additive(rnd, n, 0.02);
        PartitionConfig cfg = PartitionConfig.defaults();
        for (int k = 2; k <= 4; k++) {
            for (boolean transfer : new boolean[] {true, false}) {
                SegmentCostSource table = SegmentCostSource.ofTable("sim", t, transfer);
                BatchCostSource batch = BatchCostSource.cached("sim", transfer, n, ranges -> {
                    double[] out = new double[ranges.size()];
                    for (int q = 0; q < out.length; q++) out[q] = t[ranges.get(q)[0]][ranges.get(q)[1]];
                    return out;
                });
                PartitionResult a = new Partitioner(m, k, cfg, table, null).run(Method.PREDICT);
                PartitionResult b = new Partitioner(m, k, cfg, batch, null).run(Method.PREDICT);
                assertEquals(
                        a.bottleneckNs(),
                        b.bottleneckNs(),
                        1e-9 * a.bottleneckNs(),
                        "k=" + k + " transfer=" + transfer);
                assertEquals(a.endToEndNs(), b.endToEndNs(), 1e-9 * a.endToEndNs(), "k=" + k + " transfer=" + transfer);
            }
        }
    }
}
