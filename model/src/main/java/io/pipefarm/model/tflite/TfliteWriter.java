package io.pipefarm.model.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@link Graph} as a TFLite flatbuffer (schema version 3, identifier {@code TFL3}) that the
 * TFLite interpreter loads: one subgraph, buffer 0 the empty sentinel, one buffer per constant tensor
 * (data aligned to 16 bytes), activations on buffer 0, per-channel quantisation with
 * {@code quantized_dimension}, operator codes deduplicated in order of first use and written both as the
 * deprecated byte code ({@code min(code, 127)}) and the int32 {@code builtin_code}.
 *
 * <p>Deterministic: the same graph always gives the same bytes (the builder is driven in a fixed order;
 * nothing depends on time or hash order).
 *
 * <p>{@link Naming#KEEP} writes the graph's tensor names, its name as the subgraph name and
 * {@code "pipefarm: <name>"} as the description. {@link Naming#CANONICAL} writes tensor names
 * {@code t0, t1, ...}, subgraph name {@code "main"} and a fixed description, so that equal computations
 * give equal bytes whatever model (and name) they came from; segments are written that way.
 *
 * <p>Models over 2 GB (which TFLite stores with buffers outside the flatbuffer) are not supported; such a
 * graph gets an {@link IllegalArgumentException} saying so. Invalid IR content (e.g. raw options that are
 * not a flatbuffer table) also gets an {@link IllegalArgumentException}.
 */
public final class TfliteWriter {

    public enum Naming {
        KEEP,
        CANONICAL
    }

    /** Largest model this writer produces (Java arrays and flatbuffer offsets stop just below 2 GiB). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    private final Naming naming;
    /** Write fields even when they hold their schema default (as some converters do); for tests. */
    private final boolean forceDefaults;

    /** A writer that keeps names ({@link Naming#KEEP}). */
    public TfliteWriter() {
        this(Naming.KEEP);
    }

    public TfliteWriter(Naming naming) {
        this(naming, false);
    }

    TfliteWriter(Naming naming, boolean forceDefaults) {
        this.naming = Objects.requireNonNull(naming);
        this.forceDefaults = forceDefaults;
    }

    /** A writer with {@link Naming#CANONICAL} names. */
    public static TfliteWriter canonical() {
        return new TfliteWriter(Naming.CANONICAL);
    }

    public Naming naming() {
        return naming;
    }

    /** The model as bytes. */
    public byte[] write(Graph g) {
        ByteBuffer bb = build(g);
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        return out;
    }

    /** Writes the model to {@code out} (which is not closed). */
    public void write(Graph g, OutputStream out) throws IOException {
        ByteBuffer bb = build(g);
        if (bb.hasArray()) {
            out.write(bb.array(), bb.arrayOffset() + bb.position(), bb.remaining());
        } else {
            byte[] chunk = new byte[1 << 16];
            while (bb.hasRemaining()) {
                int n = Math.min(chunk.length, bb.remaining());
                bb.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }

    /**
     * The model as a read-only buffer from its position to its limit, without the extra copy
     * {@link #write(Graph)} makes (for hashing or streaming).
     */
    public ByteBuffer writeBuffer(Graph g) {
        return build(g).asReadOnlyBuffer();
    }

    private ByteBuffer build(Graph g) {
        long estimate = estimate(g);
        if (estimate > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "model " + g.name() + " needs about " + estimate
                            + " bytes; TFLite models over 2 GB (buffers outside the flatbuffer) are not supported by this writer");
        }
        FlatBufferBuilder b = new FlatBufferBuilder((int) estimate).forceDefaults(forceDefaults);
        b.finish(model(b, g), Schema.FILE_IDENTIFIER);
        return b.dataBuffer();
    }

    /** An upper bound of the serialized size, so the builder never has to grow (grow = copy). */
    static long estimate(Graph g) {
        long n = 4096 + 3L * g.name().length();
        for (Tensor t : g.tensors()) {
            n += 320 + 3L * t.name().length() + 4L * t.rank();
            if (t.quant() != null) n += 12L * t.quant().count() + 32;
            if (t.isConstant()) n += t.data().length + 96;
        }
        for (Op op : g.ops()) {
            n += 320 + 4L * (op.inputCount() + op.outputCount());
            if (op.options() instanceof OpOptions.Reshape r) n += 4L * r.newShape().length + 16;
            if (op.options() instanceof OpOptions.Opaque o) {
                if (o.rawOptions() != null) n += 2L * o.rawOptions().length + 64;
                if (o.customOptions() != null) n += o.customOptions().length + 16;
                if (o.customCode() != null) n += 3L * o.customCode().length() + 96;
            }
        }
        return n;
    }

    private record OpCodeKey(int builtinCode, String customCode, int version) {}

    private int model(FlatBufferBuilder b, Graph g) {
        List<Tensor> tensors = g.tensors();
        int nt = tensors.size();

        // Buffers: 0 is the empty sentinel, then one per constant tensor in id order.
        // Created first so that the (large) data ends up at the end of the file.
        int[] bufferOf = new int[nt];
        List<Integer> bufferTables = new ArrayList<>();
        b.startTable(Schema.BUFFER_FIELDS);
        bufferTables.add(b.endTable());
        for (Tensor t : tensors) {
            if (!t.isConstant()) continue;
            byte[] data = t.data();
            ByteBuffer v = b.createUnintializedVector(1, data.length, Schema.BUFFER_DATA_ALIGNMENT);
            v.put(data);
            int vec = b.endVector();
            b.startTable(Schema.BUFFER_FIELDS);
            offset(b, Schema.BUFFER_DATA, vec);
            bufferOf[t.id()] = bufferTables.size();
            bufferTables.add(b.endTable());
        }
        int buffers = tableVector(b, bufferTables);

        // Tensors.
        int[] tensorTables = new int[nt];
        for (Tensor t : tensors) {
            int shape = intVector(b, t.shape());
            int name = b.createString(naming == Naming.KEEP ? t.name() : "t" + t.id());
            int quant = t.quant() == null ? 0 : quant(b, t.quant());
            b.startTable(Schema.TENSOR_FIELDS);
            offset(b, Schema.TENSOR_SHAPE, shape);
            b.addInt(Schema.TENSOR_BUFFER, bufferOf[t.id()], 0);
            offset(b, Schema.TENSOR_NAME, name);
            offset(b, Schema.TENSOR_QUANTIZATION, quant);
            b.addByte(Schema.TENSOR_TYPE, (byte) t.type().tfliteCode(), 0);
            tensorTables[t.id()] = b.endTable();
        }

        // Operators, collecting operator codes in order of first use.
        Map<OpCodeKey, Integer> codes = new LinkedHashMap<>();
        int[] opTables = new int[g.size()];
        for (Op op : g.ops()) {
            OpCodeKey key = op.options() instanceof OpOptions.Opaque o
                    ? new OpCodeKey(o.builtinCode(), o.customCode(), op.version())
                    : new OpCodeKey(op.type().builtinCode(), null, op.version());
            if (op.type() == OpType.OPAQUE && !(op.options() instanceof OpOptions.Opaque)) {
                throw new IllegalArgumentException(
                        "op " + op.index() + " is OPAQUE but has " + op.options() + " options");
            }
            Integer index = codes.get(key);
            if (index == null) {
                index = codes.size();
                codes.put(key, index);
            }
            opTables[op.index()] = operator(b, op, index);
        }

        int subgraph;
        {
            int tv = tableVector(b, tensorTables);
            int in = intVector(b, g.inputs());
            int out = intVector(b, g.outputs());
            int ops = tableVector(b, opTables);
            int name = b.createString(naming == Naming.KEEP ? g.name() : "main");
            b.startTable(Schema.SUBGRAPH_FIELDS);
            offset(b, Schema.SUBGRAPH_TENSORS, tv);
            offset(b, Schema.SUBGRAPH_INPUTS, in);
            offset(b, Schema.SUBGRAPH_OUTPUTS, out);
            offset(b, Schema.SUBGRAPH_OPERATORS, ops);
            offset(b, Schema.SUBGRAPH_NAME, name);
            subgraph = b.endTable();
        }
        int subgraphs = tableVector(b, new int[] {subgraph});

        int[] codeTables = new int[codes.size()];
        for (Map.Entry<OpCodeKey, Integer> e : codes.entrySet()) {
            OpCodeKey k = e.getKey();
            int custom = k.customCode() == null ? 0 : b.createString(k.customCode());
            b.startTable(Schema.OPCODE_FIELDS);
            offset(b, Schema.OPCODE_CUSTOM_CODE, custom);
            b.addInt(Schema.OPCODE_VERSION, k.version(), 1);
            b.addInt(Schema.OPCODE_BUILTIN_CODE, k.builtinCode(), 0);
            b.addByte(
                    Schema.OPCODE_DEPRECATED_BUILTIN_CODE,
                    (byte) Math.min(k.builtinCode(), Schema.PLACEHOLDER_FOR_GREATER_OP_CODES),
                    0);
            codeTables[e.getValue()] = b.endTable();
        }
        int operatorCodes = tableVector(b, codeTables);

        int description = b.createString(naming == Naming.KEEP ? "pipefarm: " + g.name() : "pipefarm segment");
        b.startTable(Schema.MODEL_FIELDS);
        b.addInt(Schema.MODEL_VERSION, Schema.SCHEMA_VERSION, 0);
        offset(b, Schema.MODEL_OPERATOR_CODES, operatorCodes);
        offset(b, Schema.MODEL_SUBGRAPHS, subgraphs);
        offset(b, Schema.MODEL_DESCRIPTION, description);
        offset(b, Schema.MODEL_BUFFERS, buffers);
        return b.endTable();
    }

    private static int quant(FlatBufferBuilder b, Quant q) {
        int n = q.count();
        b.startVector(4, n, 4);
        for (int i = n - 1; i >= 0; i--) b.addFloat(q.scale(i));
        int scales = b.endVector();
        b.startVector(8, n, 8);
        for (int i = n - 1; i >= 0; i--) b.addLong(q.zeroPoint(i));
        int zps = b.endVector();
        b.startTable(Schema.QUANT_FIELDS);
        offset(b, Schema.QUANT_SCALE, scales);
        offset(b, Schema.QUANT_ZERO_POINT, zps);
        b.addInt(Schema.QUANT_QUANTIZED_DIMENSION, q.axis(), 0);
        return b.endTable();
    }

    private int operator(FlatBufferBuilder b, Op op, int opcodeIndex) {
        int inputs = intVector(b, op.inputs());
        int outputs = intVector(b, op.outputs());
        int optionsType;
        int options;
        int customOptions = 0;
        OpOptions o = op.options();
        if (o instanceof OpOptions.Opaque p) {
            optionsType = p.rawOptions() == null ? 0 : p.optionsType();
            options = optionsType == 0
                    ? 0
                    : OptionsCopier.fromRaw(
                            p.rawOptions(), optionsType, b, "options of op " + op.index() + " (" + op.label() + ")");
            if (p.customOptions() != null) customOptions = b.createByteVector(p.customOptions());
        } else {
            optionsType = optionsType(op);
            options = builtinOptions(b, op);
        }
        b.startTable(Schema.OP_FIELDS);
        b.addInt(Schema.OP_OPCODE_INDEX, opcodeIndex, 0);
        offset(b, Schema.OP_INPUTS, inputs);
        offset(b, Schema.OP_OUTPUTS, outputs);
        offset(b, Schema.OP_BUILTIN_OPTIONS, options);
        offset(b, Schema.OP_CUSTOM_OPTIONS, customOptions);
        b.addByte(Schema.OP_BUILTIN_OPTIONS_TYPE, (byte) optionsType, 0);
        return b.endTable();
    }

    /** The BuiltinOptions union type written for a known op. */
    static int optionsType(Op op) {
        return switch (op.type()) {
            case CONV_2D -> Schema.OPT_CONV_2D;
            case DEPTHWISE_CONV_2D -> Schema.OPT_DEPTHWISE_CONV_2D;
            case AVERAGE_POOL_2D, MAX_POOL_2D -> Schema.OPT_POOL_2D;
            case FULLY_CONNECTED -> Schema.OPT_FULLY_CONNECTED;
            case SOFTMAX -> Schema.OPT_SOFTMAX;
            case CONCATENATION -> Schema.OPT_CONCATENATION;
            case ADD -> Schema.OPT_ADD;
            case MUL -> Schema.OPT_MUL;
            case MEAN -> Schema.OPT_REDUCER;
            case RESHAPE ->
                ((OpOptions.Reshape) op.options()).newShape().length == 0 ? Schema.OPT_NONE : Schema.OPT_RESHAPE;
            case PAD -> Schema.OPT_PAD;
            case SLICE -> Schema.OPT_SLICE;
            case HARD_SWISH -> Schema.OPT_HARD_SWISH;
            case LOGISTIC, TANH -> Schema.OPT_NONE;
            case OPAQUE -> throw new IllegalStateException();
        };
    }

    private static <T extends OpOptions> T opts(Op op, Class<T> type) {
        if (!type.isInstance(op.options())) {
            throw new IllegalArgumentException("op " + op.index() + " (" + op.type() + ") has "
                    + op.options().getClass().getSimpleName() + " options, expected " + type.getSimpleName());
        }
        return type.cast(op.options());
    }

    private static int builtinOptions(FlatBufferBuilder b, Op op) {
        switch (op.type()) {
            case CONV_2D -> {
                OpOptions.Conv c = opts(op, OpOptions.Conv.class);
                b.startTable(6);
                b.addInt(Schema.CONV_STRIDE_W, c.strideW(), 0);
                b.addInt(Schema.CONV_STRIDE_H, c.strideH(), 0);
                b.addInt(Schema.CONV_DILATION_W, c.dilationW(), 1);
                b.addInt(Schema.CONV_DILATION_H, c.dilationH(), 1);
                b.addByte(Schema.CONV_PADDING, (byte) c.padding().code(), 0);
                b.addByte(Schema.CONV_ACTIVATION, (byte) c.activation().code(), 0);
                return b.endTable();
            }
            case DEPTHWISE_CONV_2D -> {
                OpOptions.DepthwiseConv c = opts(op, OpOptions.DepthwiseConv.class);
                b.startTable(7);
                b.addInt(Schema.DW_STRIDE_W, c.strideW(), 0);
                b.addInt(Schema.DW_STRIDE_H, c.strideH(), 0);
                b.addInt(Schema.DW_DEPTH_MULTIPLIER, c.depthMultiplier(), 0);
                b.addInt(Schema.DW_DILATION_W, c.dilationW(), 1);
                b.addInt(Schema.DW_DILATION_H, c.dilationH(), 1);
                b.addByte(Schema.DW_PADDING, (byte) c.padding().code(), 0);
                b.addByte(Schema.DW_ACTIVATION, (byte) c.activation().code(), 0);
                return b.endTable();
            }
            case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                OpOptions.Pool p = opts(op, OpOptions.Pool.class);
                b.startTable(6);
                b.addInt(Schema.POOL_STRIDE_W, p.strideW(), 0);
                b.addInt(Schema.POOL_STRIDE_H, p.strideH(), 0);
                b.addInt(Schema.POOL_FILTER_W, p.filterW(), 0);
                b.addInt(Schema.POOL_FILTER_H, p.filterH(), 0);
                b.addByte(Schema.POOL_PADDING, (byte) p.padding().code(), 0);
                b.addByte(Schema.POOL_ACTIVATION, (byte) p.activation().code(), 0);
                return b.endTable();
            }
            case FULLY_CONNECTED -> {
                OpOptions.FullyConnected f = opts(op, OpOptions.FullyConnected.class);
                b.startTable(3);
                b.addByte(Schema.FC_ACTIVATION, (byte) f.activation().code(), 0);
                b.addBoolean(Schema.FC_KEEP_NUM_DIMS, f.keepNumDims(), false);
                return b.endTable();
            }
            case SOFTMAX -> {
                OpOptions.Softmax s = opts(op, OpOptions.Softmax.class);
                b.startTable(1);
                b.addFloat(Schema.SOFTMAX_BETA, s.beta(), 0.0);
                return b.endTable();
            }
            case CONCATENATION -> {
                OpOptions.Concat c = opts(op, OpOptions.Concat.class);
                b.startTable(2);
                b.addInt(Schema.CONCAT_AXIS, c.axis(), 0);
                b.addByte(Schema.CONCAT_ACTIVATION, (byte) c.activation().code(), 0);
                return b.endTable();
            }
            case ADD, MUL -> {
                OpOptions.Elementwise e = opts(op, OpOptions.Elementwise.class);
                b.startTable(1);
                b.addByte(Schema.ADD_ACTIVATION, (byte) e.activation().code(), 0);
                return b.endTable();
            }
            case MEAN -> {
                OpOptions.Reduce r = opts(op, OpOptions.Reduce.class);
                b.startTable(1);
                b.addBoolean(Schema.REDUCER_KEEP_DIMS, r.keepDims(), false);
                return b.endTable();
            }
            case RESHAPE -> {
                int[] shape = opts(op, OpOptions.Reshape.class).newShape();
                if (shape.length == 0) return 0;
                int v = intVector(b, shape);
                b.startTable(1);
                offset(b, Schema.RESHAPE_NEW_SHAPE, v);
                return b.endTable();
            }
            case PAD, SLICE, HARD_SWISH -> {
                opts(op, OpOptions.None.class);
                b.startTable(0);
                return b.endTable();
            }
            case LOGISTIC, TANH -> {
                opts(op, OpOptions.None.class);
                return 0;
            }
            default -> throw new IllegalStateException("unhandled op type " + op.type());
        }
    }

    /** Adds an offset field unless the object is absent (0), whatever the builder's forceDefaults. */
    private static void offset(FlatBufferBuilder b, int field, int objectOffset) {
        if (objectOffset != 0) b.addOffset(field, objectOffset, 0);
    }

    private static int intVector(FlatBufferBuilder b, int[] values) {
        b.startVector(4, values.length, 4);
        for (int i = values.length - 1; i >= 0; i--) b.addInt(values[i]);
        return b.endVector();
    }

    private static int tableVector(FlatBufferBuilder b, List<Integer> offsets) {
        return tableVector(b, offsets.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int tableVector(FlatBufferBuilder b, int[] offsets) {
        b.startVector(4, offsets.length, 4);
        for (int i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
        return b.endVector();
    }
}
