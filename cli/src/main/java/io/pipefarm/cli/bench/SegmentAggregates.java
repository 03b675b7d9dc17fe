package io.pipefarm.cli.bench;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;

/**
 * Static aggregates of every contiguous segment {@code [i, j)} of a model, computed for all
 * O(n^2) segments at once: MACs, parameter bytes, activation bytes and op-type counts from prefix
 * sums (O(1) per segment after O(n) set-up), and the bytes of each segment's inputs and outputs (as
 * {@link Graph#segmentIo} defines them) in one sweep per start {@code i}, O(n^2 + n * edges) in all.
 * Also the bytes crossing each cut.
 *
 * <p>A stop-gap for {@code pipefarm bench model}: per-segment features belong in {@code model/}
 * (DESIGN.md §2); this class should move there or give way to that module's feature class.
 */
public final class SegmentAggregates {
    private static final OpType[] TYPES = OpType.values();

    private final int n;
    private final long[] macs;
    private final long[] params;
    private final long[] activations;
    /** typeCount[type][k] = ops of that type among 0..k-1. */
    private final int[][] typeCount;
    /** Per segment (triangular index), bytes of its inputs and of its outputs. */
    private final long[] inBytes;
    private final long[] outBytes;
    private final long[] cutBytes;

    private SegmentAggregates(int n) {
        this.n = n;
        macs = new long[n + 1];
        params = new long[n + 1];
        activations = new long[n + 1];
        typeCount = new int[TYPES.length][n + 1];
        int segments = n * (n + 1) / 2;
        inBytes = new long[segments];
        outBytes = new long[segments];
        cutBytes = new long[n + 1];
    }

    /** Computes the aggregates of all segments of {@code g}. */
    public static SegmentAggregates of(Graph g) {
        int n = g.size();
        SegmentAggregates a = new SegmentAggregates(n);
        int nt = g.tensors().size();
        long[] bytes = new long[nt];
        boolean[] constant = new boolean[nt];
        int[] producer = new int[nt];
        int[] lastUse = new int[nt];
        for (int t = 0; t < nt; t++) {
            Tensor x = g.tensor(t);
            bytes[t] = x.byteSize();
            constant[t] = x.isConstant();
            producer[t] = g.producer(t);
            lastUse[t] = g.lastUse(t);
        }
        // Non-constant inputs and all outputs of each op, flattened once.
        int[][] ins = new int[n][];
        int[][] outs = new int[n][];
        for (int k = 0; k < n; k++) {
            Op op = g.op(k);
            int[] in = op.inputs();
            int m = 0;
            for (int t : in) if (t >= 0 && !constant[t]) in[m++] = t;
            ins[k] = java.util.Arrays.copyOf(in, m);
            outs[k] = op.outputs();
            a.macs[k + 1] = a.macs[k] + OpCost.macs(g, op);
            a.params[k + 1] = a.params[k] + OpCost.paramBytes(g, op);
            a.activations[k + 1] = a.activations[k] + OpCost.activationBytes(g, op);
            for (int ty = 0; ty < TYPES.length; ty++) a.typeCount[ty][k + 1] = a.typeCount[ty][k];
            a.typeCount[op.type().ordinal()][k + 1]++;
        }
        // Inputs: for each start i, tensors produced before i (graph inputs: producer -1) read in [i, j).
        int[] seen = new int[nt];
        long[] expire = new long[n + 1];
        for (int i = 0; i < n; i++) {
            int stamp = i + 1;
            long in = 0;
            long produced = 0;
            long expired = 0;
            java.util.Arrays.fill(expire, i, n + 1, 0L);
            int base = index(n, i, i + 1);
            for (int k = i; k < n; k++) {
                for (int t : ins[k]) {
                    if (producer[t] < i && seen[t] != stamp) {
                        seen[t] = stamp;
                        in += bytes[t];
                    }
                }
                // Outputs of [i, k+1): produced in [i, k] and read at or after k+1 (or graph outputs).
                for (int t : outs[k]) {
                    int lu = lastUse[t];
                    if (lu > k) {
                        produced += bytes[t];
                        expire[lu] += bytes[t];
                    }
                }
                expired += expire[k];
                a.inBytes[base + (k - i)] = in;
                a.outBytes[base + (k - i)] = produced - expired;
            }
        }
        for (int c = 0; c <= n; c++) a.cutBytes[c] = g.crossingBytes(c);
        return a;
    }

    /** Triangular index of segment [i, j): segments of start 0 first, then start 1, ... */
    private static int index(int n, int i, int j) {
        // start i has n - i segments; starts before i have sum_{s<i} (n - s) = i*n - i*(i-1)/2
        return i * n - i * (i - 1) / 2 + (j - i - 1);
    }

    private void check(int i, int j) {
        if (i < 0 || j > n || i >= j) throw new IllegalArgumentException("segment [" + i + ", " + j + ") outside 0.." + n);
    }

    /** Ops of the model. */
    public int size() { return n; }

    /** Number of contiguous segments, n(n+1)/2. */
    public int segmentCount() { return n * (n + 1) / 2; }

    public long macs(int i, int j) { check(i, j); return macs[j] - macs[i]; }

    public long paramBytes(int i, int j) { check(i, j); return params[j] - params[i]; }

    public long activationBytes(int i, int j) { check(i, j); return activations[j] - activations[i]; }

    public int opCount(OpType type, int i, int j) { check(i, j); return typeCount[type.ordinal()][j] - typeCount[type.ordinal()][i]; }

    /** Bytes of the segment's inputs (non-constant tensors it reads that are produced before i). */
    public long inputBytes(int i, int j) { check(i, j); return inBytes[index(n, i, j)]; }

    /** Bytes of the segment's outputs (tensors it produces that are read at or after j, or are model outputs). */
    public long outputBytes(int i, int j) { check(i, j); return outBytes[index(n, i, j)]; }

    /** Bytes of the tensors crossing cut c, 0 <= c <= n ({@link Graph#crossingBytes}). */
    public long cutBytes(int c) { return cutBytes[c]; }

    /** Names of the entries of {@link #features}. */
    public static String[] featureNames() {
        String[] names = new String[7 + TYPES.length];
        String[] fixed = {"ops", "macs", "paramBytes", "activationBytes", "inputBytes", "outputBytes", "cutBytesIn"};
        System.arraycopy(fixed, 0, names, 0, fixed.length);
        for (int t = 0; t < TYPES.length; t++) names[fixed.length + t] = "n_" + TYPES[t].shortName();
        return names;
    }

    /** A feature vector of segment [i, j) in {@link #featureNames()} order (written into {@code into}). */
    public double[] features(int i, int j, double[] into) {
        check(i, j);
        double[] f = into != null && into.length >= 7 + TYPES.length ? into : new double[7 + TYPES.length];
        f[0] = j - i;
        f[1] = macs[j] - macs[i];
        f[2] = params[j] - params[i];
        f[3] = activations[j] - activations[i];
        int x = index(n, i, j);
        f[4] = inBytes[x];
        f[5] = outBytes[x];
        f[6] = cutBytes[i];
        for (int t = 0; t < TYPES.length; t++) f[7 + t] = typeCount[t][j] - typeCount[t][i];
        return f;
    }
}
