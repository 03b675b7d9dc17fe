package io.pipefarm.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.pipefarm.agent.tflite.TensorInfo;
import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteInterpreter;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.tflite.TfliteWriter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test helper: runs a graph whole and as a chain of segments in-process with {@link TfliteInterpreter}
 * (on the calling thread), carrying tensors between segments by parent tensor id.
 */
final class SegmentChain {
    private static final Logger log = LoggerFactory.getLogger(SegmentChain.class);

    static final int THREADS = 2;
    static final int SEGMENTATIONS = 3;

    private SegmentChain() {}

    /** Result of a whole-model run: output bytes by parent tensor id, and the timed latency. */
    record Whole(Map<Integer, byte[]> outputs, long firstNs, long steadyNs, long bytes) {}

    /** Seeded random bytes for every graph input, by parent tensor id. */
    static Map<Integer, byte[]> randomInputs(Graph g, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<Integer, byte[]> in = new HashMap<>();
        for (int id : g.inputs()) {
            byte[] b = new byte[Math.toIntExact(g.tensor(id).byteSize())];
            for (int k = 0; k < b.length; k++) b[k] = (byte) rnd.nextInt(256);
            in.put(id, b);
        }
        return in;
    }

    /**
     * Runs {@code g} whole: once (first run), then {@code timedRuns} more timed runs whose median is
     * the steady latency; the outputs are those of the last run (checked equal to the first run's).
     */
    static Whole runWhole(Graph g, Map<Integer, byte[]> inputs, int timedRuns) {
        byte[] model = new TfliteWriter().write(g);
        try (TfliteInterpreter interp = TfliteInterpreter.create(model, THREADS)) {
            bind(interp, g.name(), g.inputs(), g, inputs);
            long first = interp.invokeTimed();
            Map<Integer, byte[]> out = collect(interp, g.name(), g.outputs(), g);
            long[] t = new long[timedRuns];
            for (int r = 0; r < timedRuns; r++) t[r] = interp.invokeTimed();
            Arrays.sort(t);
            Map<Integer, byte[]> again = collect(interp, g.name(), g.outputs(), g);
            for (int id : g.outputs()) {
                assertArrayEquals(out.get(id), again.get(id), g.name() + ": repeated runs on one input differ");
            }
            return new Whole(out, first, timedRuns == 0 ? first : t[timedRuns / 2], model.length);
        }
    }

