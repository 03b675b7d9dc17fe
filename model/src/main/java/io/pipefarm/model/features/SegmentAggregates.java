package io.pipefarm.model.features;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Padding;
import io.pipefarm.model.graph.Tensor;
import java.util.Arrays;

/**
 * Static aggregates of every contiguous segment {@code [i, j)} of a model, for all O(n^2) segments
 * at once. Additive per-op quantities (MACs, parameter bytes, activation bytes, op-type counts, MACs
 * padded to systolic-array tiles, weight bytes, bytes moved by data-movement ops, and the
 * CPU-oriented per-op-type sums of {@link #CPU}) come from prefix sums, O(1) per segment after O(n)
 * set-up. The bytes of each segment's inputs and outputs (as
 * {@link Graph#segmentIo} defines them) and the parameter bytes that do not fit the on-chip
 * parameter cache (whole constant tensors placed first fit in execution order, as the Edge TPU
 * compiler does) take one sweep per start {@code i}: O(n^2 + n * edges) in all.
 */
public final class SegmentAggregates {
    /** The Edge TPU's on-chip parameter cache, 7.625 MiB (Coral documentation: "roughly 8 MB"). */
    public static final long PARAM_CACHE_BYTES = 7_995_392L;
    /** Tile width used for the padded-MAC features (a 64x64 weight-stationary array). */
    public static final int TILE = 64;

    static final OpType[] TYPES = OpType.values();
    /** Names of the CPU-oriented additive quantities, in {@link #cpuTerms} order. */
    static final String[] CPU = {
        "conv1x1Macs",
        "convKxKMacs",
        "dwMacs",
        "cpuPaddedConvMacs",
        "im2colBytes",
        "convInBytes",
        "convOutBytes",
        "nConv1x1",
        "nConvKxK",
        "poolInBytes",
        "addBytes",
        "concatBytes",
        "nOutputChannelTiles",
        "poolElemsSmall",
        "poolElemsMedium",
        "poolElemsLarge",
        "poolOutElems",
        "elementwiseVectors",
        "avgPoolElems",
        "meanInElems"
    };
    /** Input-size bounds of the {@code poolElems*} buckets (per-element cost of pooling grows with the working set). */
    static final long POOL_SMALL_BYTES = 16 * 1024, POOL_MEDIUM_BYTES = 40 * 1024;

    private static final String[] FIXED = {
        "ops",
        "macs",
        "paramBytes",
        "activationBytes",
        "inputBytes",
        "outputBytes",
        "cutBytesIn",
        "cutBytesOut",
        "paramCacheFraction",
        "spillBytes",
        "spillTensors",
        "paddedConvMacs",
        "paddedDwMacs",
        "fcMacs",
        "weightBytes",
        "moveBytes",
        "elementwiseMacs",
        "poolMacs",
        "ioBytes",
        "spilled"
    };
    /** Index of the first {@link #CPU} entry in a feature vector (after the fixed entries and op-type counts). */
    public static final int CPU_AT = FIXED.length + TYPES.length;

    private final int n;
    private final long[] macs;
    private final long[] params;
    private final long[] activations;
    /** MACs of CONV_2D / DEPTHWISE / FC padded to TILE-wide tiles on the reduction and output-channel axes. */
    private final double[] paddedConvMacs;

    private final double[] paddedDwMacs;
    private final double[] paddedFcMacs;
    /** Weight bytes (input 1) of conv, depthwise and FC ops. */
    private final long[] weightBytes;
    /** Activation bytes of ops without MACs (concat, pad, slice; reshape excluded). */
    private final long[] moveBytes;
    /** Elements written by elementwise / pooling ops. */
    private final long[] elementwiseMacs;

    private final long[] poolMacs;
    /**
     * CPU-oriented prefix sums (single-thread int8 kernels): {@link #CPU} quantities per op, e.g. MACs
     * of 1x1 and kxk convolutions apart, MACs padded to the 8-wide GEMM tiles of CPU kernels, im2col
     * bytes, and the bytes read and written by convolutions, pooling, adds and concatenations.
     */
    private final double[][] cpu;
    /** typeCount[type][k] = ops of that type among 0..k-1. */
    private final int[][] typeCount;
    /** Per segment (triangular index): bytes of its inputs, its outputs, its streamed (spilled) parameters. */
    private final long[] inBytes;

    private final long[] outBytes;
    private final long[] spillBytes;
    private final int[] spillTensors;
    private final long[] cutBytes;

