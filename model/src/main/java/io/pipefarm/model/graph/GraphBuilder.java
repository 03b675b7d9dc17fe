package io.pipefarm.model.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds fully int8-quantised graphs op by op, in the order the calls are made (that order is the
 * graph's fixed topological order). Weights are seeded random int8 values: the architecture is exact,
 * the weights are meaningless, and the same name and seed always give the same graph.
 *
 * <p>Quantisation follows what TFLite's int8 kernels require: per-channel symmetric filters for
 * convolutions (zero point 0, values in [-127, 127]), int32 biases with scale = input scale x filter
 * scale, equal input/output parameters for pooling, reshape, pad, slice and concatenation, and the
 * fixed output parameters of softmax, logistic and tanh. Activations use one of two parameter sets
 * (non-negative or signed) so that tensors meeting in a concatenation always agree.
 */
public final class GraphBuilder {
    /** Non-negative activations (after ReLU/ReLU6): [0, 6]. */
    public static final Quant NON_NEGATIVE = Quant.perTensor(6f / 255f, -128);
    /** Signed activations: about [-6.4, 6.35]. */
    public static final Quant SIGNED = Quant.perTensor(0.05f, 0);

    private final String name;
    private final SplittableRandom random;
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();
    private final List<Integer> inputs = new ArrayList<>();
    /** Numbers the tensors and ops this builder names. */
    private int counter;

    public GraphBuilder(String name, long seed) {
        this.name = name;
        this.random = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
    }

    public String name() {
        return name;
    }

    /** Shape of tensor {@code t}. */
    public int[] shape(int t) {
        return tensors.get(t).shape();
    }

    public int channels(int t) {
        return tensors.get(t).dim(-1);
    }

    public int opCount() {
        return ops.size();
    }

    // ---- inputs -------------------------------------------------------------------------------

    public int input(String tensorName, int... shape) {
        int t = addTensor(tensorName, DType.INT8, shape, SIGNED, null);
        inputs.add(t);
        return t;
    }

    // ---- convolutions -------------------------------------------------------------------------

    public int conv2d(int x, int outChannels, int kernel, int stride, Padding padding, Activation act) {
        return conv2d(x, outChannels, kernel, kernel, stride, stride, padding, act, true);
    }

    /** A 2-D convolution with a per-channel int8 filter [Cout, kh, kw, Cin] and an int32 bias. */
    public int conv2d(
            int x,
            int outChannels,
            int kh,
            int kw,
            int strideH,
            int strideW,
            Padding padding,
            Activation act,
            boolean bias) {
        return conv2d(x, outChannels, kh, kw, strideH, strideW, padding, act, bias, false);
    }

    /**
     * As {@link #conv2d(int, int, int, int, int, int, Padding, Activation, boolean)}, but with
     * {@code signedOutput} the output uses {@link #SIGNED} parameters even after a ReLU. This is what
     * TFLite's quantiser does when a ReLU output reaches a concatenation (through ops that keep
     * quantisation, such as max-pool) together with signed tensors: the concatenation's parameters
     * propagate back to the producer.
     */
    public int conv2d(
            int x,
            int outChannels,
            int kh,
            int kw,
            int strideH,
            int strideW,
            Padding padding,
            Activation act,
            boolean bias,
            boolean signedOutput) {
        int[] in = shape(x);
        requireRank(in, 4, "conv2d");
        int cin = in[3];
        float[] wScales = weightScales(outChannels, (long) kh * kw * cin, x);
        int w = constInt8("w", new int[] {outChannels, kh, kw, cin}, new Quant(wScales, new long[outChannels], 0));
        // TFLite's int8 CONV_2D always needs a bias tensor: a conv without one gets zeros.
        int b = bias ? biasTensor(x, wScales) : zeroBias(x, wScales);
        int[] out = {in[0], outDim(in[1], kh, strideH, 1, padding), outDim(in[2], kw, strideW, 1, padding), outChannels
        };
        int y = activation("conv", out, act, signedOutput);
        addOp(OpType.CONV_2D, new int[] {x, w, b}, y, new OpOptions.Conv(strideH, strideW, 1, 1, padding, act));
        return y;
    }

    /** A depthwise convolution (multiplier 1) with a per-channel filter [1, kh, kw, C]. */
    public int depthwiseConv2d(int x, int kernel, int stride, Padding padding, Activation act) {
        int[] in = shape(x);
        requireRank(in, 4, "depthwise conv2d");
        int c = in[3];
        float[] wScales = weightScales(c, (long) kernel * kernel, x);
        long[] zps = new long[c];
        int w = constInt8("dw", new int[] {1, kernel, kernel, c}, new Quant(wScales, zps, 3));
        int b = biasTensor(x, wScales);
        int[] out = {in[0], outDim(in[1], kernel, stride, 1, padding), outDim(in[2], kernel, stride, 1, padding), c};
        int y = activation("dwconv", out, act, false);
        addOp(
                OpType.DEPTHWISE_CONV_2D,
                new int[] {x, w, b},
                y,
                new OpOptions.DepthwiseConv(stride, stride, 1, 1, 1, padding, act));
        return y;
    }

    /** Fully connected on a 2-D input [batch, in] with a per-tensor int8 weight [units, in]. */
    public int fullyConnected(int x, int units, Activation act) {
        int[] in = shape(x);
        requireRank(in, 2, "fully connected (reshape first)");
        float[] wScale = weightScales(1, in[1], x);
        int w = constInt8("fc_w", new int[] {units, in[1]}, Quant.perTensor(wScale[0], 0));
        float[] perUnit = new float[units];
        Arrays.fill(perUnit, wScale[0]);
        int b = biasTensor(x, perUnit);
        int y = activation("fc", new int[] {in[0], units}, act, false);
        addOp(OpType.FULLY_CONNECTED, new int[] {x, w, b}, y, new OpOptions.FullyConnected(act, false));
        return y;
    }

    // ---- pooling and reductions ---------------------------------------------------------------

    public int maxPool(int x, int filter, int stride, Padding padding) {
        return pool(OpType.MAX_POOL_2D, x, filter, stride, padding);
    }

    public int avgPool(int x, int filter, int stride, Padding padding) {
        return pool(OpType.AVERAGE_POOL_2D, x, filter, stride, padding);
    }

    private int pool(OpType type, int x, int filter, int stride, Padding padding) {
        int[] in = shape(x);
        requireRank(in, 4, type.shortName());
        int[] out = {in[0], outDim(in[1], filter, stride, 1, padding), outDim(in[2], filter, stride, 1, padding), in[3]
        };
        int y = addTensor(next(type.shortName()), DType.INT8, out, quant(x), null);
        addOp(type, new int[] {x}, y, new OpOptions.Pool(filter, filter, stride, stride, padding, Activation.NONE));
        return y;
    }

    /** Mean over the given axes (e.g. {1, 2} for global average pooling). */
    public int mean(int x, int[] axes, boolean keepDims) {
        int[] in = shape(x);
        int a = constInt32("axes", new int[] {axes.length}, axes);
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d < in.length; d++) {
            boolean reduced = false;
            for (int ax : axes) if (ax == d) reduced = true;
            if (!reduced) out.add(in[d]);
            else if (keepDims) out.add(1);
        }
        int y = addTensor(
                next("mean"),
                DType.INT8,
                out.stream().mapToInt(Integer::intValue).toArray(),
                quant(x),
                null);
        addOp(OpType.MEAN, new int[] {x, a}, y, new OpOptions.Reduce(keepDims));
        return y;
    }

    // ---- element-wise -------------------------------------------------------------------------

    public int add(int a, int b, Activation act) {
        int[] s = broadcast(shape(a), shape(b), "add");
        boolean nonNeg = act != Activation.NONE || (isNonNegative(a) && isNonNegative(b));
        int y = addTensor(next("add"), DType.INT8, s, nonNeg ? NON_NEGATIVE : SIGNED, null);
        addOp(OpType.ADD, new int[] {a, b}, y, new OpOptions.Elementwise(act));
        return y;
    }

    public int mul(int a, int b, Activation act) {
        int[] s = broadcast(shape(a), shape(b), "mul");
        boolean nonNeg = act != Activation.NONE || (isNonNegative(a) && isNonNegative(b));
        int y = addTensor(next("mul"), DType.INT8, s, nonNeg ? NON_NEGATIVE : SIGNED, null);
        addOp(OpType.MUL, new int[] {a, b}, y, new OpOptions.Elementwise(act));
        return y;
    }

    /**
     * Multiplies by a per-channel constant (a folded batch-norm scale that cannot be merged into a
     * neighbouring convolution).
     */
    public int mulChannels(int x, Activation act) {
        int c = channels(x);
        int k = constInt8("scale", new int[] {c}, Quant.perTensor(1f / 127f, 0));
        return mul(x, k, act);
    }

    /** Adds a per-channel constant (a folded batch-norm shift). */
    public int addChannels(int x, Activation act) {
        int c = channels(x);
        int k = constInt8("shift", new int[] {c}, Quant.perTensor(1f / 127f, 0));
        return add(x, k, act);
    }

    public int logistic(int x) {
        int y = addTensor(next("logistic"), DType.INT8, shape(x), Quant.perTensor(1f / 256f, -128), null);
        addOp(OpType.LOGISTIC, new int[] {x}, y, new OpOptions.None());
        return y;
    }

    public int tanh(int x) {
        int y = addTensor(next("tanh"), DType.INT8, shape(x), Quant.perTensor(1f / 128f, 0), null);
        addOp(OpType.TANH, new int[] {x}, y, new OpOptions.None());
        return y;
    }

    public int hardSwish(int x) {
        int y = addTensor(next("hard_swish"), DType.INT8, shape(x), SIGNED, null);
        addOp(OpType.HARD_SWISH, new int[] {x}, y, new OpOptions.None());
        return y;
    }

    /** swish(x) = x * sigmoid(x), as TFLite int8 models express it. */
    public int swish(int x) {
        return mul(x, logistic(x), Activation.NONE);
    }

    public int softmax(int x) {
        int y = addTensor(next("softmax"), DType.INT8, shape(x), Quant.perTensor(1f / 256f, -128), null);
        addOp(OpType.SOFTMAX, new int[] {x}, y, new OpOptions.Softmax(1f));
        return y;
    }

    // ---- shape ops ----------------------------------------------------------------------------

    /** Concatenation; all inputs must share quantisation (TFLite's int8 kernel does not rescale). */
    public int concat(int axis, int... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat of nothing");
        int[] s = shape(xs[0]);
        int ax = axis < 0 ? s.length + axis : axis;
        int total = 0;
        boolean nonNeg = true;
        for (int x : xs) {
            int[] sx = shape(x);
            for (int d = 0; d < s.length; d++) {
                if (d != ax && sx[d] != s[d])
                    throw new IllegalArgumentException(
                            "concat shapes differ: " + Arrays.toString(sx) + " vs " + Arrays.toString(s));
            }
            total += sx[ax];
            nonNeg &= isNonNegative(x);
        }
        Quant q = nonNeg ? NON_NEGATIVE : SIGNED;
        for (int x : xs) {
            if (!quant(x).equals(q)) {
                throw new IllegalArgumentException("concat inputs must share quantisation; tensor "
                        + tensors.get(x).name() + " differs");
            }
        }
        s[ax] = total;
        int y = addTensor(next("concat"), DType.INT8, s, q, null);
        addOp(OpType.CONCATENATION, xs, y, new OpOptions.Concat(ax, Activation.NONE));
        return y;
    }

    public int reshape(int x, int... newShape) {
        long n = 1;
        for (int d : newShape) n *= d;
        if (n != tensors.get(x).elements())
            throw new IllegalArgumentException(
                    "reshape " + Arrays.toString(shape(x)) + " to " + Arrays.toString(newShape));
        int s = constInt32("shape", new int[] {newShape.length}, newShape);
        int y = addTensor(next("reshape"), DType.INT8, newShape, quant(x), null);
        addOp(OpType.RESHAPE, new int[] {x, s}, y, new OpOptions.Reshape(newShape));
        return y;
    }

    /** Zero-pads (in real terms: pads with the zero point) by {before, after} per dimension. */
    public int pad(int x, int[][] paddings) {
        int[] in = shape(x);
        if (paddings.length != in.length)
            throw new IllegalArgumentException("pad needs one {before, after} per dimension");
        int[] flat = new int[in.length * 2];
        int[] out = in.clone();
        for (int d = 0; d < in.length; d++) {
            flat[2 * d] = paddings[d][0];
            flat[2 * d + 1] = paddings[d][1];
            out[d] += paddings[d][0] + paddings[d][1];
        }
        int p = constInt32("paddings", new int[] {in.length, 2}, flat);
        int y = addTensor(next("pad"), DType.INT8, out, quant(x), null);
        addOp(OpType.PAD, new int[] {x, p}, y, new OpOptions.None());
        return y;
    }

    public int slice(int x, int[] begin, int[] size) {
        int[] in = shape(x);
        if (begin.length != in.length || size.length != in.length)
            throw new IllegalArgumentException("slice needs begin and size per dimension");
        int bt = constInt32("begin", new int[] {in.length}, begin);
        int st = constInt32("size", new int[] {in.length}, size);
        int y = addTensor(next("slice"), DType.INT8, size, quant(x), null);
        addOp(OpType.SLICE, new int[] {x, bt, st}, y, new OpOptions.None());
        return y;
    }

    /** The first {@code channels} channels of an NHWC tensor. */
    public int firstChannels(int x, int channels) {
        int[] s = shape(x);
        if (channels == s[3]) return x;
        int[] size = s.clone();
        size[3] = channels;
        return slice(x, new int[s.length], size);
    }

    // ---- build --------------------------------------------------------------------------------

    public Graph build(int... outputs) {
        return new Graph(
                name, tensors, ops, inputs.stream().mapToInt(Integer::intValue).toArray(), outputs);
    }

    // ---- internals ----------------------------------------------------------------------------

    private String next(String prefix) {
        return prefix + "_" + (counter++);
    }

    private int addTensor(String tensorName, DType type, int[] shape, Quant q, byte[] data) {
        int id = tensors.size();
        tensors.add(new Tensor(id, tensorName, type, shape, q, data));
        return id;
    }

    private void addOp(OpType type, int[] in, int out, OpOptions options) {
        ops.add(new Op(ops.size(), type, in, new int[] {out}, options, 1));
    }

    private Quant quant(int t) {
        return tensors.get(t).quant();
    }

    private boolean isNonNegative(int t) {
        Quant q = quant(t);
        return q != null && q.equals(NON_NEGATIVE);
    }

    private int activation(String prefix, int[] shape, Activation act, boolean forceSigned) {
        boolean nonNeg = !forceSigned && (act == Activation.RELU || act == Activation.RELU6);
        return addTensor(next(prefix), DType.INT8, shape, nonNeg ? NON_NEGATIVE : SIGNED, null);
    }

    /**
     * Per-channel filter scales so that outputs have roughly unit spread: real weights of about
     * 1/sqrt(fan-in) times the input's spread, with a seeded jitter per channel.
     */
    private float[] weightScales(int channels, long fanIn, int x) {
        Quant q = quant(x);
        double inSpread = q.equals(NON_NEGATIVE) ? 3.0 : 2.0;
        double base = 2.0 / (Math.sqrt(Math.max(1, fanIn)) * inSpread * 127.0);
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++) s[c] = (float) (base * (0.75 + 0.5 * random.nextDouble()));
        return s;
    }

    private int constInt8(String prefix, int[] shape, Quant q) {
        long n = 1;
        for (int d : shape) n *= d;
        byte[] data = new byte[Math.toIntExact(n)];
        fillInt8(data);
        return addTensor(next(prefix), DType.INT8, shape, q, data);
    }

    /** Uniform int8 values in [-127, 127] (TFLite's symmetric filters exclude -128). */
    private void fillInt8(byte[] data) {
        int i = 0;
        while (i < data.length) {
            long r = random.nextLong();
            for (int k = 0; k < 8 && i < data.length; k++, r >>>= 8) {
                byte v = (byte) r;
                data[i++] = v == Byte.MIN_VALUE ? (byte) 127 : v;
            }
        }
    }

    private int zeroBias(int x, float[] wScales) {
        float inScale = quant(x).scale(0);
        int n = wScales.length;
        float[] scales = new float[n];
        for (int c = 0; c < n; c++) scales[c] = inScale * wScales[c];
        return addTensor(
                next("zero_b"), DType.INT32, new int[] {n}, new Quant(scales, new long[n], 0), new byte[n * 4]);
    }

    private int biasTensor(int x, float[] wScales) {
        float inScale = quant(x).scale(0);
        int n = wScales.length;
        float[] scales = new float[n];
        for (int c = 0; c < n; c++) scales[c] = inScale * wScales[c];
        ByteBuffer bb = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < n; c++) {
            // A small real bias (about +-0.1) expressed in the bias scale.
            double real = (random.nextDouble() - 0.5) * 0.2;
            bb.putInt((int) Math.round(real / scales[c]));
        }
        return addTensor(next("b"), DType.INT32, new int[] {n}, new Quant(scales, new long[n], 0), bb.array());
    }

    private int constInt32(String prefix, int[] shape, int[] values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) bb.putInt(v);
        return addTensor(next(prefix), DType.INT32, shape, null, bb.array());
    }

    static int outDim(int in, int k, int stride, int dilation, Padding padding) {
        int eff = (k - 1) * dilation + 1;
        int out = padding == Padding.SAME ? (in + stride - 1) / stride : (in - eff) / stride + 1;
        if (out <= 0) throw new IllegalArgumentException("kernel " + k + " does not fit input " + in);
        return out;
    }

    private static void requireRank(int[] shape, int rank, String what) {
        if (shape.length != rank)
            throw new IllegalArgumentException(
                    what + " needs a rank-" + rank + " input, got " + Arrays.toString(shape));
    }

    private static int[] broadcast(int[] a, int[] b, String what) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(
                        what + " shapes do not broadcast: " + Arrays.toString(a) + " " + Arrays.toString(b));
            out[i] = Math.max(da, db);
        }
        return out;
    }
}
