package io.pipefarm.model.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** Ops the IR does not know survive a round trip verbatim. */
class TfliteOpaqueTest {

    private static byte[] table(ToIntFunction<FlatBufferBuilder> build) {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        b.finish(build.applyAsInt(b));
        return b.sizedByteArray();
    }

    static byte[] stridedSliceOptions() {
        return table(b -> {
            b.startTable(6);
            b.addInt(0, 5, 0); // begin_mask
            b.addInt(1, 3, 0); // end_mask
            b.addInt(4, 1, 0); // shrink_axis_mask
            b.addBoolean(5, true, false); // offset
            return b.endTable();
        });
    }

    static byte[] geluOptions() {
        return table(b -> {
            b.startTable(1);
            b.addBoolean(0, true, false); // approximate
            return b.endTable();
        });
    }

    static byte[] squeezeOptions() {
        return table(b -> {
            b.startVector(4, 2, 4);
            b.addInt(2);
            b.addInt(1);
            int dims = b.endVector();
            b.startTable(1);
            b.addOffset(0, dims, 0);
            return b.endTable();
        });
    }

    static byte[] fcOptions(int activation, int weightsFormat) {
        return table(b -> {
            b.startTable(2);
            b.addByte(0, (byte) activation, 0);
            b.addByte(1, (byte) weightsFormat, 0);
            return b.endTable();
        });
    }

    /** A graph of custom and unknown builtin ops (nothing has to run it). */
    static Graph opaqueGraph() {
        Quant q = Quant.perTensor(0.05f, 0);
        List<Tensor> ts = new ArrayList<>();
        ts.add(new Tensor(0, "x", DType.INT8, new int[] {1, 4, 4, 8}, q, null));
        ts.add(new Tensor(1, "tpu_out", DType.INT8, new int[] {1, 4, 4, 8}, q, null));
        ts.add(new Tensor(2, "begin", DType.INT32, new int[] {4}, null, le(0, 0, 0, 0)));
        ts.add(new Tensor(3, "end", DType.INT32, new int[] {4}, null, le(1, 2, 2, 8)));
        ts.add(new Tensor(4, "strides", DType.INT32, new int[] {4}, null, le(1, 1, 1, 1)));
        ts.add(new Tensor(5, "sliced", DType.INT8, new int[] {1, 2, 2, 8}, q, null));
        ts.add(new Tensor(6, "gelu", DType.INT8, new int[] {1, 2, 2, 8}, q, null));
        ts.add(new Tensor(7, "squeezed", DType.INT8, new int[] {1, 2, 8}, q, null));
        ts.add(new Tensor(8, "cast", DType.INT8, new int[] {2, 8}, q, null));
        ts.add(new Tensor(9, "fc_w", DType.INT8, new int[] {3, 8}, q, new byte[24]));
        ts.add(new Tensor(10, "fc1", DType.INT8, new int[] {2, 3}, q, null));
        ts.add(new Tensor(11, "fc2", DType.INT8, new int[] {2, 3}, q, null));
        byte[] custom = new byte[100];
        new SplittableRandom(1).nextBytes(custom);
        List<Op> ops = List.of(
                new Op(
                        0,
                        OpType.OPAQUE,
                        new int[] {0},
                        new int[] {1},
                        new OpOptions.Opaque(32, "edgetpu-custom-op", 1, 0, null, custom),
                        1),
                new Op(
                        1,
                        OpType.OPAQUE,
                        new int[] {1, 2, 3, 4},
                        new int[] {5},
                        new OpOptions.Opaque(45, null, 4, 32, stridedSliceOptions(), null),
                        4),
                new Op(
                        2,
                        OpType.OPAQUE,
                        new int[] {5},
                        new int[] {6},
                        new OpOptions.Opaque(150, null, 2, 116, geluOptions(), null),
                        2),
                new Op(
                        3,
                        OpType.OPAQUE,
                        new int[] {6},
                        new int[] {7},
                        new OpOptions.Opaque(43, null, 1, 30, squeezeOptions(), null),
                        1),
                new Op(
                        4,
                        OpType.OPAQUE,
                        new int[] {7},
                        new int[] {8},
                        new OpOptions.Opaque(53, null, 2, 0, null, null),
                        2),
                new Op(
                        5,
                        OpType.OPAQUE,
                        new int[] {8, 9, -1},
                        new int[] {10},
                        new OpOptions.Opaque(9, null, 1, 8, fcOptions(0, 1), null),
                        1),
                new Op(
                        6,
                        OpType.OPAQUE,
                        new int[] {10, 9, -1},
                        new int[] {11},
                        new OpOptions.Opaque(9, null, 1, 8, fcOptions(1, 0), null),
                        1));
        return new Graph("opaque", ts, ops, new int[] {0}, new int[] {11});
    }

