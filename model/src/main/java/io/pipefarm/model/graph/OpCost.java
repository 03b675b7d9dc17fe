package io.pipefarm.model.graph;

/**
 * Static cost figures of an op: multiply-accumulates, parameter bytes (its constant inputs, as Coral's
 * partitioner counts them) and activation bytes (non-constant inputs read plus outputs written).
 */
public final class OpCost {
    private OpCost() {}

    public static long macs(Graph g, Op op) {
        return switch (op.type()) {
            case CONV_2D -> {
                Tensor out = g.tensor(op.output(0));
                Tensor w = g.tensor(op.input(1)); // [Cout, kh, kw, Cin]
                yield out.elements() * w.dim(1) * w.dim(2) * w.dim(3);
            }
            case DEPTHWISE_CONV_2D -> {
                Tensor out = g.tensor(op.output(0));
                Tensor w = g.tensor(op.input(1)); // [1, kh, kw, Cout]
                yield out.elements() * w.dim(1) * w.dim(2);
            }
            case FULLY_CONNECTED -> {
                Tensor out = g.tensor(op.output(0));
                Tensor w = g.tensor(op.input(1)); // [units, in]
                yield out.elements() * w.dim(1);
            }
            case MAX_POOL_2D, AVERAGE_POOL_2D -> {
                OpOptions.Pool p = (OpOptions.Pool) op.options();
                yield g.tensor(op.output(0)).elements() * p.filterH() * p.filterW();
            }
            case MEAN -> g.tensor(op.input(0)).elements();
            case ADD, MUL, LOGISTIC, TANH, HARD_SWISH, SOFTMAX ->
                g.tensor(op.output(0)).elements();
            default -> 0L;
        };
    }

    /** Bytes of the op's constant inputs (weights, biases, and small parameter tensors). */
    public static long paramBytes(Graph g, Op op) {
        long b = 0;
        for (int t : op.inputs()) {
            if (t >= 0 && g.tensor(t).isConstant()) b += g.tensor(t).byteSize();
        }
        return b;
    }

    /** Bytes of non-constant inputs read plus outputs written. */
    public static long activationBytes(Graph g, Op op) {
        long b = 0;
        for (int t : op.inputs()) {
            if (t >= 0 && !g.tensor(t).isConstant()) b += g.tensor(t).byteSize();
        }
        for (int t : op.outputs()) b += g.tensor(t).byteSize();
        return b;
    }

    /** Number of trainable-weight elements of an op (weights + biases), for parameter-count checks. */
    public static long paramCount(Graph g, Op op) {
        return switch (op.type()) {
            case CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED -> {
                long n = 0;
                for (int k = 1; k < op.inputCount(); k++) {
                    int t = op.input(k);
                    // An all-zero bias is what TFLite requires of a conv without one: no parameters.
                    if (t >= 0
                            && g.tensor(t).isConstant()
                            && !(k == 2 && allZero(g.tensor(t).data())))
                        n += g.tensor(t).elements();
                }
                yield n;
            }
            default -> 0L;
        };
    }

    private static boolean allZero(byte[] data) {
        for (byte b : data) if (b != 0) return false;
        return true;
    }

    public static long totalMacs(Graph g) {
        long s = 0;
        for (Op op : g.ops()) s += macs(g, op);
        return s;
    }

    public static long totalParamBytes(Graph g) {
        long s = 0;
        for (Op op : g.ops()) s += paramBytes(g, op);
        return s;
    }

    public static long totalParamCount(Graph g) {
        long s = 0;
        for (Op op : g.ops()) s += paramCount(g, op);
        return s;
    }
}
