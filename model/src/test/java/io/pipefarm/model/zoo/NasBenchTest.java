package io.pipefarm.model.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.GraphBuilder;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import java.util.List;
import org.junit.jupiter.api.Test;

class NasBenchTest {
    static final String C3 = CellSpec.CONV3X3, C1 = CellSpec.CONV1X1, MP = CellSpec.MAXPOOL3X3;

    /** The reference's check spec. */
    static CellSpec checkSpec() {
        return CellSpec.of(
                new int[][] {
                    {0, 1, 1, 1, 1, 0, 0},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 1, 0},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 0}
                },
                List.of("input", C3, C1, MP, C3, C3, "output"));
    }

    @Test
    void checkValue() {
        CellSpec spec = checkSpec();
        assertEquals(2_694_282L, NasBenchNetwork.trainableParams(spec));
        Graph g = NasBenchNetwork.build(spec, 7L);
        // Folded: each conv's 2 BN parameters per channel become 1 bias per channel.
        long bnChannels = 2_694_282L - NasBenchNetwork.foldedParams(spec);
        assertEquals(NasBenchNetwork.foldedParams(spec), OpCost.totalParamCount(g));
        assertEquals(2_688_778L, OpCost.totalParamCount(g));
        assertEquals(5_504L, bnChannels);
        assertEquals(96, g.size());
        assertEquals(403_780_608L, OpCost.totalMacs(g));
        assertArrayEquals(new int[] {1, 32, 32, 3}, g.tensor(g.inputs()[0]).shape());
        assertArrayEquals(new int[] {1, 10}, g.tensor(g.outputs()[0]).shape());
        assertEquals(g, NasBenchNetwork.build(spec, 7L));
    }

    @Test
    void checkSpecStructure() {
        Graph g = NasBenchNetwork.build(checkSpec(), 1L);
        // Per cell: 4 projections of the input, 4 convs (vertices 1, 2, 4, 5), 1 maxpool (vertex 3),
        // 1 concat of 4 (vertices 1, 2, 3, 5).
        assertEquals(9, count(g, OpType.CONCATENATION));
        assertEquals(1 + 9 * (4 + 4), count(g, OpType.CONV_2D));
        assertEquals(9 + 2, count(g, OpType.MAX_POOL_2D));
        assertEquals(1, count(g, OpType.MEAN));
        assertEquals(1, count(g, OpType.RESHAPE));
        assertEquals(1, count(g, OpType.FULLY_CONNECTED));
        // 128 / 4 = 32 channels per output vertex; vertex 4 takes the max of its successor (vertex 5).
        assertArrayEquals(new int[] {128, 32, 32, 32, 32, 32, 128}, checkSpec().vertexChannels(128, 128));
        for (Op op : g.ops()) {
            if (op.type() == OpType.CONCATENATION) {
                assertEquals(GraphBuilder.NON_NEGATIVE, g.tensor(op.output(0)).quant());
            }
        }
    }

    @Test
    void channelSplitAndTruncation() {
        // Three output vertices: 128 = 43 + 43 + 42; vertex 1 feeds 2 and 3 (truncated to their widths).
        CellSpec spec = CellSpec.of(
                new int[][] {
                    {0, 1, 0, 0, 0},
                    {0, 0, 1, 1, 1},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0}
                },
                List.of("input", C3, C1, MP, "output"));
        assertArrayEquals(new int[] {128, 43, 43, 42, 128}, spec.vertexChannels(128, 128));
        // Vertex 1 has no edge to the output: it takes the widest successor.
        CellSpec chain = CellSpec.of(
                new int[][] {
                    {0, 1, 0, 0, 0},
                    {0, 0, 1, 1, 0},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0}
                },
                List.of("input", C3, C1, C3, "output"));
        assertArrayEquals(new int[] {256, 128, 128, 128, 256}, chain.vertexChannels(256, 256));
        assertArrayEquals(new int[] {128, 129, 129, 128, 257}, chain.vertexChannels(128, 257));
        Graph g = NasBenchNetwork.build(spec, 3L);
        assertTrue(count(g, OpType.SLICE) > 0, "vertex 1 (43 channels) is truncated to 42 for vertex 3");
        assertEquals(NasBenchNetwork.foldedParams(spec), OpCost.totalParamCount(g));
        assertEquals(NasBenchNetwork.foldedParams(chain), OpCost.totalParamCount(NasBenchNetwork.build(chain, 3L)));
    }

    @Test
    void inputOnlyCell() {
        CellSpec spec = CellSpec.of(new int[][] {{0, 1}, {0, 0}}, List.of("input", "output"));
        Graph g = NasBenchNetwork.build(spec, 1L);
        // stem + 9 projections, 2 maxpools, mean, reshape, dense
        assertEquals(1 + 9 + 2 + 3, g.size());
        assertEquals(NasBenchNetwork.foldedParams(spec), OpCost.totalParamCount(g));
        long expected = 27 * 128
                + 2 * 128 // stem
                + 3 * (128 * 128 + 2 * 128) // stack 1
                + (128 * 256 + 512)
                + 2 * (256 * 256 + 512) // stack 2
                + (256 * 512 + 1024)
                + 2 * (512 * 512 + 1024) // stack 3
                + 5130;
        assertEquals(expected, NasBenchNetwork.trainableParams(spec));
    }

    @Test
    void pruning() {
        // Vertex 2 is a dead end (no path to output), vertex 3 is unreachable from the input.
        CellSpec spec = CellSpec.of(
                new int[][] {
                    {0, 1, 1, 0, 0},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0},
                    {0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0}
                },
                List.of("input", C3, MP, C1, "output"));
        assertTrue(spec.wasPruned());
        assertEquals(3, spec.vertices());
        assertEquals(List.of("input", C3, "output"), spec.ops());
        assertArrayEquals(new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, spec.matrix());
        assertEquals(5, spec.originalMatrix().length);
        assertEquals(spec.pruned().hash(), spec.hash());
        assertFalse(spec.pruned().wasPruned());
    }

    @Test
    void edgeLimitIsCheckedAfterPruning() {
        // 10 edges given, but vertex 5 cannot reach the output: pruning removes 3 of them.
        int[][] m = new int[7][7];
        int[][] edges = {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}, {3, 4}, {4, 6}, {0, 5}, {1, 5}, {2, 5}};
        for (int[] e : edges) m[e[0]][e[1]] = 1;
        List<String> ops = List.of("input", C3, C3, C1, MP, C3, "output");
        CellSpec spec = CellSpec.of(m, ops);
        assertEquals(7, spec.edges());
        assertEquals(6, spec.vertices());
        // Now make vertex 5 feed the output: 11 edges survive.
        m[5][6] = 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellSpec.of(m, ops));
        assertTrue(e.getMessage().contains("11 edges after pruning"), e.getMessage());
    }

    @Test
    void validationMessages() {
        List<String> ops3 = List.of("input", C3, "output");
        assertMessage("cannot reach the output", new int[][] {{0, 1, 0}, {0, 0, 0}, {0, 0, 0}}, ops3);
        assertMessage("not strictly upper triangular", new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 1, 0}}, ops3);
        assertMessage("self-loop", new int[][] {{0, 1, 0}, {0, 1, 1}, {0, 0, 0}}, ops3);
        assertMessage("must be 0 or 1", new int[][] {{0, 2, 0}, {0, 0, 1}, {0, 0, 0}}, ops3);
        assertMessage("not square", new int[][] {{0, 1, 0}, {0, 0}, {0, 0, 0}}, ops3);
        assertMessage("ops has 2 entries", new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, List.of("input", "output"));
        assertMessage(
                "ops[0] must be \"input\"", new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, List.of(C3, C3, "output"));
        assertMessage("must be \"output\"", new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, List.of("input", C3, C3));
        assertMessage(
                "\"conv5x5\" is not one of",
                new int[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}},
                List.of("input", "conv5x5", "output"));
        assertMessage("at most 7", new int[8][8], List.of("input", C3, C3, C3, C3, C3, C3, "output"));
        assertMessage("at least 2", new int[][] {{0}}, List.of("input"));
        assertFalse(CellSpec.isValid(new int[][] {{0, 0}, {0, 0}}, List.of("input", "output")));
        assertTrue(CellSpec.isValid(new int[][] {{0, 1}, {0, 0}}, List.of("input", "output")));
    }

    private static void assertMessage(String part, int[][] m, List<String> ops) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellSpec.of(m, ops));
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    @Test
    void hashIsInvariantUnderVertexRenumbering() {
        CellSpec a = checkSpec();
        // Swap interior vertices 1 <-> 3 and 2 <-> 4 is not topological in general; instead relabel by
        // a permutation that keeps the matrix upper triangular: 1<->2 (both are sinks into the output).
        CellSpec b = CellSpec.of(
                new int[][] {
                    {0, 1, 1, 1, 1, 0, 0},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 1, 0},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 0}
                },
                List.of("input", C1, C3, MP, C3, C3, "output"));
        assertEquals(a.hash(), b.hash());
        assertNotEquals(a, b);
        // Moving the 2-vertex chain to the front: vertices 1 -> 2 -> out, then the three sinks.
        CellSpec c = CellSpec.of(
                new int[][] {
                    {0, 1, 0, 1, 1, 1, 0},
                    {0, 0, 1, 0, 0, 0, 0},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1},
                    {0, 0, 0, 0, 0, 0, 0}
                },
                List.of("input", C3, C3, MP, C1, C3, "output"));
        assertEquals(a.hash(), c.hash());
        // A different op on the chain changes the hash.
        CellSpec d = CellSpec.of(c.originalMatrix(), List.of("input", C1, C3, MP, C1, C3, "output"));
        assertNotEquals(a.hash(), d.hash());
        // Same ops, different wiring.
        int[][] m = c.originalMatrix();
        m[0][5] = 0;
        m[1][5] = 1;
        assertNotEquals(c.hash(), CellSpec.of(m, c.originalOps()).hash());
        assertEquals(32, a.hash().length());
    }

    private static long count(Graph g, OpType type) {
        return g.ops().stream().filter(o -> o.type() == type).count();
    }
}