    private SegmentAggregates(int n) {
        this.n = n;
        macs = new long[n + 1];
        params = new long[n + 1];
        activations = new long[n + 1];
        paddedConvMacs = new double[n + 1];
        paddedDwMacs = new double[n + 1];
        paddedFcMacs = new double[n + 1];
        weightBytes = new long[n + 1];
        moveBytes = new long[n + 1];
        elementwiseMacs = new long[n + 1];
        poolMacs = new long[n + 1];
        typeCount = new int[TYPES.length][n + 1];
        cpu = new double[CPU.length][n + 1];
        int segments = n * (n + 1) / 2;
        inBytes = new long[segments];
        outBytes = new long[segments];
        spillBytes = new long[segments];
        spillTensors = new int[segments];
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
        int[][] ins = new int[n][];
        int[][] consts = new int[n][];
        int[][] outs = new int[n][];
        for (int k = 0; k < n; k++) {
            Op op = g.op(k);
            int[] in = op.inputs();
            int[] cs = new int[in.length];
            int m = 0, c = 0;
            for (int t : in) {
                if (t < 0) continue;
                if (constant[t]) cs[c++] = t;
                else in[m++] = t;
            }
            ins[k] = Arrays.copyOf(in, m);
            consts[k] = Arrays.copyOf(cs, c);
            outs[k] = op.outputs();
            long mk = OpCost.macs(g, op);
            a.macs[k + 1] = a.macs[k] + mk;
            a.params[k + 1] = a.params[k] + OpCost.paramBytes(g, op);
            long act = OpCost.activationBytes(g, op);
            a.activations[k + 1] = a.activations[k] + act;
            double pc = 0, pd = 0, pf = 0;
            long wb = 0, mv = 0, ew = 0, pl = 0;
            switch (op.type()) {
                case CONV_2D -> {
                    Tensor w = g.tensor(op.input(1));
                    long red = (long) w.dim(1) * w.dim(2) * w.dim(3);
                    pc = mk * pad(red) * pad(w.dim(0));
                    wb = w.byteSize();
                }
                case DEPTHWISE_CONV_2D -> {
                    Tensor w = g.tensor(op.input(1));
                    long red = (long) w.dim(1) * w.dim(2);
                    pd = mk * pad(red) * pad(g.tensor(op.output(0)).dim(-1));
                    wb = w.byteSize();
                }
                case FULLY_CONNECTED -> {
                    Tensor w = g.tensor(op.input(1));
                    pf = mk;
                    wb = w.byteSize();
                }
                case ADD, MUL, LOGISTIC, TANH, HARD_SWISH, SOFTMAX -> ew = mk;
                case MAX_POOL_2D, AVERAGE_POOL_2D, MEAN -> pl = mk;
                case RESHAPE -> {}
                default -> mv = act;
            }
            a.paddedConvMacs[k + 1] = a.paddedConvMacs[k] + pc;
            a.paddedDwMacs[k + 1] = a.paddedDwMacs[k] + pd;
            a.paddedFcMacs[k + 1] = a.paddedFcMacs[k] + pf;
            a.weightBytes[k + 1] = a.weightBytes[k] + wb;
            a.moveBytes[k + 1] = a.moveBytes[k] + mv;
            a.elementwiseMacs[k + 1] = a.elementwiseMacs[k] + ew;
            a.poolMacs[k + 1] = a.poolMacs[k] + pl;
            double[] cv = cpuTerms(g, op, mk);
            for (int q = 0; q < CPU.length; q++) a.cpu[q][k + 1] = a.cpu[q][k] + cv[q];
            for (int ty = 0; ty < TYPES.length; ty++) a.typeCount[ty][k + 1] = a.typeCount[ty][k];
            a.typeCount[op.type().ordinal()][k + 1]++;
        }
        int[] seen = new int[nt];
        int[] placed = new int[nt];
        long[] expire = new long[n + 1];
        for (int i = 0; i < n; i++) {
            int stamp = i + 1;
            long in = 0, produced = 0, expired = 0;
            long free = PARAM_CACHE_BYTES, spilled = 0;
            int spilledCount = 0;
            Arrays.fill(expire, i, n + 1, 0L);
            int base = index(n, i, i + 1);
            for (int k = i; k < n; k++) {
                for (int t : ins[k]) {
                    if (producer[t] < i && seen[t] != stamp) {
                        seen[t] = stamp;
                        in += bytes[t];
                    }
                }
                for (int t : consts[k]) {
                    if (placed[t] == stamp) continue;
                    placed[t] = stamp;
                    if (bytes[t] <= free) free -= bytes[t];
                    else {
                        spilled += bytes[t];
                        spilledCount++;
                    }
                }
                for (int t : outs[k]) {
                    int lu = lastUse[t];
                    if (lu > k) {
                        produced += bytes[t];
                        expire[lu] += bytes[t];
                    }
                }
                expired += expire[k];
                int x = base + (k - i);
                a.inBytes[x] = in;
                a.outBytes[x] = produced - expired;
                a.spillBytes[x] = spilled;
                a.spillTensors[x] = spilledCount;
            }
        }
        for (int c = 0; c <= n; c++) a.cutBytes[c] = g.crossingBytes(c);
        return a;
    }

