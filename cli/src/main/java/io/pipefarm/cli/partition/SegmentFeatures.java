package io.pipefarm.cli.partition;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import java.util.BitSet;

/**
 * Static features of every segment {@code [i, j)} of a graph, for the bench's stand-in latency
 * predictor: computed incrementally over {@code j} for each {@code i} ({@code O(n^2)} segments, each
 * feature updated in O(1) amortised per op). Static means from the graph alone, like a compiler report:
 * op count, MACs by op class (and the MACs padded to 64-wide tiles for convolutions, the Edge TPU's
 * array width), conv weight bytes, data-movement bytes, input+output bytes of the segment, and the
 * parameter bytes that would not fit a parameter cache of {@code cacheBytes} placed whole tensor by
 * whole tensor in execution order (what the compiler reports as streamed), plus a spill indicator.
 */
public final class SegmentFeatures {
    /** Feature names, in column order. */
    public static final String[] NAMES = {"bias", "ops", "conv_macs", "conv_padded_macs", "dw_macs", "dw_padded_macs",
        "fc_macs", "other_macs", "conv_weight_bytes", "move_bytes", "io_bytes", "streamed_bytes", "spill"};
    public static final int F = NAMES.length;
    private static final int TILE = 64;

    private SegmentFeatures() {}

    /** Callback per segment. */
    @FunctionalInterface
    public interface Sink { void accept(int i, int j, double[] x); }

    /** Per-op static figures (additive features). */
    private static double[][] opFeatures(Graph g) {
        int n = g.size();
        double[][] f = new double[n][F];
        for (int k = 0; k < n; k++) {
            Op op = g.op(k);
            double[] x = f[k];
            x[1] = 1;
            long m = OpCost.macs(g, op);
            switch (op.type()) {
                case CONV_2D -> {
                    Tensor w = g.tensor(op.input(1));
                    long kk = (long) w.dim(1) * w.dim(2) * w.dim(3);
                    x[2] = m;
                    x[3] = m / (fill(kk) * fill(w.dim(0)));
                    x[8] = w.byteSize();
                }
                case DEPTHWISE_CONV_2D -> {
                    Tensor w = g.tensor(op.input(1));
                    long kk = (long) w.dim(1) * w.dim(2);
                    x[4] = m;
                    x[5] = m / (fill(kk) * fill(g.tensor(op.output(0)).dim(-1)));
                    x[8] = w.byteSize();
                }
                case FULLY_CONNECTED -> x[6] = m;
                case RESHAPE -> { }
                default -> {
                    if (m > 0) x[7] = m; else x[9] = OpCost.activationBytes(g, op);
                }
            }
        }
        return f;
    }

    private static double fill(long n) {
        if (n <= 0) return 1.0;
        long tiles = (n + TILE - 1) / TILE;
        return (double) n / ((double) tiles * TILE);
    }

    /** Calls {@code sink} for every segment {@code [i, j)}, {@code 0 <= i < j <= n} (the array is reused). */
    public static void forEach(Graph g, long cacheBytes, Sink sink) {
        int n = g.size();
        int nt = g.tensors().size();
        double[][] of = opFeatures(g);
        double[] x = new double[F];
        BitSet seenIn = new BitSet(nt);
        BitSet seenConst = new BitSet(nt);
        long[] outByLastUse = new long[n + 2];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(x, 0);
            x[0] = 1;
            seenIn.clear();
            seenConst.clear();
            java.util.Arrays.fill(outByLastUse, 0);
            long free = cacheBytes, streamed = 0, inBytes = 0, produced = 0, dropped = 0;
            for (int j = i + 1; j <= n; j++) {
                int k = j - 1;
                Op op = g.op(k);
                double[] a = of[k];
                for (int c = 1; c < 10; c++) x[c] += a[c];
                for (int t : op.inputs()) {
                    if (t < 0) continue;
                    Tensor tt = g.tensor(t);
                    if (tt.isConstant()) {
                        if (seenConst.get(t)) continue;
                        seenConst.set(t);
                        long b = tt.byteSize();
                        if (b <= free) free -= b; else streamed += b;
                    } else if (g.producer(t) < i && !seenIn.get(t)) {
                        seenIn.set(t);
                        inBytes += tt.byteSize();
                    }
                }
                for (int t : op.outputs()) {
                    int lu = g.lastUse(t);
                    long b = g.tensor(t).byteSize();
                    produced += b;
                    if (lu < 0) lu = k; // never read: not an output of any segment ending after it
                    outByLastUse[Math.min(lu, n)] += b;
                }
                dropped += outByLastUse[k]; // tensors last read by op k are not outputs of [i, j)
                if (k > i) { /* tensors with last use < k were dropped in earlier steps */ }
                long outBytes = produced - dropped;
                x[10] = inBytes + outBytes;
                x[11] = streamed;
                x[12] = streamed > 0 ? 1 : 0;
                sink.accept(i, j, x);
            }
        }
    }
}
