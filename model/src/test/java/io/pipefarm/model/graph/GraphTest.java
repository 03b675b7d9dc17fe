package io.pipefarm.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {

    /** x -> conv a -> conv b -> conv c -> add(c, a) -> y: a residual block whose skip tensor is a. */
    private record Residual(Graph g, int x, int a, int b, int c, int y) {}

    private static Residual residual() {
        GraphBuilder gb = new GraphBuilder("residual", 1L);
        int x = gb.input("x", 1, 8, 8, 4);
        int a = gb.conv2d(x, 4, 1, 1, Padding.SAME, Activation.RELU);
        int b = gb.conv2d(a, 4, 3, 1, Padding.SAME, Activation.RELU);
        int c = gb.conv2d(b, 4, 3, 1, Padding.SAME, Activation.NONE);
        int y = gb.add(c, a, Activation.RELU);
        return new Residual(gb.build(y), x, a, b, c, y);
    }

    @Test
    void skipTensorCrossesEveryCutInsideTheBlock() {
        Residual r = residual();
        Graph g = r.g();
        assertEquals(4, g.size());
        assertArrayEquals(new int[] {r.x()}, g.crossing(0));
        assertArrayEquals(new int[] {r.a()}, g.crossing(1));
        assertArrayEquals(new int[] {r.a(), r.b()}, g.crossing(2));
        assertArrayEquals(new int[] {r.a(), r.c()}, g.crossing(3));
        assertArrayEquals(new int[] {r.y()}, g.crossing(4));
        for (int cut = 2; cut <= 3; cut++) {
            final int c = cut;
            assertTrue(Arrays.stream(g.crossing(c)).anyMatch(t -> t == r.a()), "skip crosses cut " + c);
            assertEquals(2 * 8 * 8 * 4, g.crossingBytes(c));
        }
        assertEquals(-1, g.producer(r.x()));
        assertEquals(0, g.producer(r.a()));
        assertEquals(3, g.lastUse(r.a()));
        assertEquals(4, g.lastUse(r.y()));
        assertTrue(g.isGraphOutput(r.y()));
        assertThrows(IllegalArgumentException.class, () -> g.crossing(5));
    }

    @Test
    void segmentIo() {
        Residual r = residual();
        Graph g = r.g();
        Graph.SegmentIo s = g.segmentIo(1, 3);
        assertArrayEquals(new int[] {r.a()}, s.inputs());
        assertArrayEquals(new int[] {r.c()}, s.outputs());
        s = g.segmentIo(0, 2);
        assertArrayEquals(new int[] {r.x()}, s.inputs());
        assertArrayEquals(new int[] {r.a(), r.b()}, s.outputs());
        s = g.segmentIo(2, 4);
        assertArrayEquals(new int[] {r.a(), r.b()}, s.inputs());
        assertArrayEquals(new int[] {r.y()}, s.outputs());
        s = g.segmentIo(0, 4);
        assertArrayEquals(new int[] {r.x()}, s.inputs());
        assertArrayEquals(new int[] {r.y()}, s.outputs());
        assertThrows(IllegalArgumentException.class, () -> g.segmentIo(2, 2));
        assertThrows(IllegalArgumentException.class, () -> g.segmentIo(0, 5));
    }

    @Test
    void topologicalOrderViolationIsRejected() {
        Graph g = residual().g();
        List<Op> swapped = new ArrayList<>();
        int[] order = {1, 0, 2, 3};
        for (int i = 0; i < order.length; i++) {
            Op o = g.op(order[i]);
            swapped.add(new Op(i, o.type(), o.inputs(), o.outputs(), o.options(), o.version()));
        }
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new Graph("bad", g.tensors(), swapped, g.inputs(), g.outputs()));
        assertTrue(e.getMessage().contains("not topological"), e.getMessage());
        // The same ops in their original order are fine.
        assertEquals(g, new Graph("residual", g.tensors(), g.ops(), g.inputs(), g.outputs()));
    }

    @Test
    void producedTwiceAndMissingOutputAreRejected() {
        Graph g = residual().g();
        List<Op> dup = new ArrayList<>(g.ops());
        Op o = g.op(1);
        dup.set(1, new Op(1, o.type(), o.inputs(), g.op(0).outputs(), o.options(), o.version()));
        assertThrows(IllegalArgumentException.class, () -> new Graph("dup", g.tensors(), dup, g.inputs(), g.outputs()));
    }

    @Test
    void macsOnHandComputedExamples() {
        GraphBuilder gb = new GraphBuilder("macs", 1L);
        int x = gb.input("x", 1, 8, 8, 4);
        // conv 3x3, 4 -> 8, stride 1, SAME: 8*8*8 outputs x 3*3*4 = 18,432
        int c = gb.conv2d(x, 8, 3, 1, Padding.SAME, Activation.RELU);
        // depthwise 3x3 stride 2 SAME on 8x8x8: 4*4*8 outputs x 9 = 1,152
        int d = gb.depthwiseConv2d(c, 3, 2, Padding.SAME, Activation.RELU);
        // conv 3x3 stride 2 VALID on 4x4x8 -> 1x1x5: 5 x 72 = 360
        int v = gb.conv2d(d, 5, 3, 2, Padding.VALID, Activation.NONE);
        int r = gb.reshape(v, 1, 5);
        // fully connected 5 -> 10: 10 x 5 = 50
        int f = gb.fullyConnected(r, 10, Activation.NONE);
        Graph g = gb.build(f);
        assertEquals(18_432, OpCost.macs(g, g.op(0)));
        assertEquals(1_152, OpCost.macs(g, g.op(1)));
        assertEquals(360, OpCost.macs(g, g.op(2)));
        assertEquals(0, OpCost.macs(g, g.op(3)));
        assertEquals(50, OpCost.macs(g, g.op(4)));
        assertEquals(18_432 + 1_152 + 360 + 50, OpCost.totalMacs(g));
        // Parameters: conv 8*3*3*4 + 8 biases; dw 3*3*8 + 8; conv 5*3*3*8 + 5; fc 10*5 + 10.
        assertEquals(296, OpCost.paramCount(g, g.op(0)));
        assertEquals(80, OpCost.paramCount(g, g.op(1)));
        assertEquals(365, OpCost.paramCount(g, g.op(2)));
        assertEquals(60, OpCost.paramCount(g, g.op(4)));
        // Bytes: int8 weights + int32 biases.
        assertEquals(288 + 8 * 4, OpCost.paramBytes(g, g.op(0)));
        assertArrayEquals(new int[] {1, 4, 4, 8}, g.tensor(d).shape());
        assertArrayEquals(new int[] {1, 1, 1, 5}, g.tensor(v).shape());
    }

    @Test
    void signedConvOutputForConcatenation() {
        GraphBuilder gb = new GraphBuilder("concat", 1L);
        int x = gb.input("x", 1, 4, 4, 3);
        int relu = gb.conv2d(x, 4, 1, 1, 1, 1, Padding.SAME, Activation.RELU, true);
        int linear = gb.conv2d(x, 4, 1, 1, Padding.SAME, Activation.NONE);
        assertThrows(IllegalArgumentException.class, () -> gb.concat(3, relu, linear));
        int reluSigned = gb.conv2d(x, 4, 1, 1, 1, 1, Padding.SAME, Activation.RELU, true, true);
        assertEquals(GraphBuilder.SIGNED, gb.build(linear).tensor(reluSigned).quant());
        int cat = gb.concat(3, gb.maxPool(reluSigned, 2, 1, Padding.SAME), linear);
        assertEquals(8, gb.channels(cat));
    }
}
