package io.pipefarm.agent.tflite;

import com.google.flatbuffers.FlatBufferBuilder;

/**
 * Test-only builder of tiny int8 {@code .tflite} flatbuffers, written field by field from the public
 * TFLite schema (schema.fbs) until the project's own writer (io.pipefarm.model.tflite) exists.
 *
 * <p>All tensors use scale 1.0 and zero point 0, so the int8 results are plain saturating integer
 * arithmetic that tests can check exactly.
 */
public final class TinyModels {
    private TinyModels() {}

    // schema.fbs enum values
    private static final byte TENSOR_INT8 = 9;
    private static final byte TENSOR_INT32 = 2;
    private static final int OP_ADD = 0;
    private static final int OP_FULLY_CONNECTED = 9;
    private static final byte OPTIONS_FULLY_CONNECTED = 8;
    private static final byte OPTIONS_ADD = 11;

    /** {@code out = saturate_int8(a + b)} for int8 inputs {@code a, b} of shape {@code [1, n]}. */
    public static byte[] add(int n) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        int[] shape = {1, n};
        int tA = tensor(b, "a", shape, TENSOR_INT8, 0, quant(b, 1f, 0));
        int tB = tensor(b, "b", shape, TENSOR_INT8, 0, quant(b, 1f, 0));
        int tOut = tensor(b, "sum", shape, TENSOR_INT8, 0, quant(b, 1f, 0));

