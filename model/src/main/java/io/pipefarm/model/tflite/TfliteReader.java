package io.pipefarm.model.tflite;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Padding;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteFormatException.Kind;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a TFLite flatbuffer into a {@link Graph}.
 *
 * <p>Known builtin ops become their {@link OpType} with typed {@link OpOptions}. Any other op (another
 * builtin, a custom op, or a known builtin whose options carry something the IR cannot express, such as
 * a shuffled weights format) becomes {@link OpType#OPAQUE} with {@link OpOptions.Opaque}: its codes,
 * version, options type, the options table copied as a standalone flatbuffer, and its custom options.
 *
 * <p>Everything is validated before it is trusted (identifier, schema version, offsets, vtables,
 * vector bounds, tensor/buffer/opcode indices, shapes, data sizes, quantisation), and every failure is a
 * {@link TfliteFormatException} naming the source and the problem. Reading is linear in the file size;
 * constant data is copied once per buffer (tensors sharing a buffer share the array). A file read from a
 * {@link Path} is memory-mapped, not loaded whole.
 *
 * <p>Not kept (dropped on read): signature defs, metadata, the description, shape signatures, min/max
 * quantisation statistics. Rejected as {@link Kind#UNSUPPORTED}: several subgraphs, tensor types the IR
 * lacks, variable or sparse tensors, custom quantisation, op intermediates, BuiltinOptions2.
 */
public final class TfliteReader {
    private TfliteReader() {}

    public static Graph read(byte[] bytes) throws TfliteFormatException {
        return read(ByteBuffer.wrap(bytes), null, null);
    }

    /** Reads a model from the buffer's position to its limit. */
    public static Graph read(ByteBuffer buffer) throws TfliteFormatException {
        return read(buffer, null, null);
    }

    /** Reads a model file; the messages of failures name the file. */
    public static Graph read(Path file) throws IOException {
        String source = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > TfliteWriter.MAX_BYTES) {
                throw new TfliteFormatException(
                        Kind.UNSUPPORTED, source, size + " bytes: models over 2 GB are not supported");
            }
            ByteBuffer data = size == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            String stem = file.getFileName() == null
                    ? "model"
                    : file.getFileName().toString().replaceFirst("\\.tflite$", "");
            return read(data, source, stem);
        }
    }

    private static Graph read(ByteBuffer buffer, String source, String fallbackName) throws TfliteFormatException {
        FlatView v = new FlatView(buffer, source);
        try {
            return new Parser(v, fallbackName).parse();
        } catch (TfliteFormatException e) {
            throw e;
        } catch (IndexOutOfBoundsException
                | BufferUnderflowException
                | IllegalArgumentException
                | ArithmeticException
                | NegativeArraySizeException
                | IllegalStateException e) {
            throw new TfliteFormatException(Kind.CORRUPTED, source, String.valueOf(e.getMessage()), e);
        }
    }

    private static final class Parser {
        final FlatView v;
        final String fallbackName;
        FlatView.Vec buffers;
        byte[][] bufferData;

        Parser(FlatView v, String fallbackName) {
            this.v = v;
            this.fallbackName = fallbackName;
        }

        Graph parse() throws TfliteFormatException {
            if (v.length == 0) throw new TfliteFormatException(Kind.EMPTY, v.source, "empty file (0 bytes)");
            if (v.length < 8) {
                throw new TfliteFormatException(
                        Kind.TRUNCATED,
                        v.source,
                        "only " + v.length + " bytes; a TFLite file has at least an 8-byte header");
            }
            byte[] id = new byte[4];
            v.bb.get(4, id);
            if (!Arrays.equals(id, Schema.FILE_IDENTIFIER.getBytes(StandardCharsets.US_ASCII))) {
                throw new TfliteFormatException(
                        Kind.NOT_TFLITE,
                        v.source,
                        "expected file identifier \"TFL3\" at bytes 4..7, found " + printable(id));
            }
            FlatView.Table model = v.table(v.deref(0, "model root"), "model");
            long version = model.i32(Schema.MODEL_VERSION, 0) & 0xFFFFFFFFL;
            if (version != Schema.SCHEMA_VERSION) {
                throw v.unsupported("schema version " + version + "; only version 3 is supported");
            }
            FlatView.Vec subgraphs = model.vector(Schema.MODEL_SUBGRAPHS, 4, "subgraphs");
            if (subgraphs == null || subgraphs.count() == 0) throw v.corrupted("the model has no subgraph");
            if (subgraphs.count() > 1) {
                throw v.unsupported("the model has " + subgraphs.count()
                        + " subgraphs (control flow or signatures); only single-subgraph models are supported");
            }
            FlatView.Vec codesVec = model.vector(Schema.MODEL_OPERATOR_CODES, 4, "operator_codes");
            int ncodes = codesVec == null ? 0 : codesVec.count();
            OpCode[] codes = new OpCode[ncodes];
            for (int i = 0; i < ncodes; i++)
                codes[i] = opCode(model.element(codesVec, i, "operator_codes[" + i + "]"), i);
            buffers = model.vector(Schema.MODEL_BUFFERS, 4, "buffers");
            bufferData = new byte[buffers == null ? 0 : buffers.count()][];
            // Check every buffer, used or not: a cut-off file loses its first-built objects (buffer 0) first.
            for (int i = 0; i < bufferData.length; i++) {
                FlatView.Table b = bufferTable(i);
                b.vector(Schema.BUFFER_DATA, 1, "data");
            }

            FlatView.Table sg = model.element(subgraphs, 0, "subgraphs[0]");
            FlatView.Vec tensorVec = sg.vector(Schema.SUBGRAPH_TENSORS, 4, "tensors");
            int nt = tensorVec == null ? 0 : tensorVec.count();
            List<Tensor> tensors = new ArrayList<>(nt);
            for (int i = 0; i < nt; i++) tensors.add(tensor(sg.element(tensorVec, i, "tensors[" + i + "]"), i));

            int[] inputs = indices(sg.ints(Schema.SUBGRAPH_INPUTS, "inputs"), nt, "subgraph inputs", false);
            int[] outputs = indices(sg.ints(Schema.SUBGRAPH_OUTPUTS, "outputs"), nt, "subgraph outputs", false);

            FlatView.Vec opVec = sg.vector(Schema.SUBGRAPH_OPERATORS, 4, "operators");
            int nops = opVec == null ? 0 : opVec.count();
            List<Op> ops = new ArrayList<>(nops);
            for (int i = 0; i < nops; i++)
                ops.add(operator(sg.element(opVec, i, "operators[" + i + "]"), i, codes, nt));

            String name = sg.string(Schema.SUBGRAPH_NAME, "name");
            if (name == null || name.isEmpty()) name = fallbackName != null ? fallbackName : "model";
            try {
                return new Graph(name, tensors, ops, inputs, outputs);
            } catch (IllegalArgumentException e) {
                throw v.corrupted("not a valid graph: " + e.getMessage());
            }
        }

        record OpCode(int builtinCode, String customCode, int version) {}

        OpCode opCode(FlatView.Table t, int i) throws TfliteFormatException {
            int deprecated = t.i8(Schema.OPCODE_DEPRECATED_BUILTIN_CODE, 0);
            int builtin = t.i32(Schema.OPCODE_BUILTIN_CODE, 0);
            if (deprecated < 0 || builtin < 0) {
                throw v.corrupted(
                        "operator code " + i + " has a negative builtin code (" + deprecated + ", " + builtin + ")");
            }
            String custom = t.string(Schema.OPCODE_CUSTOM_CODE, "custom_code");
            return new OpCode(Math.max(deprecated, builtin), custom, t.i32(Schema.OPCODE_VERSION, 1));
        }

        Tensor tensor(FlatView.Table t, int i) throws TfliteFormatException {
            String name = t.string(Schema.TENSOR_NAME, "name");
            if (name == null) name = "";
            String label = "tensor " + i + (name.isEmpty() ? "" : " '" + name + "'");
            int[] shape = t.ints(Schema.TENSOR_SHAPE, "shape");
            if (shape == null) shape = new int[0];
            for (int d : shape) {
                if (d < 0) throw v.corrupted(label + " has a negative dimension in shape " + Arrays.toString(shape));
            }
            int typeCode = t.i8(Schema.TENSOR_TYPE, 0);
            DType type = DType.ofTfliteCode(typeCode);
            if (type == null) {
                throw v.unsupported(
                        label + " has type " + Schema.tensorTypeName(typeCode) + ", which the IR does not support");
            }
            if (t.bool(Schema.TENSOR_IS_VARIABLE, false)) throw v.unsupported(label + " is a variable tensor");
            if (t.has(Schema.TENSOR_SPARSITY)) throw v.unsupported(label + " is sparse");
            Quant quant = quant(t, label, shape);
            int buffer = t.u32(Schema.TENSOR_BUFFER, 0);
            int nbuf = bufferData.length;
            if (buffer >= nbuf && !(buffer == 0 && nbuf == 0)) {
                throw v.corrupted(label + " refers to buffer " + buffer + ", but the model has " + nbuf + " buffers");
            }
            byte[] data = null;
            if (buffer != 0) data = data(buffer, label, type, shape);
            try {
                return new Tensor(i, name, type, shape, quant, data);
            } catch (IllegalArgumentException e) {
                throw v.corrupted(label + ": " + e.getMessage());
            }
        }

        Quant quant(FlatView.Table t, String label, int[] shape) throws TfliteFormatException {
            FlatView.Table q = t.table(Schema.TENSOR_QUANTIZATION, "quantization");
            if (q == null) return null;
            if (q.u8(Schema.QUANT_DETAILS_TYPE, 0) != 0) throw v.unsupported(label + " uses custom quantization");
            float[] scales = q.floats(Schema.QUANT_SCALE, "scale");
            long[] zps = q.longs(Schema.QUANT_ZERO_POINT, "zero_point");
            if (scales == null || zps == null || scales.length == 0) return null;
            if (scales.length != zps.length) {
                throw v.corrupted(
                        label + " has " + scales.length + " quantization scales but " + zps.length + " zero points");
            }
            int axis = q.i32(Schema.QUANT_QUANTIZED_DIMENSION, 0);
            if (axis < 0 || (scales.length > 1 && (axis >= shape.length || shape[axis] != scales.length))) {
                throw v.corrupted(label + " has " + scales.length + " per-channel scales along dimension " + axis
                        + " of shape " + Arrays.toString(shape));
            }
            return new Quant(scales, zps, axis);
        }

        byte[] data(int index, String label, DType type, int[] shape) throws TfliteFormatException {
            if (bufferData[index] != null) return check(bufferData[index], label, type, shape);
            FlatView.Table b = bufferTable(index);
            byte[] out = null;
            FlatView.Vec d = b.vector(Schema.BUFFER_DATA, 1, "data");
            long offset = b.i64(Schema.BUFFER_OFFSET, 0);
            if (d != null && (d.count() > 0 || elements(shape, label) == 0)) {
                out = new byte[d.count()];
                v.bb.get(d.start(), out);
            } else if (offset > 1) {
                long size = b.i64(Schema.BUFFER_SIZE, 0);
                v.check(offset, size, "buffers[" + index + "] external data");
                out = new byte[(int) size];
                v.bb.get((int) offset, out);
            }
            if (out == null) return null; // an empty buffer: the tensor is an activation
            bufferData[index] = out;
            return check(out, label, type, shape);
        }

        FlatView.Table bufferTable(int index) throws TfliteFormatException {
            return v.table(v.deref(buffers.at(index), "buffers[" + index + "]"), "buffers[" + index + "]");
        }

        byte[] check(byte[] data, String label, DType type, int[] shape) throws TfliteFormatException {
            if (type == DType.STRING) throw v.unsupported(label + " is a constant string tensor");
            long expected;
            try {
                expected = Math.multiplyExact(elements(shape, label), (long) type.bytes());
            } catch (ArithmeticException e) {
                throw v.corrupted(label + " has an impossible shape " + Arrays.toString(shape));
            }
            if (data.length != expected) {
                throw v.corrupted(label + " has " + data.length + " data bytes, but shape " + Arrays.toString(shape)
                        + " of " + type + " needs " + expected);
            }
            return data;
        }

        long elements(int[] shape, String label) throws TfliteFormatException {
            long n = 1;
            try {
                for (int d : shape) n = Math.multiplyExact(n, (long) d);
            } catch (ArithmeticException e) {
                throw v.corrupted(label + " has an impossible shape " + Arrays.toString(shape));
            }
            return n;
        }

        int[] indices(int[] ids, int nt, String what, boolean optional) throws TfliteFormatException {
            if (ids == null) return new int[0];
            for (int t : ids) {
                if ((t < 0 || t >= nt) && !(optional && t == -1)) {
                    throw v.corrupted(what + " refer to tensor " + t + ", but the subgraph has " + nt + " tensors");
                }
            }
            return ids;
        }

        Op operator(FlatView.Table t, int i, OpCode[] codes, int nt) throws TfliteFormatException {
            String label = "operator " + i;
            int codeIndex = t.u32(Schema.OP_OPCODE_INDEX, 0);
            if (codeIndex >= codes.length) {
                throw v.corrupted(
                        label + " refers to operator code " + codeIndex + ", but the model has " + codes.length);
            }
            OpCode code = codes[codeIndex];
            int[] inputs = indices(t.ints(Schema.OP_INPUTS, "inputs"), nt, label + " inputs", true);
            int[] outputs = indices(t.ints(Schema.OP_OUTPUTS, "outputs"), nt, label + " outputs", false);
            if (t.u8(Schema.OP_BUILTIN_OPTIONS_2_TYPE, 0) != 0) {
                throw v.unsupported(label + " (builtin " + code.builtinCode()
                        + ") uses builtin_options_2, which this reader does not keep");
            }
            int[] intermediates = t.ints(Schema.OP_INTERMEDIATES, "intermediates");
            if (intermediates != null && intermediates.length > 0) {
                throw v.unsupported(label + " (builtin " + code.builtinCode()
                        + ") has intermediate tensors, which the IR does not keep");
            }
            int optionsType = t.u8(Schema.OP_BUILTIN_OPTIONS_TYPE, 0);
            FlatView.Table options = optionsType == 0 ? null : t.table(Schema.OP_BUILTIN_OPTIONS, "builtin_options");
            if (options == null) optionsType = 0;
            byte[] custom = t.bytes(Schema.OP_CUSTOM_OPTIONS, "custom_options");
            long largeOffset = t.i64(Schema.OP_LARGE_CUSTOM_OPTIONS_OFFSET, 0);
            if (custom == null && largeOffset > 1) {
                long size = t.i64(Schema.OP_LARGE_CUSTOM_OPTIONS_SIZE, 0);
                v.check(largeOffset, size, label + " custom options");
                custom = new byte[(int) size];
                v.bb.get((int) largeOffset, custom);
            }
            OpType type = code.customCode() == null ? OpType.ofBuiltinCode(code.builtinCode()) : OpType.OPAQUE;
            OpOptions known = type == OpType.OPAQUE || custom != null ? null : knownOptions(type, optionsType, options);
            if (known == null) {
                byte[] raw = optionsType == 0 ? null : OptionsCopier.toRaw(options, optionsType);
                known = new OpOptions.Opaque(
                        code.builtinCode(), code.customCode(), code.version(), optionsType, raw, custom);
                type = OpType.OPAQUE;
            }
            return new Op(i, type, inputs, outputs, known, code.version());
        }

        /**
         * The typed options of a known op, or null when the options hold anything the IR cannot express
         * (then the op is kept opaque, verbatim).
         */
        OpOptions knownOptions(OpType type, int optionsType, FlatView.Table o) throws TfliteFormatException {
            switch (type) {
                case CONV_2D -> {
                    if (optionsType != Schema.OPT_CONV_2D
                            || !only(o, 6)
                            || o.i8(Schema.CONV_QUANTIZED_BIAS_TYPE, 0) != 0) return null;
                    Padding p = padding(o.i8(Schema.CONV_PADDING, 0));
                    Activation a = activation(o.i8(Schema.CONV_ACTIVATION, 0));
                    if (p == null || a == null) return null;
                    return new OpOptions.Conv(
                            o.i32(Schema.CONV_STRIDE_H, 0),
                            o.i32(Schema.CONV_STRIDE_W, 0),
                            o.i32(Schema.CONV_DILATION_H, 1),
                            o.i32(Schema.CONV_DILATION_W, 1),
                            p,
                            a);
                }
                case DEPTHWISE_CONV_2D -> {
                    if (optionsType != Schema.OPT_DEPTHWISE_CONV_2D || !only(o, 7)) return null;
                    Padding p = padding(o.i8(Schema.DW_PADDING, 0));
                    Activation a = activation(o.i8(Schema.DW_ACTIVATION, 0));
                    if (p == null || a == null) return null;
                    return new OpOptions.DepthwiseConv(
                            o.i32(Schema.DW_STRIDE_H, 0),
                            o.i32(Schema.DW_STRIDE_W, 0),
                            o.i32(Schema.DW_DILATION_H, 1),
                            o.i32(Schema.DW_DILATION_W, 1),
                            o.i32(Schema.DW_DEPTH_MULTIPLIER, 0),
                            p,
                            a);
                }
                case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                    if (optionsType != Schema.OPT_POOL_2D || !only(o, 6)) return null;
                    Padding p = padding(o.i8(Schema.POOL_PADDING, 0));
                    Activation a = activation(o.i8(Schema.POOL_ACTIVATION, 0));
                    if (p == null || a == null) return null;
                    return new OpOptions.Pool(
                            o.i32(Schema.POOL_FILTER_H, 0),
                            o.i32(Schema.POOL_FILTER_W, 0),
                            o.i32(Schema.POOL_STRIDE_H, 0),
                            o.i32(Schema.POOL_STRIDE_W, 0),
                            p,
                            a);
                }
                case FULLY_CONNECTED -> {
                    if (optionsType != Schema.OPT_FULLY_CONNECTED
                            || !only(o, 5)
                            || o.i8(Schema.FC_WEIGHTS_FORMAT, 0) != 0
                            || o.bool(Schema.FC_ASYMMETRIC_QUANTIZE_INPUTS, false)
                            || o.i8(Schema.FC_QUANTIZED_BIAS_TYPE, 0) != 0) return null;
                    Activation a = activation(o.i8(Schema.FC_ACTIVATION, 0));
                    return a == null ? null : new OpOptions.FullyConnected(a, o.bool(Schema.FC_KEEP_NUM_DIMS, false));
                }
                case SOFTMAX -> {
                    if (optionsType != Schema.OPT_SOFTMAX || !only(o, 1)) return null;
                    return new OpOptions.Softmax(o.f32(Schema.SOFTMAX_BETA, 0f));
                }
                case CONCATENATION -> {
                    if (optionsType != Schema.OPT_CONCATENATION || !only(o, 2)) return null;
                    Activation a = activation(o.i8(Schema.CONCAT_ACTIVATION, 0));
                    return a == null ? null : new OpOptions.Concat(o.i32(Schema.CONCAT_AXIS, 0), a);
                }
                case ADD -> {
                    if (optionsType != Schema.OPT_ADD || !only(o, 2) || !o.bool(Schema.ADD_POT_SCALE_INT16, true))
                        return null;
                    Activation a = activation(o.i8(Schema.ADD_ACTIVATION, 0));
                    return a == null ? null : new OpOptions.Elementwise(a);
                }
                case MUL -> {
                    if (optionsType != Schema.OPT_MUL || !only(o, 1)) return null;
                    Activation a = activation(o.i8(Schema.MUL_ACTIVATION, 0));
                    return a == null ? null : new OpOptions.Elementwise(a);
                }
                case MEAN -> {
                    if (optionsType != Schema.OPT_REDUCER || !only(o, 1)) return null;
                    return new OpOptions.Reduce(o.bool(Schema.REDUCER_KEEP_DIMS, false));
                }
                case RESHAPE -> {
                    if (optionsType == 0) return new OpOptions.Reshape(new int[0]);
                    if (optionsType != Schema.OPT_RESHAPE || !only(o, 1)) return null;
                    int[] s = o.ints(Schema.RESHAPE_NEW_SHAPE, "new_shape");
                    return new OpOptions.Reshape(s == null ? new int[0] : s);
                }
                case PAD -> {
                    return emptyOptions(optionsType, Schema.OPT_PAD, o);
                }
                case SLICE -> {
                    return emptyOptions(optionsType, Schema.OPT_SLICE, o);
                }
                case HARD_SWISH -> {
                    return emptyOptions(optionsType, Schema.OPT_HARD_SWISH, o);
                }
                case LOGISTIC, TANH -> {
                    return optionsType == 0 ? new OpOptions.None() : null;
                }
                default -> {
                    return null;
                }
            }
        }

        /** Options that must be absent or an empty table of the given type. */
        static OpOptions emptyOptions(int optionsType, int expected, FlatView.Table o) {
            if (optionsType == 0) return new OpOptions.None();
            return optionsType == expected && only(o, 0) ? new OpOptions.None() : null;
        }

        /** True when the table (null = absent) sets no field with an id >= {@code known}. */
        static boolean only(FlatView.Table o, int known) {
            if (o == null) return false;
            for (int id = known; id < o.slots(); id++) if (o.has(id)) return false;
            return true;
        }

        static Padding padding(int code) {
            return code == 0 || code == 1 ? Padding.ofCode(code) : null;
        }

        static Activation activation(int code) {
            for (Activation a : Activation.values()) if (a.code() == code) return a;
            return null;
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            if (x >= 0x20 && x < 0x7F && x != '"') sb.append((char) x);
            else sb.append(String.format("\\x%02x", x & 0xFF));
        }
        return sb.append('"').toString();
    }
}
