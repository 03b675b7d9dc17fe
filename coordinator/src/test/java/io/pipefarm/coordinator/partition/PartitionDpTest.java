package io.pipefarm.coordinator.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionDpTest {

    /** Every partition of n ops into k stages with cuts <= maxCut, evaluated. */
    static List<Candidate> bruteForce(int n, int k, double[][] t, int maxCut) {
        List<Candidate> out = new ArrayList<>();
        rec(n, k, t, maxCut, new int[k - 1], 0, 1, out);
        return out;
    }

    private static void rec(
            int n, int k, double[][] t, int maxCut, int[] cuts, int idx, int from, List<Candidate> out) {
        if (idx == k - 1) {
            out.add(Candidate.evaluate(cuts, n, StageCosts.of(t)));
            return;
        }
        for (int c = from; c <= Math.min(n - 1, maxCut); c++) {
            cuts[idx] = c;
            rec(n, k, t, maxCut, cuts, idx + 1, c + 1, out);
        }
    }

    static double[][] randomTable(Random rnd, int n, boolean integers) {
        double[][] t = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j <= n; j++) {
                // roughly growing with length, plus noise; sometimes a spike (a "spill")
                double base = (j - i) * (1 + rnd.nextInt(5)) + rnd.nextInt(4);
                if (rnd.nextInt(10) == 0) base *= 5;
                t[i][j] = integers ? Math.round(base) : base + rnd.nextDouble();
            }
        }
        return t;
    }

    @Test
    void optimalMatchesBruteForce() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + rnd.nextInt(11);
            int k = 1 + rnd.nextInt(Math.min(n, 5));
            double[][] t = randomTable(rnd, n, trial % 2 == 0);
            Candidate dp = PartitionDp.optimal(n, k, StageCosts.of(t));
            if (k == 1) {
                assertEquals(t[0][n], dp.bottleneckNs());
                continue;
            }
            Candidate bf =
                    bruteForce(n, k, t, n - 1).stream().min(Candidate.ORDER).orElseThrow();
            assertEquals(bf.bottleneckNs(), dp.bottleneckNs(), "bottleneck, trial " + trial);
            assertEquals(bf.endToEndNs(), dp.endToEndNs(), 1e-9, "e2e, trial " + trial);
            Candidate re = Candidate.evaluate(dp.cuts(), n, StageCosts.of(t));
            assertEquals(dp.bottleneckNs(), re.bottleneckNs());
            assertEquals(dp.endToEndNs(), re.endToEndNs(), 1e-9);
        }
    }

    @Test
    void optimalRespectsMaxCut() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 100; trial++) {
            int n = 4 + rnd.nextInt(8);
            int k = 2 + rnd.nextInt(3);
            int maxCut = k - 1 + rnd.nextInt(n - k + 1);
            double[][] t = randomTable(rnd, n, false);
            Candidate dp = PartitionDp.optimal(n, k, StageCosts.of(t), maxCut);
            Candidate bf =
                    bruteForce(n, k, t, maxCut).stream().min(Candidate.ORDER).orElseThrow();
            assertEquals(bf.bottleneckNs(), dp.bottleneckNs());
            assertEquals(bf.endToEndNs(), dp.endToEndNs(), 1e-9);
            for (int c : dp.cuts()) assertTrue(c <= maxCut);
        }
    }

    /** The lexicographic objective needs the two-pass DP: a prefix with a worse max but a smaller sum wins. */
    @Test
    void tieOnBottleneckIsBrokenByEndToEnd() {
        int n = 3;
        double[][] t = new double[4][4];
        t[0][1] = 5;
        t[1][2] = 5;
        t[0][2] = 6;
        t[2][3] = 10;
        t[1][3] = 10;
        t[0][3] = 30;
        // k = 2: [0,2)+[2,3) = max 10 sum 16; [0,1)+[1,3) = max 10 sum 15
        Candidate c = PartitionDp.optimal(n, 2, StageCosts.of(t));
        assertArrayEquals(new int[] {1}, c.cuts());
        assertEquals(15, c.endToEndNs());
    }

    @Test
    void bestIsSortedAndCompleteAgainstBruteForce() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int n = 2 + rnd.nextInt(10);
            int k = 2 + rnd.nextInt(Math.min(n - 1, 4));
            int m = 1 + rnd.nextInt(25);
            double[][] t = randomTable(rnd, n, trial % 3 != 0); // integers make ties likely
            List<Candidate> all = bruteForce(n, k, t, n - 1);
            all.sort(Candidate.ORDER);
            List<Candidate> got = PartitionDp.best(n, k, StageCosts.of(t), m);
            assertEquals(Math.min(m, all.size()), got.size(), "count, trial " + trial);
            Set<String> distinct = new HashSet<>();
            for (int r = 0; r < got.size(); r++) {
                Candidate g = got.get(r), want = all.get(r);
                // same objective sequence (ties may list different but equally good partitions)
                assertEquals(want.bottleneckNs(), g.bottleneckNs(), "rank " + r + " trial " + trial);
                assertEquals(want.endToEndNs(), g.endToEndNs(), 1e-9, "rank " + r + " trial " + trial);
                Candidate re = Candidate.evaluate(g.cuts(), n, StageCosts.of(t));
                assertEquals(re.bottleneckNs(), g.bottleneckNs());
                assertEquals(re.endToEndNs(), g.endToEndNs(), 1e-9);
                assertTrue(distinct.add(Arrays.toString(g.cuts())), "duplicate partition");
                if (r > 0)
                    assertTrue(Candidate.ORDER.compare(got.get(r - 1), g) <= 0
                            || got.get(r - 1).bottleneckNs() == g.bottleneckNs()
                                    && got.get(r - 1).endToEndNs() == g.endToEndNs());
            }
            assertEquals(
                    all.get(0).bottleneckNs(),
                    PartitionDp.optimal(n, k, StageCosts.of(t)).bottleneckNs());
        }
    }

    @Test
    void bestWithInfiniteSegments() {
        double[][] t = randomTable(new Random(1), 6, true);
        t[0][4] = Double.POSITIVE_INFINITY;
        t[2][6] = Double.POSITIVE_INFINITY;
        List<Candidate> all = bruteForce(6, 2, t, 5).stream()
                .filter(c -> c.bottleneckNs() < Double.POSITIVE_INFINITY)
                .sorted(Candidate.ORDER)
                .toList();
        List<Candidate> got = PartitionDp.best(6, 2, StageCosts.of(t), 100);
        assertEquals(all.size(), got.size());
        for (Candidate c : got) assertTrue(c.bottleneckNs() < Double.POSITIVE_INFINITY);
    }

    @Test
    void errors() {
        double[][] t = randomTable(new Random(1), 3, true);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PartitionDp.optimal(3, 4, StageCosts.of(t)));
        assertTrue(e.getMessage().contains("cannot split 3 ops into 4 stages"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PartitionDp.optimal(3, 0, StageCosts.of(t)));
        assertTrue(e.getMessage().contains(">= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PartitionDp.best(3, 2, StageCosts.of(t), 0));
        assertTrue(e.getMessage().contains("candidates"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> PartitionDp.optimal(5, 3, StageCosts.of(randomTable(new Random(2), 5, true)), 1));
        assertTrue(e.getMessage().startsWith("no valid cut"), e.getMessage());
        double[][] inf = new double[3][3];
        for (double[] r : inf) Arrays.fill(r, Double.POSITIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> PartitionDp.optimal(2, 2, StageCosts.of(inf)));
        assertTrue(e.getMessage().contains("no valid partition"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Method.parse("fastest"));
        assertTrue(
                e.getMessage().contains("unknown partition method 'fastest'")
                        && e.getMessage().contains("hybrid"),
                e.getMessage());
        assertEquals(Method.HYBRID, Method.parse("Hybrid"));
        assertNotEquals(null, Method.parse("profile"));
    }
}
