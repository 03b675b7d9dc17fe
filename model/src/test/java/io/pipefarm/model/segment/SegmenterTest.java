package io.pipefarm.model.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteReader;
import io.pipefarm.model.tflite.TfliteTestGraphs;
import io.pipefarm.model.tflite.TfliteWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SegmenterTest {
    private final Segmenter segmenter = new Segmenter();

    @Test
    void cutValidation() {
        Graph g = TfliteTestGraphs.allOps(); // 20 ops
        int n = g.size();
        for (int[] bad : new int[][] {{0}, {n}, {-1}, {57}, {3, 3}, {5, 4}, {2, 9, 7}}) {
            assertThrows(IllegalArgumentException.class, () -> segmenter.segmentAll(g, bad));
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> segmenter.segmentAll(g, new int[] {4, 57}));
        assertEquals("cut 57 is out of range: allops has " + n + " ops, cuts must be 1.." + (n - 1), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Segmenter.checkCuts(g, new int[] {3, 3}));
        assertTrue(e.getMessage().contains("cut 3") && e.getMessage().contains("unique"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Segmenter.checkCuts(g, new int[] {5, 4}));
        assertTrue(
                e.getMessage().contains("cut 4 follows cut 5") && e.getMessage().contains("strictly increasing"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> segmenter.segment(g, 5, 5));
        assertTrue(e.getMessage().contains("[5, 5)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> segmenter.segment(g, 0, n + 1));
        // no cuts: the whole model
        assertEquals(1, segmenter.segmentAll(g, new int[0]).size());
        assertArrayEquals(new int[][] {{0, 1}, {1, n - 1}, {n - 1, n}}, Segmenter.ranges(g, new int[] {1, n - 1}));
    }

    @Test
    void segmentsCoverTheModelWithTheRightIo() throws Exception {
        Graph g = TfliteTestGraphs.allOps();
        int[] cuts = {3, 9, 15};
        List<Segment> segs = segmenter.segmentAll(g, cuts);
        assertEquals(4, segs.size());
        int next = 0;
        for (Segment s : segs) {
            assertEquals(next, s.start());
            next = s.end();
            Graph.SegmentIo io = g.segmentIo(s.start(), s.end());
            assertArrayEquals(io.inputs(), s.inputs());
            assertArrayEquals(io.outputs(), s.outputs());
            checkSegment(g, s);
        }
        assertEquals(g.size(), next);
    }

    /** The segment graph matches its parent op by op, tensor by tensor; its bytes read back to it. */
    private static void checkSegment(Graph g, Segment s) throws Exception {
        Graph sub = s.graph();
        assertEquals(g.name() + "[" + s.start() + "," + s.end() + ")", sub.name());
        assertEquals(s.end() - s.start(), sub.size());
        int[] parentOf = new int[sub.tensors().size()];
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < sub.size(); k++) {
            Op op = sub.op(k);
            Op parent = g.op(s.start() + k);
            assertEquals(parent.type(), op.type());
            assertEquals(parent.options(), op.options());
            for (int a = 0; a < op.inputCount(); a++) {
                if (parent.input(a) < 0) {
                    assertEquals(-1, op.input(a));
                    continue;
                }
                parentOf[op.input(a)] = parent.input(a);
                if (!order.contains(op.input(a))) order.add(op.input(a));
            }
            for (int a = 0; a < op.outputCount(); a++) {
                parentOf[op.output(a)] = parent.output(a);
                if (!order.contains(op.output(a))) order.add(op.output(a));
            }
        }
        // ids in order of first appearance
        for (int i = 0; i < order.size(); i++) assertEquals(i, order.get(i));
        assertEquals(order.size(), sub.tensors().size());
        for (Tensor t : sub.tensors()) {
            Tensor p = g.tensor(parentOf[t.id()]);
            assertEquals(p.name(), t.name());
            assertArrayEquals(p.shape(), t.shape());
            if (p.isConstant()) assertSame(p.data(), t.data(), "constant data is shared, not copied");
        }
        int[] in = sub.inputs();
        for (int k = 0; k < in.length; k++) assertEquals(s.inputs()[k], parentOf[in[k]]);
        int[] out = sub.outputs();
        for (int k = 0; k < out.length; k++) assertEquals(s.outputs()[k], parentOf[out[k]]);

        assertEquals(Segmenter.sha256(s.bytes()), s.key());
        assertEquals(64, s.key().length());
        assertEquals(s.key().toLowerCase(Locale.ROOT), s.key());
        // canonical bytes: reading them gives the segment with canonical names
        assertEquals(TfliteTestGraphs.renamed(sub, "main", "t"), TfliteReader.read(s.bytes()));
    }

    @Test
    void branchingGraphTensorCrossingSeveralCuts() throws Exception {
        Graph g = TfliteTestGraphs.branching();
        int a = g.op(0).output(0);
        int aux = g.op(2).output(0);
        for (int c = 1; c <= 4; c++) assertTrue(contains(g.crossing(c), a), "a crosses cut " + c);

        List<Segment> segs = segmenter.segmentAll(g, new int[] {1, 2, 3, 4, 5});
        assertEquals(6, segs.size());
        for (Segment s : segs) checkSegment(g, s);
        // `a` crosses cuts 1..4 but only the segments reading it list it as an input
        assertTrue(contains(segs.get(0).outputs(), a));
        assertTrue(contains(segs.get(1).inputs(), a));
        assertTrue(!contains(segs.get(2).inputs(), a) && !contains(segs.get(3).inputs(), a));
        assertTrue(contains(segs.get(4).inputs(), a));
        // a model output produced mid-graph is an output of its segment
        assertTrue(contains(segs.get(2).outputs(), aux));

        // one segment spanning the branch: `a` is internal, aux is still an output
        Segment mid = segmenter.segment(g, 0, 5);
        assertArrayEquals(g.inputs(), mid.inputs());
        assertTrue(contains(mid.outputs(), aux));
        assertTrue(!contains(mid.outputs(), a));
        checkSegment(g, mid);
        // two-output segment: order follows the parent's ids
        Segment two = segmenter.segment(g, 1, 5);
        assertArrayEquals(g.segmentIo(1, 5).outputs(), two.outputs());
        assertArrayEquals(new int[] {a}, two.inputs(), "a is read by ops 1 and 4, listed once");
        assertEquals(2, two.graph().outputs().length);
        checkSegment(g, two);
    }

    @Test
    void sameInputSameBytesAndKeys() {
        Graph g1 = TfliteTestGraphs.allOps();
        Graph g2 = TfliteTestGraphs.allOps();
        List<Segment> s1 = segmenter.segmentAll(g1, new int[] {4, 11});
        List<Segment> s2 = new Segmenter().segmentAll(g2, new int[] {4, 11});
        for (int k = 0; k < s1.size(); k++) {
            assertArrayEquals(s1.get(k).bytes(), s2.get(k).bytes());
            assertEquals(s1.get(k).key(), s2.get(k).key());
            assertEquals(s1.get(k), s2.get(k));
            assertEquals(
                    s1.get(k).key(),
                    segmenter.key(g1, s1.get(k).start(), s1.get(k).end()));
        }
        Set<String> keys = new HashSet<>();
        for (Segment s : s1) keys.add(s.key());
        assertEquals(s1.size(), keys.size());
    }

    @Test
    void equalSegmentsOfDifferentModelsShareKeys() {
        Graph g = TfliteTestGraphs.allOps();
        Graph other = TfliteTestGraphs.renamed(g, "another model", "layer/");
        assertEquals(segmenter.key(g, 2, 9), segmenter.key(other, 2, 9));
        assertNotEquals(segmenter.key(g, 2, 9), segmenter.key(g, 2, 10));
        // with a name-keeping writer, names are part of the bytes
        Segmenter keeping = new Segmenter(new TfliteWriter());
        assertNotEquals(keeping.key(g, 2, 9), keeping.key(other, 2, 9));
        Segment s = keeping.segment(g, 2, 9);
        assertEquals(Segmenter.sha256(s.bytes()), s.key());
    }

    @Test
    void forEachHandsOverSegmentsInOrder() {
        Graph g = TfliteTestGraphs.allOps();
        List<int[]> seen = new ArrayList<>();
        segmenter.forEachSegment(g, new int[] {10}, s -> seen.add(new int[] {s.start(), s.end()}));
        assertArrayEquals(new int[][] {{0, 10}, {10, g.size()}}, seen.toArray(new int[0][]));
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) if (v == x) return true;
        return false;
    }
}
