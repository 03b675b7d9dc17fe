package io.pipefarm.coordinator.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Exact search over the contiguous partitions of ops {@code 0..n-1} into {@code k} stages (each stage
 * at least one op; every cut {@code <= maxCut}), for any stage costs. Objective: the lowest bottleneck
 * (largest stage cost), then the lowest end-to-end latency (sum of stage costs).
 *
 * <p>The lexicographic objective does not decompose over prefixes (a prefix with a worse bottleneck but a
 * smaller sum can win once a dominant later stage hides its bottleneck), so {@link #optimal} runs two
 * dynamic programs, each {@code O(k n^2)}: min-max for the optimal bottleneck {@code B*}, then min-sum over
 * the stages whose cost is {@code <= B*}.
 *
 * <p>{@link #best} enumerates the {@code m} best partitions in that order: it finds by bisection over the
 * distinct stage costs the smallest threshold {@code T} with at least {@code m} partitions whose stages all
 * cost {@code <= T} (a counting DP), lists the fewer than {@code m} partitions under the next smaller value
 * {@code T'} by a pruned depth-first search, and takes the rest among the partitions whose bottleneck is
 * exactly {@code T} with an {@code r}-best min-sum DP (state: end op, stages, whether a stage above {@code T'}
 * was used).
 */
public final class PartitionDp {
    private PartitionDp() {}

    /** Checks {@code k} and {@code n}; returns the effective max cut. */
    static int check(int n, int k, int maxCut) {
        if (k < 1) throw new IllegalArgumentException("the number of stages must be >= 1, got " + k);
        if (n < 1) throw new IllegalArgumentException("the model has no ops: nothing to partition");
        if (k > n)
            throw new IllegalArgumentException(
                    "cannot split " + n + " ops into " + k + " stages: each stage needs at least one op");
        int mc = Math.min(maxCut, n - 1);
        if (k > 1 && mc < k - 1) {
            throw new IllegalArgumentException(
                    "no valid cut: " + k + " stages need " + (k - 1) + " cuts at or before op " + mc
                            + " (the last stage must contain every op from the first output op on)");
        }
        return mc;
    }

    /** Highest end of stage {@code s} (1-based) of {@code k}. */
    private static int maxEnd(int s, int k, int n, int mc) {
        return s == k ? n : Math.min(n - (k - s), mc);
    }

    /** The optimal partition (bottleneck, then end-to-end); cuts may be at most {@code n - 1}. */
    public static Candidate optimal(int n, int k, StageCosts c) {
        return optimal(n, k, c, n - 1);
    }

    /** The optimal partition whose cuts are all {@code <= maxCut}. */
    public static Candidate optimal(int n, int k, StageCosts c, int maxCut) {
        int mc = check(n, k, maxCut);
        if (k == 1) return Candidate.evaluate(new int[0], n, c);
        double[][] t = StageCosts.table(n, c);
        // min-max
        double[] prev = new double[n + 1], cur = new double[n + 1];
        Arrays.fill(prev, Double.POSITIVE_INFINITY);
        for (int j = 1; j <= maxEnd(1, k, n, mc); j++) prev[j] = t[0][j];
        for (int s = 2; s <= k; s++) {
            Arrays.fill(cur, Double.POSITIVE_INFINITY);
            int lo = s, hi = maxEnd(s, k, n, mc);
            for (int j = lo; j <= hi; j++) {
                if (s == k && j != n) continue;
                double best = Double.POSITIVE_INFINITY;
                for (int i = s - 1; i < j && i <= maxEnd(s - 1, k, n, mc); i++) {
                    double v = Math.max(prev[i], t[i][j]);
                    if (v < best) best = v;
                }
                cur[j] = best;
            }
            double[] sw = prev;
            prev = cur;
            cur = sw;
        }
        double bstar = prev[n];
        if (!(bstar < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(
                    "no valid partition into " + k + " stages: every one has a stage that cannot run");
        }
        // min-sum among stages costing <= B*
        double[][] sum = new double[k + 1][n + 1];
        int[][] arg = new int[k + 1][n + 1];
        for (double[] r : sum) Arrays.fill(r, Double.POSITIVE_INFINITY);
        for (int j = 1; j <= maxEnd(1, k, n, mc); j++) if (t[0][j] <= bstar) sum[1][j] = t[0][j];
        for (int s = 2; s <= k; s++) {
            int hi = maxEnd(s, k, n, mc);
            for (int j = s; j <= hi; j++) {
                if (s == k && j != n) continue;
                double best = Double.POSITIVE_INFINITY;
                int bi = -1;
                for (int i = s - 1; i < j && i <= maxEnd(s - 1, k, n, mc); i++) {
                    if (!(t[i][j] <= bstar) || sum[s - 1][i] == Double.POSITIVE_INFINITY) continue;
                    double v = sum[s - 1][i] + t[i][j];
                    if (v < best) {
                        best = v;
                        bi = i;
                    }
                }
                sum[s][j] = best;
                arg[s][j] = bi;
            }
        }
        int[] cuts = new int[k - 1];
        int j = n;
        for (int s = k; s >= 2; s--) {
            j = arg[s][j];
            cuts[s - 2] = j;
        }
        return new Candidate(cuts, bstar, sum[k][n]);
    }

    /** The {@code m} best partitions, best first (fewer when fewer exist). */
    public static List<Candidate> best(int n, int k, StageCosts c, int m) {
        return best(n, k, c, m, n - 1);
    }

    /** The {@code m} best partitions whose cuts are all {@code <= maxCut}, best first. */
    public static List<Candidate> best(int n, int k, StageCosts c, int m, int maxCut) {
        int mc = check(n, k, maxCut);
        if (m < 1) throw new IllegalArgumentException("the number of candidates must be >= 1, got " + m);
        if (k == 1) return List.of(Candidate.evaluate(new int[0], n, c));
        double[][] t = StageCosts.table(n, c);
        double[] vals = distinctFinite(t, n);
        if (vals.length == 0) return List.of();
        int hiIdx = vals.length - 1;
        List<Candidate> out = new ArrayList<>();
        if (count(t, n, k, mc, vals[hiIdx], m) < m) {
            enumerate(t, n, k, mc, vals[hiIdx], out);
            out.sort(Candidate.ORDER);
            return out;
        }
        int lo = 0, hi = hiIdx; // smallest index with count >= m
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (count(t, n, k, mc, vals[mid], m) >= m) hi = mid;
            else lo = mid + 1;
        }
        double tv = vals[lo];
        double tprev = lo > 0 ? vals[lo - 1] : Double.NEGATIVE_INFINITY;
        if (lo > 0) enumerate(t, n, k, mc, tprev, out);
        out.sort(Candidate.ORDER);
        int r = m - out.size();
        out.addAll(bestAtThreshold(t, n, k, mc, tv, tprev, r));
        return out;
    }

    /** The distinct finite costs of the table, ascending. */
    static double[] distinctFinite(double[][] t, int n) {
        double[] v = new double[n * (n + 1) / 2];
        int m = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j <= n; j++) if (t[i][j] < Double.POSITIVE_INFINITY) v[m++] = t[i][j];
        Arrays.sort(v, 0, m);
        int u = 0;
        for (int q = 0; q < m; q++) if (u == 0 || v[q] != v[u - 1]) v[u++] = v[q];
        return Arrays.copyOf(v, u);
    }

    /** Partitions with every stage {@code <= thr}, saturated at {@code cap}. */
    static long count(double[][] t, int n, int k, int mc, double thr, long cap) {
        long[] prev = new long[n + 1], cur = new long[n + 1];
        for (int j = 1; j <= maxEnd(1, k, n, mc); j++) prev[j] = t[0][j] <= thr ? 1 : 0;
        for (int s = 2; s <= k; s++) {
            Arrays.fill(cur, 0);
            int hi = maxEnd(s, k, n, mc);
            for (int j = s; j <= hi; j++) {
                if (s == k && j != n) continue;
                long acc = 0;
                for (int i = s - 1; i < j && i <= maxEnd(s - 1, k, n, mc); i++) {
                    if (prev[i] > 0 && t[i][j] <= thr) {
                        acc += prev[i];
                        if (acc >= cap) {
                            acc = cap;
                            break;
                        }
                    }
                }
                cur[j] = acc;
            }
            long[] sw = prev;
            prev = cur;
            cur = sw;
        }
        return prev[n];
    }

    /** Every partition with all stages {@code <= thr} (the caller knows there are few). */
    static void enumerate(double[][] t, int n, int k, int mc, double thr, List<Candidate> out) {
        // feasible[r][i]: ops [i, n) split into r stages all <= thr, with the cuts allowed
        boolean[][] feasible = new boolean[k + 1][n + 1];
        feasible[0][n] = true;
        for (int r = 1; r <= k; r++) {
            int s = k - r + 1; // the stage starting at i is stage s (1-based)
            for (int i = 0; i < n; i++) {
                if (s > 1 && i > mc) continue;
                for (int j = i + 1; j <= n; j++) {
                    if (s < k && j > mc) break;
                    if (feasible[r - 1][j] && t[i][j] <= thr) {
                        feasible[r][i] = true;
                        break;
                    }
                }
            }
        }
        if (!feasible[k][0]) return;
        int[] cuts = new int[k - 1];
        dfs(t, n, k, mc, thr, feasible, 0, 1, cuts, out);
    }

    private static void dfs(
            double[][] t,
            int n,
            int k,
            int mc,
            double thr,
            boolean[][] feasible,
            int start,
            int s,
            int[] cuts,
            List<Candidate> out) {
        if (s == k) {
            out.add(Candidate.evaluate(cuts, n, StageCosts.of(t)));
            return;
        }
        for (int j = start + 1; j <= Math.min(n - (k - s), mc); j++) {
            if (t[start][j] <= thr && feasible[k - s][j]) {
                cuts[s - 1] = j;
                dfs(t, n, k, mc, thr, feasible, j, s + 1, cuts, out);
            }
        }
    }

    /** One kept partial solution: its sum, where its previous stage ended, which list and rank it came from. */
    private record Entry(double sum, int from, int fromFlag, int fromRank) {}

    /** The {@code r} partitions of least sum with all stages {@code <= tv} and some stage {@code > tprev}. */
    static List<Candidate> bestAtThreshold(double[][] t, int n, int k, int mc, double tv, double tprev, int r) {
        // lists[s][j][f]: up to r best prefixes of s stages ending at j; f = a stage above tprev was used
        @SuppressWarnings("unchecked")
        List<Entry>[][][] lists = new List[k + 1][n + 1][2];
        for (int j = 1; j <= maxEnd(1, k, n, mc); j++) {
            double v = t[0][j];
            if (v <= tv) lists[1][j][v > tprev ? 1 : 0] = List.of(new Entry(v, 0, -1, -1));
        }
        record Head(double sum, int i, int f, int rank) {}
        for (int s = 2; s <= k; s++) {
            int hi = maxEnd(s, k, n, mc);
            for (int j = s; j <= hi; j++) {
                if (s == k && j != n) continue;
                for (int f = 0; f < 2; f++) {
                    if (s == k && f == 0) continue;
                    PriorityQueue<Head> pq = new PriorityQueue<>((a, b) -> Double.compare(a.sum, b.sum));
                    for (int i = s - 1; i < j && i <= maxEnd(s - 1, k, n, mc); i++) {
                        double v = t[i][j];
                        if (!(v <= tv)) continue;
                        boolean above = v > tprev;
                        for (int pf = 0; pf < 2; pf++) {
                            if ((pf == 1 || above) != (f == 1)) continue;
                            List<Entry> l = lists[s - 1][i][pf];
                            if (l != null && !l.isEmpty())
                                pq.add(new Head(l.get(0).sum() + v, i, pf, 0));
                        }
                    }
                    if (pq.isEmpty()) continue;
                    List<Entry> kept = new ArrayList<>(Math.min(r, 16));
                    while (kept.size() < r && !pq.isEmpty()) {
                        Head h = pq.poll();
                        kept.add(new Entry(h.sum, h.i, h.f, h.rank));
                        List<Entry> l = lists[s - 1][h.i][h.f];
                        if (h.rank + 1 < l.size())
                            pq.add(new Head(l.get(h.rank + 1).sum() + t[h.i][j], h.i, h.f, h.rank + 1));
                    }
                    lists[s][j][f] = kept;
                }
            }
        }
        List<Entry> fin = lists[k][n][1];
        List<Candidate> out = new ArrayList<>();
        if (fin == null) return out;
        for (int rank = 0; rank < fin.size(); rank++) {
            int[] cuts = new int[k - 1];
            int j = n, f = 1, rk = rank;
            for (int s = k; s >= 2; s--) {
                Entry e = lists[s][j][f].get(rk);
                cuts[s - 2] = e.from();
                j = e.from();
                f = e.fromFlag();
                rk = e.fromRank();
            }
            out.add(new Candidate(cuts, tv, fin.get(rank).sum()));
        }
        return out;
    }
}
