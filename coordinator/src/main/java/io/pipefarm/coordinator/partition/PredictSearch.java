package io.pipefarm.coordinator.partition;

import io.pipefarm.model.graph.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The optimal partition under stage costs that are expensive one by one but cheap in batches (a latency predictor),
 * costing only the segments that can matter instead of all {@code n(n+1)/2}. Same objective as
 * {@link PartitionDp#optimal}: the lowest bottleneck, then the lowest end-to-end latency.
 *
 * <ol>
 *   <li>Cost every prefix {@code P(j) = [0, j)} and suffix {@code S(i) = [i, n)} and the whole model {@code T}, in one
 *       batch ({@code 2n} segments; for {@code k = 2} these are all the stages there are: exact for any costs).</li>
 *   <li>Estimate a middle segment {@code [i, j)} from them: {@code q = P(j) + S(i) - overCount(i, j) - X}. With additive
 *       op costs, a per-invoke constant and a transfer proportional to a segment's input and output bytes, this is exact
 *       with {@code X = T} and {@code overCount} = the transfer of the tensors that cross both cuts, which the prefix
 *       writes and the suffix reads but the segment does not ({@link #ioOverCount}). Parameters streamed because they do
 *       not fit the on-chip cache are super-additive: a whole model that does not fit makes {@code T} too large an
 *       anchor. So {@code X} is re-fitted every round on the costed middle segments costing {@code >= U / 2}: the largest
 *       {@code P + S - overCount - cost} among them (those with a spill feature {@link #spillOverlap} at least the
 *       segment's, when the model does not fit the cache; never below {@code T} when it does), plus {@link #SCATTER}
 *       times their spread: on the safe side of every costed segment.</li>
 *   <li>Rounds: {@code U} = the best bottleneck over the partitions whose stages are all costed. A segment is needed
 *       when it is a stage of a partition that may beat that one under the optimistic costs (the cost where known, else
 *       {@code q x (1 - SLACK)}, less where a costed segment fell below its estimate): every stage {@code < U}, or every
 *       stage {@code <= U} and the sum at most the best's end-to-end latency. While {@code U} improves, the
 *       {@code max(64, 2n)} needed segments on the most promising partitions are costed per round; once it stalls, all
 *       needed segments at once. No segment needed: the DP over the costed segments (the others excluded) is the
 *       answer. (Before any partition is fully costed, the stages of the estimate's optimum are costed first.)</li>
 * </ol>
 * <b>Approximation.</b> The result equals {@link PartitionDp#optimal} on the full table whenever the optimistic costs
 * are lower bounds of the segments not costed, i.e. unless a segment's cost falls below its estimate by more than the
 * margins (the scatter seen on the costed segments, then {@code SLACK}). Nearly additive costs (a latency predictor
 * trained on measured segments) keep it exact in practice; arbitrary tables may not (k = 2 is always exact). Measured
 * on the seed bench ({@code pipefarm bench partition}: 20 NASBench-101 networks + DenseNet-121, ResNet-50, EfficientNet-B0,
 * Inception v1, k = 2..4, XGBoost predictor): the same partition as the full table on every instance, costing
 * 1-7% of the segments of the large models (DenseNet-121: about 600-3,400 of 47,895). After {@link #MAX_ROUNDS}
 * rounds the estimates are dropped (every segment a partition could still use is costed: exact).
 */
public final class PredictSearch {
    /** Margin on the calibrated estimates. */
    public static final double SLACK = 0.05;
    /** The envelope of the estimate's anchor is widened by this fraction of the scatter seen on costed segments. */
    public static final double SCATTER = 0.5;
    /** Rounds before the search falls back to costing every segment a partition could still use. */
    public static final int MAX_ROUNDS = 40;
    /** Least segments costed per round (at most {@code max(MIN_BATCH, 2n)}, the most promising first). */
    static final int MIN_BATCH = 64;

    /** Stage costs in ns (latency + link transfer) of segments {@code {i, j}}, in order, in one batch. */
    @FunctionalInterface
    public interface Batch {
        double[] stageCosts(List<int[]> ranges);
    }

    /** The optimum, the segments costed and the rounds of the search. */
    public record Result(Candidate best, int segmentsCosted, int rounds) {}

    private final int n, k, mc;
    private final Batch batch;
    /** Costed stage costs; NaN: not costed. */
    private final double[][] known;

    private int costed;
    /** Of the segments returned by the last {@link #needed}: the least optimistic bottleneck of a partition using it. */
    private double[][] priority;

    private PredictSearch(int n, int k, int mc, Batch batch) {
        this.n = n;
        this.k = k;
        this.mc = mc;
        this.batch = batch;
        known = new double[n + 1][n + 1];
        for (double[] r : known) Arrays.fill(r, Double.NaN);
    }

    /** The optimal partition of {@code n} ops into {@code k} stages, every cut {@code <= maxCut}. */
    public static Result optimal(int n, int k, int maxCut, Batch batch) {
        return optimal(n, k, maxCut, batch, null, null);
    }

    /**
     * As {@link #optimal(int, int, int, Batch)}; {@code overCount(i, j)} (ns, may be null) is subtracted from the additive
     * estimate of middle segment {@code [i, j)}: what the estimate is known to count too much (the transfer of tensors
     * that pass by the segment, see {@link #ioOverCount}).
     */
    public static Result optimal(int n, int k, int maxCut, Batch batch, StageCosts overCount, StageCosts spill) {
        int mc = PartitionDp.check(n, k, maxCut);
        return new PredictSearch(n, k, mc, batch).run(overCount, spill);
    }

    /**
     * The spill feature of the estimate for a model with per-op parameter bytes and an on-chip parameter cache:
     * {@code sp(0, j) + sp(i, n) - sp(i, j)} with {@code sp = max(0, parameter bytes - cache)}: what streaming the
     * parameters that do not fit adds to the prefix and the suffix but not to the segment (super-additive, so the
     * plain estimate is too low by about {@code sigma} times this).
     */
    public static StageCosts spillOverlap(PartitionModel m, long cacheBytes) {
        int n = m.size();
        long[] pre = new long[n + 1];
        for (int i = 0; i < n; i++) pre[i + 1] = pre[i] + m.opParamBytes(i);
        return (i, j) -> Math.max(0, pre[j] - cacheBytes)
                + Math.max(0, pre[n] - pre[i] - cacheBytes)
                - Math.max(0, pre[j] - pre[i] - cacheBytes);
    }

    /**
     * The transfer the additive estimate over-counts for each middle segment of a graph, at {@code nsPerByte}:
     * {@code io(0, j) + io(i, n) - io(0, n) - io(i, j)} bytes (input plus output bytes of each segment as a standalone
     * model). A tensor that crosses both cuts is written by the prefix and read by the suffix, but the segment reads it
     * at most once and never writes it. Computed for all segments in {@code O(n (n + uses))}.
     */
    public static StageCosts ioOverCount(Graph g, double nsPerByte) {
        long[][] io = SegmentIoTable.of(g);
        int n = g.size();
        return (i, j) -> (io[0][j] + io[i][n] - io[0][n] - io[i][j]) * nsPerByte;
    }

    private void fetch(List<int[]> ranges) {
        List<int[]> todo = new ArrayList<>();
        for (int[] r : ranges) {
            if (Double.isNaN(known[r[0]][r[1]])) {
                known[r[0]][r[1]] = Double.NEGATIVE_INFINITY; // pending (a range listed twice is asked once)
                todo.add(r);
            }
        }
        if (todo.isEmpty()) return;
        double[] v = batch.stageCosts(todo);
        if (v.length != todo.size())
            throw new IllegalStateException("batch returned " + v.length + " costs for " + todo.size() + " segments");
        for (int q = 0; q < v.length; q++)
            known[todo.get(q)[0]][todo.get(q)[1]] = Double.isNaN(v[q]) ? Double.POSITIVE_INFINITY : v[q];
        costed += todo.size();
    }

    private Result run(StageCosts overCount, StageCosts spill) {
        if (k == 1) {
            fetch(List.of(new int[] {0, n}));
            return new Result(Candidate.evaluate(new int[0], n, StageCosts.of(known)), costed, 0);
        }
        List<int[]> edges = new ArrayList<>();
        edges.add(new int[] {0, n});
        for (int c = 1; c <= mc; c++) {
            edges.add(new int[] {0, c});
            edges.add(new int[] {c, n});
        }
        fetch(edges);
        double total = known[0][n];
        // the additive estimate of middle segments before its anchor: P(j) + S(i) - over-count; z: the spill feature
        double[][] base = new double[n + 1][], z = new double[n + 1][], q = new double[n + 1][];
        for (int i = 1; i <= mc; i++) {
            base[i] = new double[n + 1];
            z[i] = new double[n + 1];
            q[i] = new double[n + 1];
            for (int j = i + 1; j <= mc; j++) {
                base[i][j] = known[0][j] + known[i][n] - (overCount == null ? 0 : overCount.cost(i, j));
                z[i][j] = spill == null ? 0 : spill.cost(i, j);
            }
        }
        double[][] x = new double[n + 1][];
        for (int i = 1; i <= mc; i++) {
            x[i] = new double[n + 1];
            Arrays.fill(x[i], total);
        }
        double rho = 1 - SLACK;
        double[][] o = new double[n + 1][n + 1];
        int rounds = 0;
        double lastU = Double.POSITIVE_INFINITY;
        while (true) {
            rounds++;
            Candidate bestKnown = optimalKnown();
            double u = bestKnown == null ? Double.POSITIVE_INFINITY : bestKnown.bottleneckNs();
            boolean exhaustive = rounds > MAX_ROUNDS;
            if (!exhaustive && u < Double.POSITIVE_INFINITY) anchor(base, z, u, total, spill != null, x);
            for (int i = 1; i <= mc; i++) {
                for (int j = i + 1; j <= mc; j++) {
                    double v = base[i][j] - x[i][j];
                    q[i][j] = Double.isFinite(v)
                            ? Math.max(0, v)
                            : 0; // a prefix, suffix or whole model that cannot run: no estimate
                }
            }
            if (!exhaustive && u < Double.POSITIVE_INFINITY) rho = calibration(q, u);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j <= n; j++) {
                    double v = known[i][j];
                    if (!Double.isNaN(v)) o[i][j] = v;
                    else if (i == 0 || j == n || i > mc || j > mc)
                        o[i][j] = Double.POSITIVE_INFINITY; // not a stage (or costed)
                    else o[i][j] = exhaustive ? 0 : q[i][j] * rho;
                }
            }
            if (u == Double.POSITIVE_INFINITY && !exhaustive) {
                // no partition fully costed yet: cost the stages of the estimate's optimum
                Candidate c;
                try {
                    c = PartitionDp.optimal(n, k, StageCosts.of(o), mc);
                } catch (IllegalArgumentException e) {
                    c = null; // no finite estimate either
                }
                List<int[]> stages = c == null ? List.of() : Arrays.asList(c.ranges(n));
                int before = costed;
                fetch(stages);
                if (costed > before) continue;
                exhaustive = true; // every stage of the estimate's optimum is costed and still nothing is finite
                rounds = MAX_ROUNDS + 1;
                continue;
            }
            List<int[]> needed = needed(o, u, bestKnown == null ? Double.POSITIVE_INFINITY : bestKnown.endToEndNs());
            if (needed.isEmpty()) break;
            // while the best bottleneck improves, the most promising first; once it stalls, all of them at once
            int budget = u < lastU ? Math.max(MIN_BATCH, 2 * n) : Integer.MAX_VALUE;
            lastU = u;
            if (!exhaustive && needed.size() > budget) {
                // the most promising first: a lower bound found early shrinks what is needed
                needed.sort(Comparator.comparingDouble(r -> priority[r[0]][r[1]]));
                needed = new ArrayList<>(needed.subList(0, budget));
            }
            fetch(needed);
            if (exhaustive) break;
        }
        Candidate best = optimalKnown();
        if (best == null)
            throw new IllegalArgumentException(
                    "no valid partition into " + k + " stages: every one has a stage that cannot run");
        return new Result(best, costed, rounds);
    }

    /** The DP optimum over the costed segments, or null when no partition has all its stages costed and finite. */
    private Candidate optimalKnown() {
        try {
            return PartitionDp.optimal(
                    n,
                    k,
                    (i, j) -> {
                        double v = known[i][j];
                        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
                    },
                    mc);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The anchor {@code X(i, j)} of the estimate {@code q = base - X}: for an additive cost {@code base - cost} is the
     * cost of the whole model when nothing is streamed, and grows with the spill feature {@code z} (never beyond the
     * whole model's {@code T}). Over the costed middle segments costing {@code >= u / 2}: without a spill feature,
     * {@code max(T, every base - cost)}; with one, the largest {@code base - cost} among them with {@code z >= z(i, j)}
     * (none: {@code T}). Safe-side: the estimate stays at most the cost on every costed segment used.
     */
    private void anchor(double[][] base, double[][] z, double u, double total, boolean spill, double[][] x) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 1; i <= mc; i++) {
            for (int j = i + 1; j <= mc; j++) {
                double v = known[i][j];
                if (Double.isNaN(v) || !Double.isFinite(v) || !(v >= u / 2) || !Double.isFinite(base[i][j])) continue;
                pts.add(new double[] {z[i][j], base[i][j] - v});
            }
        }
        // the scatter of base - cost among them: how far a segment not costed yet may fall beyond the envelope
        double lo0 = Double.POSITIVE_INFINITY, hi0 = Double.NEGATIVE_INFINITY;
        for (double[] pt : pts) {
            lo0 = Math.min(lo0, pt[1]);
            hi0 = Math.max(hi0, pt[1]);
        }
        double margin = pts.size() >= 2 ? SCATTER * (hi0 - lo0) : 0;
        if (!spill) {
            double m = total;
            for (double[] pt : pts) m = Math.max(m, pt[1] + margin);
            for (int i = 1; i <= mc; i++) Arrays.fill(x[i], m);
            return;
        }
        // descending z; best[q] = max y over pts[0..q]
        pts.sort((p1, p2) -> Double.compare(p2[0], p1[0]));
        int m = pts.size();
        double[] zs = new double[m], best = new double[m];
        for (int q = 0; q < m; q++) {
            zs[q] = pts.get(q)[0];
            best[q] = Math.max(q > 0 ? best[q - 1] : Double.NEGATIVE_INFINITY, pts.get(q)[1] + margin);
        }
        for (int i = 1; i <= mc; i++) {
            for (int j = i + 1; j <= mc; j++) {
                // the last index with zs >= z(i, j)
                int lo = 0, hi = m; // first index with zs < z
                double zz = z[i][j];
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (zs[mid] >= zz) lo = mid + 1;
                    else hi = mid;
                }
                x[i][j] = lo == 0 ? total : best[lo - 1];
            }
        }
    }

    /** {@code (1 - SLACK) x} the lowest cost / estimate over the costed middle segments with an estimate {@code >= u / 2}. */
    private double calibration(double[][] q, double u) {
        double r = 1;
        for (int i = 1; i <= mc; i++) {
            for (int j = i + 1; j <= mc; j++) {
                double v = known[i][j], e = q[i][j];
                if (Double.isNaN(v) || !(e >= u / 2) || !Double.isFinite(v)) continue;
                r = Math.min(r, v / e);
            }
        }
        return (1 - SLACK) * r;
    }

    /**
     * The segments not costed yet that are a stage of some partition that may beat the best costed one ({@code u}, then
     * {@code sumBound}) under the optimistic costs {@code o}: every stage {@code < u}, or every stage {@code <= u} and
     * the sum {@code <= sumBound}.
     */
    private List<int[]> needed(double[][] o, double u, double sumBound) {
        // f[s][j]: least max of o over the splits of [0, j) into s stages; g[r][i]: of [i, n) into r stages;
        // fs, gs: least sum over those splits whose stages are all <= u
        double[][] f = new double[k][n + 1],
                g = new double[k][n + 1],
                fs = new double[k][n + 1],
                gs = new double[k][n + 1];
        for (double[][] t : List.of(f, g, fs, gs)) for (double[] r : t) Arrays.fill(r, Double.POSITIVE_INFINITY);
        f[0][0] = 0;
        fs[0][0] = 0;
        for (int s = 1; s < k; s++) {
            for (int j = s; j <= mc; j++) {
                double best = Double.POSITIVE_INFINITY, bestSum = Double.POSITIVE_INFINITY;
                for (int i = s - 1; i < j; i++) {
                    double c = o[i][j];
                    double v = Math.max(f[s - 1][i], c);
                    if (v < best) best = v;
                    if (c <= u) {
                        double w = fs[s - 1][i] + c;
                        if (w < bestSum) bestSum = w;
                    }
                }
                f[s][j] = best;
                fs[s][j] = bestSum;
            }
        }
        g[0][n] = 0;
        gs[0][n] = 0;
        for (int r = 1; r < k; r++) {
            for (int i = Math.min(mc, n - r); i >= k - r; i--) {
                double best = Double.POSITIVE_INFINITY, bestSum = Double.POSITIVE_INFINITY;
                for (int j = i + 1; j <= n; j++) {
                    double c = o[i][j];
                    double v = Math.max(c, g[r - 1][j]);
                    if (v < best) best = v;
                    if (c <= u) {
                        double w = c + gs[r - 1][j];
                        if (w < bestSum) bestSum = w;
                    }
                }
                g[r][i] = best;
                gs[r][i] = bestSum;
            }
        }
        List<int[]> out = new ArrayList<>();
        if (priority == null) priority = new double[n + 1][];
        boolean[][] marked = new boolean[n + 1][];
        for (int s = 1; s <= k; s++) {
            for (int i = 0; i <= n; i++) {
                double a = f[s - 1][i], as = fs[s - 1][i];
                if (!(a < u) && !(as <= sumBound)) continue;
                for (int j = i + 1; j <= n; j++) {
                    double c = o[i][j];
                    if (!(c <= u) || !Double.isNaN(known[i][j])) continue;
                    double pr = Math.max(a, Math.max(c, g[k - s][j]));
                    if (!(pr < u) && !(as + c + gs[k - s][j] <= sumBound)) continue;
                    if (marked[i] == null) marked[i] = new boolean[n + 1];
                    if (priority[i] == null) priority[i] = new double[n + 1];
                    if (marked[i][j]) {
                        priority[i][j] = Math.min(priority[i][j], pr);
                        continue;
                    }
                    marked[i][j] = true;
                    priority[i][j] = pr;
                    out.add(new int[] {i, j});
                }
            }
        }
        return out;
    }
}