    /** Sorted distinct cuts of a seeded random segmentation into 2..4 stages (fewer if the graph is small). */
    static int[] randomCuts(Graph g, SplittableRandom rnd) {
        int n = g.size();
        int stages = Math.min(2 + rnd.nextInt(3), n);
        TreeSet<Integer> cuts = new TreeSet<>();
        while (cuts.size() < stages - 1) cuts.add(1 + rnd.nextInt(n - 1));
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Runs the segments of {@code cuts} one after the other, each built, written and run on its own
     * (so that only one segment's bytes live at a time); returns the model outputs by parent id.
     */
    static Map<Integer, byte[]> runChain(Graph g, int[] cuts, Map<Integer, byte[]> inputs) {
        Segmenter segmenter = new Segmenter();
        Map<Integer, byte[]> live = new HashMap<>(inputs);
        Map<Integer, byte[]> modelOutputs = new HashMap<>();
        segmenter.forEachSegment(g, cuts, seg -> {
            String label = g.name() + "[" + seg.start() + "," + seg.end() + ") of cuts " + Arrays.toString(cuts);
            assertEquals(Segmenter.sha256(seg.bytes()), seg.key(), label + ": key is not the SHA-256 of the bytes");
            try (TfliteInterpreter interp = TfliteInterpreter.create(seg.bytes(), THREADS)) {
                bind(interp, label, seg.inputs(), g, live);
                interp.invoke();
                Map<Integer, byte[]> out = collect(interp, label, seg.outputs(), g);
                live.putAll(out);
                for (int id : seg.outputs()) if (g.isGraphOutput(id)) modelOutputs.put(id, out.get(id));
            } catch (TfliteException e) {
                throw new AssertionError(
                        label + " (inputs " + describe(g, seg.inputs()) + ", outputs "
                                + describe(g, seg.outputs()) + ", ops "
                                + g.op(seg.start()).label() + ".."
                                + g.op(seg.end() - 1).label()
                                + "): " + e.getMessage(),
                        e);
            }
            dropDead(g, live, seg);
        });
        return modelOutputs;
    }

    /** Forgets carried tensors no later op reads (keeps memory flat on big models). */
    private static void dropDead(Graph g, Map<Integer, byte[]> live, Segment seg) {
        live.keySet().removeIf(id -> !g.isGraphOutput(id) && g.lastUse(id) < seg.end());
    }

    /** Sets the interpreter's inputs from {@code values} by the parent ids {@code ids} (interpreter input order). */
    private static void bind(
            TfliteInterpreter interp, String label, int[] ids, Graph parent, Map<Integer, byte[]> values) {
        assertEquals(ids.length, interp.inputs().size(), label + ": input count");
        for (int k = 0; k < ids.length; k++) {
            TensorInfo info = interp.inputs().get(k);
            Tensor t = parent.tensor(ids[k]);
            assertEquals(t.byteSize(), info.byteSize(), label + ": byte size of input " + k + " (" + t.name() + ")");
            assertEquals(
                    Arrays.stream(t.shape()).boxed().toList(),
                    info.shape(),
                    label + ": shape of input " + k + " (" + t.name() + ")");
            if (t.quant() != null && t.quant().count() == 1) {
                assertEquals(
                        t.quant().scale(0), info.scale(), 0f, label + ": scale of input " + k + " (" + t.name() + ")");
            }
            byte[] v = values.get(ids[k]);
            assertNotNull(
                    v,
                    () -> label + ": no value for input tensor " + t.name() + " (not produced by an earlier segment)");
            interp.setInput(k, v);
        }
    }

    private static Map<Integer, byte[]> collect(TfliteInterpreter interp, String label, int[] ids, Graph parent) {
        assertEquals(ids.length, interp.outputs().size(), label + ": output count");
        Map<Integer, byte[]> out = new HashMap<>();
        for (int k = 0; k < ids.length; k++) {
            byte[] b = interp.output(k);
            assertEquals(parent.tensor(ids[k]).byteSize(), b.length, label + ": byte size of output " + k);
            out.put(ids[k], b);
        }
        return out;
    }

    private static String describe(Graph g, int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int id : ids) {
            Tensor t = g.tensor(id);
            if (sb.length() > 1) sb.append(", ");
            sb.append(id)
                    .append(' ')
                    .append(t.name())
                    .append(Arrays.toString(t.shape()))
                    .append(" producer ")
                    .append(g.producer(id))
                    .append(" lastUse ")
                    .append(g.lastUse(id));
        }
        return sb.append(']').toString();
    }

    /**
     * {@code g} with the input of its last SOFTMAX (the logits) as an extra graph output, if it has one
     * that is not an output yet; else {@code g}. Same ops, weights and order: only what the model returns
     * grows. Zoo classifiers have seeded random weights, so their 1000-way softmax is nearly uniform and
     * quantises to all -128 at scale 1/256; the logits make the comparison able to fail.
     */
    static Graph withLogits(Graph g) {
        for (int k = g.size() - 1; k >= 0; k--) {
            Op op = g.op(k);
            if (op.type() != OpType.SOFTMAX) continue;
            int logits = op.input(0);
            if (g.isGraphOutput(logits) || g.tensor(logits).isConstant()) return g;
            int[] outs = Arrays.copyOf(g.outputs(), g.outputs().length + 1);
            outs[outs.length - 1] = logits;
            return new Graph(g.name(), g.tensors(), g.ops(), g.inputs(), outs);
        }
        return g;
    }

    /** Whether the bytes vary (so that an equality check on them can fail). */
    static boolean varied(byte[] b) {
        for (byte x : b) if (x != b[0]) return true;
        return false;
    }

    /**
     * The acceptance check of one graph: whole run on a seeded input, then {@link #SEGMENTATIONS}
     * seeded random segmentations run segment after segment must give byte-identical outputs.
     *
     * A classifier is checked with its logits as an extra output ({@link #withLogits}).
     *
     * @return the whole-model run (for latency reports)
     */
    static Whole checkSegmentationsMatchWhole(Graph model, long seed, int timedRuns) {
        Graph g = withLogits(model);
        Map<Integer, byte[]> inputs = randomInputs(g, seed);
        Whole whole = runWhole(g, inputs, timedRuns);
        boolean anyVaried = false;
        for (int id : g.outputs()) anyVaried |= varied(whole.outputs().get(id));
        if (!anyVaried) {
            fail(g.name() + ": every output byte of the whole model is the same ("
                    + whole.outputs().get(g.outputs()[0])[0] + "): the comparison would prove nothing");
        }
        SplittableRandom rnd = new SplittableRandom(seed * 31 + g.name().hashCode());
        for (int s = 0; s < SEGMENTATIONS; s++) {
            int[] cuts = randomCuts(g, rnd);
            long t0 = System.nanoTime();
            Map<Integer, byte[]> chained = runChain(g, cuts, inputs);
            for (int id : g.outputs()) {
                byte[] expect = whole.outputs().get(id);
                byte[] got = chained.get(id);
                assertNotNull(
                        got,
                        g.name() + ": cuts " + Arrays.toString(cuts) + " never produced output "
                                + g.tensor(id).name());
                if (!Arrays.equals(expect, got)) {
                    int diff = Arrays.mismatch(expect, got);
                    fail(g.name() + ": cuts " + Arrays.toString(cuts) + ": output "
                            + g.tensor(id).name() + " differs from the whole model's at byte " + diff + " of "
                            + expect.length);
                }
            }
            log.info(
                    "{}: cuts {} match ({} ms)", g.name(), Arrays.toString(cuts), (System.nanoTime() - t0) / 1_000_000);
        }
        return whole;
    }
}