    /** The {@link #CPU} quantities of one op ({@code mk}: its MACs). */
    static double[] cpuTerms(Graph g, Op op, long mk) {
        double[] v = new double[CPU.length];
        switch (op.type()) {
            case CONV_2D -> {
                Tensor w = g.tensor(op.input(1)); // [Cout, kh, kw, Cin]
                Tensor out = g.tensor(op.output(0));
                long cout = w.dim(0), kk = (long) w.dim(1) * w.dim(2), red = kk * w.dim(3);
                long pixels = out.elements() / Math.max(1, cout);
                boolean pointwise = kk == 1;
                v[pointwise ? 0 : 1] = mk;
                v[3] = (double) pixels * roundUp(cout, 8) * roundUp(red, 8);
                v[4] = pointwise ? 0 : (double) pixels * red;
                v[5] = g.tensor(op.input(0)).byteSize();
                v[6] = out.byteSize();
                v[pointwise ? 7 : 8] = 1;
                v[12] = (double) pixels * ((cout + 7) / 8);
            }
            case DEPTHWISE_CONV_2D -> {
                v[2] = mk;
                v[5] = g.tensor(op.input(0)).byteSize();
                v[6] = g.tensor(op.output(0)).byteSize();
            }
            case MAX_POOL_2D -> {
                // Max pooling visits every valid window element (windows clipped at SAME borders); its cost per
                // element grows with the input's size (cache), hence three size buckets.
                Tensor in = g.tensor(op.input(0));
                Tensor out = g.tensor(op.output(0));
                double elems = mk;
                if (in.rank() == 4 && out.rank() == 4 && op.options() instanceof OpOptions.Pool p) {
                    boolean same = p.padding() == Padding.SAME;
                    elems = (double) validWindow(in.dim(1), out.dim(1), p.filterH(), p.strideH(), same)
                            * validWindow(in.dim(2), out.dim(2), p.filterW(), p.strideW(), same)
                            * out.dim(0)
                            * out.dim(3);
                }
                long ib = in.byteSize();
                v[9] = ib;
                v[ib <= POOL_SMALL_BYTES ? 13 : ib <= POOL_MEDIUM_BYTES ? 14 : 15] = elems;
                v[16] = out.elements();
            }
            case AVERAGE_POOL_2D -> {
                v[9] = g.tensor(op.input(0)).byteSize();
                v[18] = mk;
            }
            case MEAN -> {
                v[9] = g.tensor(op.input(0)).byteSize();
                v[19] = g.tensor(op.input(0)).elements();
            }
            case ADD, MUL -> {
                v[10] = OpCost.activationBytes(g, op);
                Tensor out = g.tensor(op.output(0));
                long c = Math.max(1, out.dim(-1));
                v[17] = (double) out.elements() / c * ((c + 15) / 16);
            }
            case CONCATENATION -> v[11] = OpCost.activationBytes(g, op);
            default -> {}
        }
        return v;
    }

    /** Sum over output positions of the window positions inside the input, along one axis. */
    static long validWindow(int in, int out, int k, int stride, boolean same) {
        int pad = same ? Math.max(0, ((out - 1) * stride + k - in) / 2) : 0;
        long sum = 0;
        for (int o = 0; o < out; o++) {
            int lo = o * stride - pad, hi = lo + k;
            sum += Math.max(0, Math.min(hi, in) - Math.max(lo, 0));
        }
        return sum;
    }

    private static long roundUp(long x, int m) {
        return (x + m - 1) / m * m;
    }

    /** Padding factor of {@code n} to whole tiles: {@code TILE * ceil(n / TILE) / n} (>= 1). */
    static double pad(long n) {
        if (n <= 0) return 1.0;
        long tiles = (n + TILE - 1) / TILE;
        return (double) tiles * TILE / n;
    }