        // AddOptions { fused_activation_function: NONE }
        b.startTable(2);
        int addOptions = b.endTable();
        int op = operator(b, 0, new int[] {0, 1}, new int[] {2}, OPTIONS_ADD, addOptions);
        int subgraph = subgraph(b, new int[] {tA, tB, tOut}, new int[] {0, 1}, new int[] {2}, op, "add");
        int opcode = operatorCode(b, OP_ADD, 2);
        int[] buffers = {buffer(b, null)};
        return model(b, opcode, subgraph, buffers, "pipefarm TinyModels.add");
    }

    /**
     * Fully connected: {@code out[j] = saturate_int8(sum_i x[i] * w[j][i] + bias[j])}, input
     * {@code [1, weights[0].length]}, output {@code [1, weights.length]}.
     */
    public static byte[] fullyConnected(byte[][] weights, int[] bias) {
        int units = weights.length;
        int depth = weights[0].length;
        byte[] w = new byte[units * depth];
        for (int j = 0; j < units; j++) System.arraycopy(weights[j], 0, w, j * depth, depth);
        byte[] bb = new byte[units * 4];
        for (int j = 0; j < units; j++) {
            int v = bias[j];
            bb[4 * j] = (byte) v;
            bb[4 * j + 1] = (byte) (v >> 8);
            bb[4 * j + 2] = (byte) (v >> 16);
            bb[4 * j + 3] = (byte) (v >> 24);
        }
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        int tIn = tensor(b, "x", new int[] {1, depth}, TENSOR_INT8, 0, quant(b, 1f, 0));
        int tW = tensor(b, "w", new int[] {units, depth}, TENSOR_INT8, 1, quant(b, 1f, 0));
        int tB = tensor(b, "bias", new int[] {units}, TENSOR_INT32, 2, quant(b, 1f, 0));
        int tOut = tensor(b, "y", new int[] {1, units}, TENSOR_INT8, 0, quant(b, 1f, 0));

        // FullyConnectedOptions { fused_activation_function: NONE, weights_format: DEFAULT }
        b.startTable(5);
        int fcOptions = b.endTable();
        int op = operator(b, 0, new int[] {0, 1, 2}, new int[] {3}, OPTIONS_FULLY_CONNECTED, fcOptions);
        int subgraph = subgraph(b, new int[] {tIn, tW, tB, tOut}, new int[] {0}, new int[] {3}, op, "fc");
        int opcode = operatorCode(b, OP_FULLY_CONNECTED, 4);
        int[] buffers = {buffer(b, null), buffer(b, w), buffer(b, bb)};
        return model(b, opcode, subgraph, buffers, "pipefarm TinyModels.fullyConnected");
    }

    // QuantizationParameters { min:0, max:1, scale:2, zero_point:3, details_type:4, details:5, quantized_dimension:6 }
    private static int quant(FlatBufferBuilder b, float scale, long zeroPoint) {
        b.startVector(4, 1, 4);
        b.addFloat(scale);
        int scales = b.endVector();
        b.startVector(8, 1, 8);
        b.addLong(zeroPoint);
        int zps = b.endVector();
        b.startTable(7);
        b.addOffset(2, scales, 0);
        b.addOffset(3, zps, 0);
        return b.endTable();
    }

    // Tensor { shape:0, type:1, buffer:2, name:3, quantization:4, ... }
    private static int tensor(FlatBufferBuilder b, String name, int[] shape, byte type, int buffer, int quant) {
        int nameOff = b.createString(name);
        int shapeOff = intVector(b, shape);
        b.startTable(5);
        b.addOffset(0, shapeOff, 0);
        b.addByte(1, type, 0);
        b.addInt(2, buffer, 0);
        b.addOffset(3, nameOff, 0);
        b.addOffset(4, quant, 0);
        return b.endTable();
    }

    // Operator { opcode_index:0, inputs:1, outputs:2, builtin_options_type:3, builtin_options:4, ... }
    private static int operator(
            FlatBufferBuilder b, int opcodeIndex, int[] inputs, int[] outputs, byte optionsType, int options) {
        int in = intVector(b, inputs);
        int out = intVector(b, outputs);
        b.startTable(5);
        b.addInt(0, opcodeIndex, 0);
        b.addOffset(1, in, 0);
        b.addOffset(2, out, 0);
        b.addByte(3, optionsType, 0);
        b.addOffset(4, options, 0);
        return b.endTable();
    }

    // SubGraph { tensors:0, inputs:1, outputs:2, operators:3, name:4 }
    private static int subgraph(FlatBufferBuilder b, int[] tensors, int[] inputs, int[] outputs, int op, String name) {
        int tensorsOff = b.createVectorOfTables(tensors);
        int in = intVector(b, inputs);
        int out = intVector(b, outputs);
        int ops = b.createVectorOfTables(new int[] {op});
        int nameOff = b.createString(name);
        b.startTable(5);
        b.addOffset(0, tensorsOff, 0);
        b.addOffset(1, in, 0);
        b.addOffset(2, out, 0);
        b.addOffset(3, ops, 0);
        b.addOffset(4, nameOff, 0);
        return b.endTable();
    }

    // OperatorCode { deprecated_builtin_code:0 (byte), custom_code:1, version:2 (=1), builtin_code:3 }
    private static int operatorCode(FlatBufferBuilder b, int builtin, int version) {
        b.startTable(4);
        b.addByte(0, (byte) builtin, 0);
        b.addInt(2, version, 1);
        b.addInt(3, builtin, 0);
        return b.endTable();
    }

    // Buffer { data:0 [ubyte] (force_align: 16), offset:1, size:2 }
    private static int buffer(FlatBufferBuilder b, byte[] data) {
        int dataOff = 0;
        if (data != null) {
            b.startVector(1, data.length, 16);
            for (int i = data.length - 1; i >= 0; i--) b.addByte(data[i]);
            dataOff = b.endVector();
        }
        b.startTable(3);
        if (data != null) b.addOffset(0, dataOff, 0);
        return b.endTable();
    }

    // Model { version:0, operator_codes:1, subgraphs:2, description:3, buffers:4, ... }
    private static byte[] model(FlatBufferBuilder b, int opcode, int subgraph, int[] buffers, String description) {
        int opcodes = b.createVectorOfTables(new int[] {opcode});
        int subgraphs = b.createVectorOfTables(new int[] {subgraph});
        int desc = b.createString(description);
        int bufs = b.createVectorOfTables(buffers);
        b.startTable(5);
        b.addInt(0, 3, 0);
        b.addOffset(1, opcodes, 0);
        b.addOffset(2, subgraphs, 0);
        b.addOffset(3, desc, 0);
        b.addOffset(4, bufs, 0);
        int root = b.endTable();
        b.finish(root, "TFL3");
        return b.sizedByteArray();
    }

    private static int intVector(FlatBufferBuilder b, int[] values) {
        b.startVector(4, values.length, 4);
        for (int i = values.length - 1; i >= 0; i--) b.addInt(values[i]);
        return b.endVector();
    }
}
