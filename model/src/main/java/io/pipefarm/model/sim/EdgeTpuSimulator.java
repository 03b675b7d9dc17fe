package io.pipefarm.model.sim;

import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteFormatException;
import io.pipefarm.model.tflite.TfliteReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * An analytic latency model of one Edge TPU behind USB 3 or PCIe Gen2 x1 (DESIGN.md section 7). The
 * formula and every parameter are in {@link EdgeTpuSimConfig}. Stateless and thread-safe; for a device
 * that remembers which model ran last see {@link SimulatedDevice}.
 */
public final class EdgeTpuSimulator {
    private final EdgeTpuSimConfig config;
    /** Identity cache of the last estimate: profiling runs the same segment many times. */
    private volatile Cached last;
    /** The model key of the last graph asked about, for the same reason. */
    private volatile Keyed lastKey;

    private record Cached(Graph graph, Estimate estimate) {}

    private record Keyed(Graph graph, String key) {}

    public EdgeTpuSimulator(EdgeTpuSimConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public EdgeTpuSimConfig config() {
        return config;
    }

    public String deviceKind() {
        return config.deviceKind();
    }

    // ---- estimate ----------------------------------------------------------------------------

    /** The noise-free latency of one warm invoke of {@code segment} (parameters cached, same model as last time). */
    public Estimate estimate(Graph segment) {
        Objects.requireNonNull(segment, "segment");
        Cached c = last;
        if (c != null && c.graph() == segment) return c.estimate();
        Estimate e = compute(segment);
        last = new Cached(segment, e);
        return e;
    }

    private Estimate compute(Graph g) {
        EdgeTpuSimConfig cf = config;
        int n = g.size();
        int firstHostOp = firstHostOp(g);

        // Parameter cache: whole constant tensors, first fit in execution order; a tensor shared by
        // several ops is placed once, at its first use. Host ops keep their parameters on the host.
        BitSet seen = new BitSet(g.tensors().size());
        long free = cf.paramCacheBytes();
        long[] opOnChip = new long[n];
        long[] opStreamed = new long[n];
        for (int i = 0; i < firstHostOp; i++) {
            for (int t : g.op(i).inputs()) {
                if (t < 0 || seen.get(t)) continue;
                Tensor tensor = g.tensor(t);
                if (!tensor.isConstant()) continue;
                seen.set(t);
                long b = tensor.byteSize();
                if (b <= free) {
                    free -= b;
                    opOnChip[i] += b;
                } else {
                    opStreamed[i] += b;
                }
            }
        }

        double macRate = cf.peakMacsPerSec() * cf.clockScale();
        List<Estimate.OpEstimate> ops = new ArrayList<>(n);
        long computeNs = 0, streamNs = 0, opsNs = 0, macs = 0, onChip = 0, streamed = 0;
        for (int i = 0; i < n; i++) {
            Op op = g.op(i);
            long m = OpCost.macs(g, op);
            macs += m;
            boolean onHost = i >= firstHostOp;
            double util = 0;
            double ns;
            if (onHost) {
                ns = cf.hostOpNs() + m / cf.hostMacsPerSec() * 1e9;
            } else {
                util = utilisation(g, op);
                if (util > 0) {
                    ns = m / (macRate * util) * 1e9;
                    if (op.type() == OpType.CONV_2D || op.type() == OpType.DEPTHWISE_CONV_2D) {
                        // Weight-stationary: every weight enters the array once per invoke, at the FC rate.
                        long weights = g.tensor(op.input(1)).byteSize();
                        ns = Math.max(ns, weights / (macRate * cf.fcUtilisation()) * 1e9);
                    }
                    util = m / (macRate * ns / 1e9);
                } else if (op.type() == OpType.RESHAPE) {
                    ns = 0;
                } else {
                    ns = OpCost.activationBytes(g, op) / (cf.dataMoveBytesPerSec() * cf.clockScale()) * 1e9;
                }
            }
            long opCompute = Math.round(ns);
            long opStream = Math.round(opStreamed[i] / cf.streamBytesPerSec() * 1e9);
            Estimate.OpEstimate oe = new Estimate.OpEstimate(
                    i, op.type(), m, util, opCompute, opOnChip[i], opStreamed[i], opStream, onHost);
            ops.add(oe);
            computeNs += opCompute;
            streamNs += opStream;
            opsNs += oe.timeNs();
            onChip += opOnChip[i];
            streamed += opStreamed[i];
        }

        long inBytes = 0, outBytes = 0;
        if (firstHostOp > 0) {
            for (int t : g.inputs()) inBytes += g.tensor(t).byteSize();
            int[] back = firstHostOp < n ? g.crossing(firstHostOp) : g.outputs();
            for (int t : back) outBytes += g.tensor(t).byteSize();
        }
        long transferNs = Math.round((inBytes + outBytes) / cf.ioBytesPerSec() * 1e9);
        long tpuOps = firstHostOp;
        long opOverheadNs = Math.round(tpuOps * cf.perOpNs());
        long invokeNs = firstHostOp > 0 ? Math.round(cf.perInvokeNs()) : 0;
        long spillNs = streamed > 0 ? Math.round(cf.firstSpillNs()) : 0;
        long latency = invokeNs + transferNs + opOverheadNs + opsNs + spillNs;
        return new Estimate(
                cf.deviceKind(),
                latency,
                computeNs,
                streamNs,
                opsNs,
                opOverheadNs,
                invokeNs,
                spillNs,
                transferNs,
                onChip,
                streamed,
                inBytes,
                outBytes,
                macs,
                n - firstHostOp,
                ops);
    }

    /** Position of the first op the Edge TPU cannot run, or {@code size()} when it runs them all. */
    static int firstHostOp(Graph g) {
        for (int i = 0; i < g.size(); i++) {
            if (!supported(g, g.op(i))) return i;
        }
        return g.size();
    }

    /** The Edge TPU runs the IR's known op types on 8-bit tensors (int32 only for constants such as biases). */
    static boolean supported(Graph g, Op op) {
        if (op.type() == OpType.OPAQUE) return false;
        for (int t : op.inputs()) if (t >= 0 && !eightBit(g.tensor(t))) return false;
        for (int t : op.outputs()) if (!eightBit(g.tensor(t))) return false;
        return true;
    }

    private static boolean eightBit(Tensor t) {
        return t.type() == DType.INT8 || t.type() == DType.UINT8 || (t.isConstant() && t.type() == DType.INT32);
    }

    /**
     * Fraction of the peak MAC rate an op's shape allows (before the weight-load bound of convolutions);
     * 0 for ops timed by the bytes they move (concat, pad, slice) or free (reshape).
     */
    double utilisation(Graph g, Op op) {
        EdgeTpuSimConfig cf = config;
        int a = cf.arrayDim();
        return switch (op.type()) {
            case CONV_2D -> {
                Tensor w = g.tensor(op.input(1)); // [Cout, kh, kw, Cin]
                long k = (long) w.dim(1) * w.dim(2) * w.dim(3);
                yield cf.convEfficiency() * fill(k, a) * fill(w.dim(0), a);
            }
            case DEPTHWISE_CONV_2D -> {
                Tensor out = g.tensor(op.output(0));
                Tensor w = g.tensor(op.input(1)); // [1, kh, kw, C]
                long k = (long) w.dim(1) * w.dim(2);
                yield cf.depthwiseEfficiency() * fill(k, a) * fill(out.dim(-1), a);
            }
            case FULLY_CONNECTED -> cf.fcUtilisation();
            case ADD, MUL, LOGISTIC, TANH, HARD_SWISH, SOFTMAX -> cf.elementwiseUtilisation();
            case MAX_POOL_2D, AVERAGE_POOL_2D, MEAN -> cf.poolUtilisation();
            default -> 0.0;
        };
    }

    /** Fraction of {@code ceil(n / a)} tiles of width {@code a} that {@code n} fills. */
    static double fill(long n, int a) {
        if (n <= 0) return 1.0;
        long tiles = (n + a - 1) / a;
        return (double) n / ((double) tiles * a);
    }

    // ---- model switches and sampling ----------------------------------------------------------

    /** Extra time of an invoke right after a different model ran on the device: reload of its cached parameters. */
    public long reloadNanos(Graph segment) {
        return reloadNanos(estimate(segment));
    }

    public long reloadNanos(Estimate e) {
        return Math.round(config.swapFixedNs() + e.onChipParamBytes() / config.reloadBytesPerSec() * 1e9);
    }

    /**
     * One measured invoke: the estimate, plus a cache reload when {@code lastModelKey} names another
     * model, times seeded lognormal noise. The segment's own key is {@link #modelKey(Graph)};
     * {@code lastModelKey == null} means nothing is known about the last model and no reload is charged.
     * Deterministic in (config seed, segment, run index, last model).
     */
    public long sampleRunNanos(Graph segment, long runIndex, String lastModelKey) {
        return sampleRunNanos(segment, keyOf(segment), runIndex, lastModelKey);
    }

    /** {@link #modelKey(Graph)}, remembered for the last graph asked about. */
    String keyOf(Graph g) {
        Keyed k = lastKey;
        if (k != null && k.graph() == g) return k.key();
        String key = modelKey(g);
        lastKey = new Keyed(g, key);
        return key;
    }

    /** As {@link #sampleRunNanos(Graph, long, String)} with the segment's key given (e.g. its blob SHA-256). */
    public long sampleRunNanos(Graph segment, String modelKey, long runIndex, String lastModelKey) {
        boolean reload = lastModelKey != null && !lastModelKey.equals(modelKey);
        return sample(segment, modelKey, runIndex, reload);
    }

    long sample(Graph segment, String modelKey, long runIndex, boolean reload) {
        Estimate e = estimate(segment);
        double ns = e.latencyNs() + (reload ? reloadNanos(e) : 0);
        double f = noiseFactor(config.seed(), keyHash(modelKey), runIndex, config.noiseSigma());
        return Math.max(1, Math.round(ns * f));
    }

    /** {@code exp(sigma * z)} with z standard normal from (seed, stream, run index); median 1. */
    static double noiseFactor(long seed, long stream, long runIndex, double sigma) {
        if (sigma == 0) return 1.0;
        long s = mix(mix(seed ^ 0x9E3779B97F4A7C15L) + stream);
        s = mix(s + runIndex * 0xBF58476D1CE4E5B9L);
        // Box-Muller on two uniforms in (0, 1].
        double u1 = ((mix(s) >>> 11) + 1) * 0x1.0p-53;
        double u2 = ((mix(s + 0x632BE59BD9B4E019L) >>> 11) + 1) * 0x1.0p-53;
        double z = Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
        return Math.exp(sigma * z);
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long keyHash(String key) {
        if (key == null) return 0;
        long h = 1125899906842597L;
        for (int i = 0; i < key.length(); i++) h = 31 * h + key.charAt(i);
        return mix(h);
    }

    /** The graph of a segment blob (an int8 {@code .tflite}), as the simulated device reads it. */
    public static Graph readSegment(byte[] tflite) throws TfliteFormatException {
        return TfliteReader.read(tflite);
    }

    /** The farm's segment key of a blob: the SHA-256 of its bytes, lower-case hex (DESIGN.md section 1). */
    public static String blobKey(byte[] tflite) {
        return HexFormat.of().formatHex(sha256().digest(tflite));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A key for a graph when its blob's SHA-256 is not at hand: SHA-256 over its name, ops, tensor
     * types and shapes, and the first bytes of every constant. Equal graphs get equal keys.
     */
    public static String modelKey(Graph g) {
        MessageDigest md = sha256();
        StringBuilder sb = new StringBuilder(g.name()).append('|');
        for (Tensor t : g.tensors()) {
            sb.append(t.type())
                    .append(Arrays.toString(t.shape()))
                    .append(t.isConstant() ? 'c' : 'a')
                    .append(';');
        }
        for (Op op : g.ops()) {
            sb.append(op.type()).append(Arrays.toString(op.inputs())).append(Arrays.toString(op.outputs()));
            if (op.options() instanceof OpOptions.Opaque o) sb.append(o.label());
            sb.append(';');
        }
        sb.append(Arrays.toString(g.inputs())).append(Arrays.toString(g.outputs()));
        md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        for (Tensor t : g.tensors()) {
            if (t.isConstant()) md.update(t.data(), 0, Math.min(64, t.data().length));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
