package io.pipefarm.model.features;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;

/**
 * Per-op token vectors of a model (the input of the sequence model). A token is
 * {@link #DIM} floats: a one-hot of the op type ({@link OpType} ordinal), then kernel h/w, stride h/w,
 * log1p of input H, W, C and output H, W, C, log1p of MACs, parameter bytes and activation bytes,
 * tile-padding factors of the reduction depth and the output channels, and (filled per segment) the
 * cumulative parameter bytes within the segment relative to the on-chip cache, and log1p of them.
 * All but the last two entries depend only on the op, so they are computed once per model.
 */
public final class OpTokens {
    static final int TYPES = OpType.values().length;
    /** Index of the cumulative-parameter entries (segment dependent). */
    static final int CUM = TYPES + 16;
    /** Floats per token. */
    public static final int DIM = CUM + 2;

    private OpTokens() {}

    /** Names of the token entries, for the feature spec of an artifact. */
    public static String[] names() {
        String[] s = new String[DIM];
        for (OpType t : OpType.values()) s[t.ordinal()] = "is_" + t.shortName();
        String[] rest = {
            "kernelH",
            "kernelW",
            "strideH",
            "strideW",
            "log_inH",
            "log_inW",
            "log_inC",
            "log_outH",
            "log_outW",
            "log_outC",
            "log_macs",
            "log_paramBytes",
            "log_activationBytes",
            "padReduction",
            "padOutChannels",
            "log_weightBytes",
            "cumParamCacheFraction",
            "log_cumParamBytes"
        };
        System.arraycopy(rest, 0, s, TYPES, rest.length);
        return s;
    }

    /** The segment-independent part of every op's token. */
    static float[][] of(Graph g) {
        int n = g.size();
        float[][] tok = new float[n][DIM];
        for (int k = 0; k < n; k++) {
            Op op = g.op(k);
            float[] v = tok[k];
            v[op.type().ordinal()] = 1f;
            int kh = 1, kw = 1, sh = 1, sw = 1;
            double padRed = 1, padOut = 1;
            long wbytes = 0;
            OpOptions o = op.options();
            if (o instanceof OpOptions.Conv c) {
                sh = c.strideH();
                sw = c.strideW();
            } else if (o instanceof OpOptions.DepthwiseConv c) {
                sh = c.strideH();
                sw = c.strideW();
            } else if (o instanceof OpOptions.Pool p) {
                kh = p.filterH();
                kw = p.filterW();
                sh = p.strideH();
                sw = p.strideW();
            }
            if (op.type() == OpType.CONV_2D || op.type() == OpType.DEPTHWISE_CONV_2D) {
                Tensor w = g.tensor(op.input(1));
                kh = w.dim(1);
                kw = w.dim(2);
                wbytes = w.byteSize();
                long red = op.type() == OpType.CONV_2D ? (long) kh * kw * w.dim(3) : (long) kh * kw;
                padRed = SegmentAggregates.pad(red);
                padOut = SegmentAggregates.pad(g.tensor(op.output(0)).dim(-1));
            } else if (op.type() == OpType.FULLY_CONNECTED) {
                Tensor w = g.tensor(op.input(1));
                wbytes = w.byteSize();
                padRed = SegmentAggregates.pad(w.dim(1));
                padOut = SegmentAggregates.pad(w.dim(0));
            }
            Tensor in = firstActivation(g, op);
            Tensor out = g.tensor(op.output(0));
            int b = TYPES;
            v[b] = kh;
            v[b + 1] = kw;
            v[b + 2] = sh;
            v[b + 3] = sw;
            if (in != null) hwc(in, v, b + 4);
            hwc(out, v, b + 7);
            v[b + 10] = log1p(OpCost.macs(g, op));
            v[b + 11] = log1p(OpCost.paramBytes(g, op));
            v[b + 12] = log1p(OpCost.activationBytes(g, op));
            v[b + 13] = (float) padRed;
            v[b + 14] = (float) padOut;
            v[b + 15] = log1p(wbytes);
        }
        return tok;
    }

    private static Tensor firstActivation(Graph g, Op op) {
        for (int t : op.inputs()) if (t >= 0 && !g.tensor(t).isConstant()) return g.tensor(t);
        return null;
    }

    private static void hwc(Tensor t, float[] v, int at) {
        int r = t.rank();
        long h = 1, w = 1, c = r == 0 ? 1 : t.dim(-1);
        if (r == 4) {
            h = t.dim(1);
            w = t.dim(2);
        } else if (r == 3) {
            w = t.dim(1);
        }
        v[at] = log1p(h);
        v[at + 1] = log1p(w);
        v[at + 2] = log1p(c);
    }

    static float log1p(double x) {
        return (float) Math.log1p(Math.max(0, x));
    }
}