    /** Triangular index of segment [i, j): segments of start 0 first, then start 1, ... */
    static int index(int n, int i, int j) {
        return i * n - i * (i - 1) / 2 + (j - i - 1);
    }

    void check(int i, int j) {
        if (i < 0 || j > n || i >= j)
            throw new IllegalArgumentException("segment [" + i + ", " + j + ") outside 0.." + n);
    }

    /** Ops of the model. */
    public int size() {
        return n;
    }

    /** Number of contiguous segments, n(n+1)/2. */
    public int segmentCount() {
        return n * (n + 1) / 2;
    }

    public long macs(int i, int j) {
        check(i, j);
        return macs[j] - macs[i];
    }

    public long paramBytes(int i, int j) {
        check(i, j);
        return params[j] - params[i];
    }

    /** Parameter bytes of ops {@code 0..k-1} (prefix sum; for the cumulative token feature). */
    long paramPrefix(int k) {
        return params[k];
    }

    public long activationBytes(int i, int j) {
        check(i, j);
        return activations[j] - activations[i];
    }

    public int opCount(OpType type, int i, int j) {
        check(i, j);
        return typeCount[type.ordinal()][j] - typeCount[type.ordinal()][i];
    }

    /** Bytes of the segment's inputs (non-constant tensors it reads that are produced before i). */
    public long inputBytes(int i, int j) {
        check(i, j);
        return inBytes[index(n, i, j)];
    }

    /** Bytes of the segment's outputs (tensors it produces that are read at or after j, or are model outputs). */
    public long outputBytes(int i, int j) {
        check(i, j);
        return outBytes[index(n, i, j)];
    }

    /** Parameter bytes that do not fit {@link #PARAM_CACHE_BYTES} (whole tensors, first fit in order). */
    public long spillBytes(int i, int j) {
        check(i, j);
        return spillBytes[index(n, i, j)];
    }

    /** Bytes of the tensors crossing cut c, 0 <= c <= n ({@link Graph#crossingBytes}). */
    public long cutBytes(int c) {
        return cutBytes[c];
    }

    /** Names of the entries of {@link #features}. */
    public static String[] featureNames() {
        String[] names = new String[featureCount()];
        System.arraycopy(FIXED, 0, names, 0, FIXED.length);
        for (int t = 0; t < TYPES.length; t++) names[FIXED.length + t] = "n_" + TYPES[t].shortName();
        System.arraycopy(CPU, 0, names, CPU_AT, CPU.length);
        return names;
    }

    /** Length of a feature vector. */
    public static int featureCount() {
        return FIXED.length + TYPES.length + CPU.length;
    }

    /** Index of the named entry of a feature vector (IllegalArgumentException if there is none). */
    public static int featureIndex(String name) {
        String[] names = featureNames();
        for (int k = 0; k < names.length; k++) if (names[k].equals(name)) return k;
        throw new IllegalArgumentException("no aggregate feature " + name);
    }

    /** A feature vector of segment [i, j) in {@link #featureNames()} order (written into {@code into} when it is long enough). */
    public double[] features(int i, int j, double[] into) {
        check(i, j);
        int len = featureCount();
        double[] f = into != null && into.length >= len ? into : new double[len];
        int x = index(n, i, j);
        f[0] = j - i;
        f[1] = macs[j] - macs[i];
        f[2] = params[j] - params[i];
        f[3] = activations[j] - activations[i];
        f[4] = inBytes[x];
        f[5] = outBytes[x];
        f[6] = cutBytes[i];
        f[7] = cutBytes[j];
        f[8] = (double) (params[j] - params[i]) / PARAM_CACHE_BYTES;
        f[9] = spillBytes[x];
        f[10] = spillTensors[x];
        f[11] = paddedConvMacs[j] - paddedConvMacs[i];
        f[12] = paddedDwMacs[j] - paddedDwMacs[i];
        f[13] = paddedFcMacs[j] - paddedFcMacs[i];
        f[14] = weightBytes[j] - weightBytes[i];
        f[15] = moveBytes[j] - moveBytes[i];
        f[16] = elementwiseMacs[j] - elementwiseMacs[i];
        f[17] = poolMacs[j] - poolMacs[i];
        f[18] = inBytes[x] + outBytes[x];
        f[19] = spillBytes[x] > 0 ? 1 : 0;
        for (int t = 0; t < TYPES.length; t++) f[FIXED.length + t] = typeCount[t][j] - typeCount[t][i];
        for (int q = 0; q < CPU.length; q++) f[CPU_AT + q] = cpu[q][j] - cpu[q][i];
        return f;
    }
}
