package io.pipefarm.model.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.zoo.ModelZoo;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteRoundTripTest {

    @Test
    void coversEveryBuilderOpType() {
        Set<OpType> seen = EnumSet.noneOf(OpType.class);
        for (Op op : TfliteTestGraphs.allOps().ops()) seen.add(op.type());
        assertEquals(TfliteTestGraphs.builderTypes(), seen);
    }

    @Test
    void writeThenReadGivesEqualGraphAndReadThenWriteGivesSameBytes() throws Exception {
        for (Graph g : List.of(
                TfliteTestGraphs.allOps(), TfliteTestGraphs.branching(), TfliteTestGraphs.allOps("other", 99))) {
            byte[] bytes = new TfliteWriter().write(g);
            Graph back = TfliteReader.read(bytes);
            assertEquals(g, back, g.name());
            assertArrayEquals(bytes, new TfliteWriter().write(back), g.name());
        }
    }

    @Test
    void explicitDefaultFieldsAreAccepted() throws Exception {
        // Converters may write fields that hold their default value; the reader must see the same graph.
        Graph g = TfliteTestGraphs.allOps();
        byte[] verbose = new TfliteWriter(TfliteWriter.Naming.KEEP, true).write(g);
        byte[] plain = new TfliteWriter().write(g);
        assertTrue(verbose.length > plain.length);
        Graph back = TfliteReader.read(verbose);
        assertEquals(g, back);
        assertArrayEquals(plain, new TfliteWriter().write(back));
    }

    @Test
    void zooModelsRoundTrip() throws Exception {
        for (String name : ModelZoo.names()) {
            Graph g = ModelZoo.build(name);
            byte[] bytes = new TfliteWriter().write(g);
            Graph back = TfliteReader.read(bytes);
            assertEquals(g, back, name);
            assertArrayEquals(bytes, new TfliteWriter().write(back), name);
        }
    }

    @Test
    void deterministic() {
        byte[] a = new TfliteWriter().write(TfliteTestGraphs.allOps());
        byte[] b = new TfliteWriter().write(TfliteTestGraphs.allOps());
        assertArrayEquals(a, b);
        assertArrayEquals(a, new TfliteWriter().write(TfliteTestGraphs.allOps()));
        assertNotEquals(
                ByteBuffer.wrap(a), ByteBuffer.wrap(new TfliteWriter().write(TfliteTestGraphs.allOps("allops", 8))));
    }

    @Test
    void streamAndBufferGiveSameBytes() throws Exception {
        Graph g = TfliteTestGraphs.allOps();
        TfliteWriter w = new TfliteWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(g, out);
        assertArrayEquals(w.write(g), out.toByteArray());
        ByteBuffer bb = w.writeBuffer(g);
        byte[] viaBuffer = new byte[bb.remaining()];
        bb.get(viaBuffer);
        assertArrayEquals(w.write(g), viaBuffer);
    }

    @Test
    void layoutFollowsTheSchema() throws Exception {
        Graph g = TfliteTestGraphs.allOps();
        byte[] bytes = new TfliteWriter().write(g);
        assertEquals("TFL3", new String(bytes, 4, 4, StandardCharsets.US_ASCII));
        FlatView v = new FlatView(ByteBuffer.wrap(bytes), null);
        FlatView.Table model = v.table(v.deref(0, "root"), "model");
        assertEquals(3, model.i32(Schema.MODEL_VERSION, 0));
        assertEquals("pipefarm: allops", model.string(Schema.MODEL_DESCRIPTION, "d"));

        // buffers: 0 is empty, then one per constant, data aligned to 16
        FlatView.Vec buffers = model.vector(Schema.MODEL_BUFFERS, 4, "buffers");
        long constants = g.tensors().stream().filter(Tensor::isConstant).count();
        assertEquals(constants + 1, buffers.count());
        assertNull(model.element(buffers, 0, "b0").vector(Schema.BUFFER_DATA, 1, "data"));
        for (int i = 1; i < buffers.count(); i++) {
            FlatView.Vec data = model.element(buffers, i, "b").vector(Schema.BUFFER_DATA, 1, "data");
            assertEquals(0, data.start() % 16, "buffer " + i + " data alignment");
        }

        // operator codes: distinct, in order of first use, both code fields
        List<Integer> firstUse = new ArrayList<>(new LinkedHashSet<>(
                g.ops().stream().map(o -> o.type().builtinCode()).toList()));
        FlatView.Vec codes = model.vector(Schema.MODEL_OPERATOR_CODES, 4, "codes");
        assertEquals(firstUse.size(), codes.count());
        for (int i = 0; i < codes.count(); i++) {
            FlatView.Table c = model.element(codes, i, "code");
            assertEquals(firstUse.get(i), c.i32(Schema.OPCODE_BUILTIN_CODE, 0));
            assertEquals(Math.min(firstUse.get(i), 127), c.i8(Schema.OPCODE_DEPRECATED_BUILTIN_CODE, 0));
        }

        // activations point at buffer 0; per-channel quantisation keeps its dimension
        FlatView.Table sg = model.element(model.vector(Schema.MODEL_SUBGRAPHS, 4, "sg"), 0, "sg");
        FlatView.Vec tensors = sg.vector(Schema.SUBGRAPH_TENSORS, 4, "tensors");
        for (int i = 0; i < tensors.count(); i++) {
            FlatView.Table t = model.element(tensors, i, "t");
            int buffer = t.u32(Schema.TENSOR_BUFFER, 0);
            assertEquals(g.tensor(i).isConstant(), buffer != 0, "tensor " + i);
        }
        Graph back = TfliteReader.read(bytes);
        Tensor dwFilter = back.tensor(back.ops().stream()
                .filter(o -> o.type() == OpType.DEPTHWISE_CONV_2D)
                .findFirst()
                .orElseThrow()
                .input(1));
        Quant q = dwFilter.quant();
        assertTrue(q.perChannel());
        assertEquals(3, q.axis());
        Tensor bias = back.tensor(back.op(0).input(2));
        assertEquals(DType.INT32, bias.type());
    }

    @Test
    void readsFromPathAndSharesBufferArraysPerTensor(@TempDir Path dir) throws Exception {
        Graph g = TfliteTestGraphs.branching();
        Path f = dir.resolve("branchy.tflite");
        Files.write(f, new TfliteWriter().write(g));
        assertEquals(g, TfliteReader.read(f));
    }

    @Test
    void canonicalNamingIgnoresNames() throws Exception {
        Graph g = TfliteTestGraphs.allOps();
        Graph other = TfliteTestGraphs.renamed(g, "something else", "x_");
        TfliteWriter canonical = TfliteWriter.canonical();
        assertArrayEquals(canonical.write(g), canonical.write(other));
        assertNotEquals(ByteBuffer.wrap(new TfliteWriter().write(g)), ByteBuffer.wrap(new TfliteWriter().write(other)));
        Graph back = TfliteReader.read(canonical.write(g));
        assertEquals("main", back.name());
        assertEquals("t5", back.tensor(5).name());
        assertEquals(TfliteTestGraphs.renamed(g, "main", "t"), back);
    }

    @Test
    void estimateIsAnUpperBound() {
        for (Graph g : List.of(TfliteTestGraphs.allOps(), TfliteTestGraphs.branching())) {
            assertTrue(TfliteWriter.estimate(g) >= new TfliteWriter().write(g).length);
        }
    }

    @Test
    void modelsOverTwoGigabytesAreRefusedClearly() {
        byte[] shared = new byte[64 << 20]; // one array shared by 40 constants: 2.5 GB of model, 64 MB of heap
        List<Tensor> ts = new ArrayList<>();
        ts.add(new Tensor(0, "in", DType.INT8, new int[] {1, 4}, Quant.perTensor(0.1f, 0), null));
        ts.add(new Tensor(1, "out", DType.INT8, new int[] {1, 4}, Quant.perTensor(1f / 128, 0), null));
        for (int i = 0; i < 40; i++) {
            ts.add(new Tensor(2 + i, "w" + i, DType.INT8, new int[] {shared.length}, Quant.perTensor(0.1f, 0), shared));
        }
        Op tanh = new Op(0, OpType.TANH, new int[] {0}, new int[] {1}, new OpOptions.None(), 1);
        Graph g = new Graph("huge", ts, List.of(tanh), new int[] {0}, new int[] {1});
        IllegalArgumentException e =
                Assertions.assertThrows(IllegalArgumentException.class, () -> new TfliteWriter().write(g));
        assertTrue(e.getMessage().contains("2 GB"), e.getMessage());
    }
}