    static byte[] le(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putInt(x);
        return b.array();
    }

    private static FlatView.Table rawTable(byte[] raw) throws TfliteFormatException {
        FlatView v = new FlatView(ByteBuffer.wrap(raw), null);
        return v.table(v.deref(0, "root"), "options");
    }

    @Test
    void opaqueOpsRoundTrip() throws Exception {
        Graph g0 = opaqueGraph();
        byte[] bytes0 = new TfliteWriter().write(g0);
        Graph g1 = TfliteReader.read(bytes0);
        byte[] bytes1 = new TfliteWriter().write(g1);
        assertArrayEquals(bytes0, bytes1, "read -> write gives the same bytes");
        assertEquals(g1, TfliteReader.read(bytes1), "write -> read gives an equal graph");
        assertEquals(g0.tensors(), g1.tensors());

        OpOptions.Opaque custom =
                assertInstanceOf(OpOptions.Opaque.class, g1.op(0).options());
        assertEquals(OpType.OPAQUE, g1.op(0).type());
        assertEquals("edgetpu-custom-op", custom.customCode());
        assertEquals(32, custom.builtinCode());
        assertArrayEquals(((OpOptions.Opaque) g0.op(0).options()).customOptions(), custom.customOptions());
        assertNull(custom.rawOptions());
        assertEquals("custom:edgetpu-custom-op", g1.op(0).label());

        OpOptions.Opaque ss = (OpOptions.Opaque) g1.op(1).options();
        assertEquals(45, ss.builtinCode());
        assertEquals(4, ss.version());
        assertEquals(4, g1.op(1).version());
        assertEquals(32, ss.optionsType());
        FlatView.Table t = rawTable(ss.rawOptions());
        assertEquals(5, t.i32(0, 0));
        assertEquals(3, t.i32(1, 0));
        assertEquals(0, t.i32(2, 0));
        assertEquals(1, t.i32(4, 0));
        assertTrue(t.bool(5, false));

        OpOptions.Opaque gelu = (OpOptions.Opaque) g1.op(2).options();
        assertEquals(150, gelu.builtinCode(), "codes over 127 come from builtin_code");
        assertTrue(rawTable(gelu.rawOptions()).bool(0, false));

        OpOptions.Opaque squeeze = (OpOptions.Opaque) g1.op(3).options();
        assertArrayEquals(new int[] {1, 2}, rawTable(squeeze.rawOptions()).ints(0, "squeeze_dims"));

        OpOptions.Opaque cast = (OpOptions.Opaque) g1.op(4).options();
        assertEquals(new OpOptions.Opaque(53, null, 2, 0, null, null), cast);

        // FULLY_CONNECTED with shuffled weights cannot be expressed by the IR: stays opaque
        assertEquals(OpType.OPAQUE, g1.op(5).type());
        assertEquals(
                1,
                rawTable(((OpOptions.Opaque) g1.op(5).options()).rawOptions()).i8(1, 0));
        assertArrayEquals(new int[] {8, 9, -1}, g1.op(5).inputs(), "absent optional inputs stay -1");
        // FULLY_CONNECTED with plain options becomes the known type
        assertEquals(OpType.FULLY_CONNECTED, g1.op(6).type());
        assertEquals(
                new OpOptions.FullyConnected(Activation.RELU, false), g1.op(6).options());
        assertEquals(6, g1.opaqueOps().size());
    }

    @Test
    void operatorCodesCarryBothCodeFieldsAndVersions() throws Exception {
        byte[] bytes = new TfliteWriter().write(opaqueGraph());
        FlatView v = new FlatView(ByteBuffer.wrap(bytes), null);
        FlatView.Table model = v.table(v.deref(0, "root"), "model");
        FlatView.Vec codes = model.vector(Schema.MODEL_OPERATOR_CODES, 4, "codes");
        // custom, strided slice v4, gelu v2, squeeze, cast v2, fc (opaque and known share code and version)
        assertEquals(6, codes.count());
        FlatView.Table gelu = model.element(codes, 2, "gelu");
        assertEquals(127, gelu.i8(Schema.OPCODE_DEPRECATED_BUILTIN_CODE, 0));
        assertEquals(150, gelu.i32(Schema.OPCODE_BUILTIN_CODE, 0));
        assertEquals(2, gelu.i32(Schema.OPCODE_VERSION, 1));
        FlatView.Table custom = model.element(codes, 0, "custom");
        assertEquals("edgetpu-custom-op", custom.string(Schema.OPCODE_CUSTOM_CODE, "c"));
        assertEquals(32, custom.i8(Schema.OPCODE_DEPRECATED_BUILTIN_CODE, 0));
    }
}
