package io.pipefarm.model.segment;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteWriter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cuts a model into segments and serializes them, from the IR only (the model's own bytes are never
 * needed; constant arrays are shared with the parent, not copied).
 *
 * <p>A segment {@code [i, j)} holds ops {@code i..j-1}; its inputs are {@code g.segmentIo(i, j).inputs()}
 * and its outputs {@code g.segmentIo(i, j).outputs()} (both in parent id order). Tensors are renumbered in
 * order of first appearance: op by op, inputs before outputs. Its key is the lowercase hex SHA-256 of its
 * bytes.
 *
 * <p>By default segments are written with {@link TfliteWriter.Naming#CANONICAL} names, so the bytes (and
 * the key) depend only on the computation: equal segments of different models share a key (DESIGN §1).
 * The {@link Segment#graph()} keeps the parent's tensor names and is named {@code <model>[i,j)}.
 */
public final class Segmenter {
    private final TfliteWriter writer;

    /** A segmenter writing canonical bytes. */
    public Segmenter() {
        this(TfliteWriter.canonical());
    }

    public Segmenter(TfliteWriter writer) {
        this.writer = Objects.requireNonNull(writer);
    }

    public TfliteWriter writer() {
        return writer;
    }

    /** The standalone graph of segment {@code [i, j)}. */
    public static Graph subgraph(Graph g, int i, int j) {
        checkRange(g, i, j);
        int[] newId = new int[g.tensors().size()];
        Arrays.fill(newId, -1);
        List<Tensor> tensors = new ArrayList<>();
        List<Op> ops = new ArrayList<>(j - i);
        for (int k = i; k < j; k++) {
            Op op = g.op(k);
            int[] in = op.inputs();
            for (int a = 0; a < in.length; a++) in[a] = in[a] < 0 ? -1 : renumber(g, in[a], newId, tensors);
            int[] out = op.outputs();
            for (int a = 0; a < out.length; a++) out[a] = renumber(g, out[a], newId, tensors);
            ops.add(new Op(k - i, op.type(), in, out, op.options(), op.version()));
        }
        Graph.SegmentIo io = g.segmentIo(i, j);
        return new Graph(
                g.name() + "[" + i + "," + j + ")", tensors, ops, map(io.inputs(), newId), map(io.outputs(), newId));
    }

    private static int renumber(Graph g, int t, int[] newId, List<Tensor> tensors) {
        if (newId[t] < 0) {
            newId[t] = tensors.size();
            tensors.add(g.tensor(t).withId(newId[t]));
        }
        return newId[t];
    }

    private static int[] map(int[] ids, int[] newId) {
        int[] out = new int[ids.length];
        for (int k = 0; k < ids.length; k++) out[k] = newId[ids[k]];
        return out;
    }

    /** Segment {@code [i, j)} with its bytes and key. */
    public Segment segment(Graph g, int i, int j) {
        Graph sub = subgraph(g, i, j);
        byte[] bytes = writer.write(sub);
        Graph.SegmentIo io = g.segmentIo(i, j);
        return new Segment(sub, i, j, bytes, sha256(ByteBuffer.wrap(bytes)), io.inputs(), io.outputs());
    }

    /**
     * The key of segment {@code [i, j)}: the hash of the bytes {@link #segment} would give, computed
     * without keeping them (only the one serialization buffer exists while hashing).
     */
    public String key(Graph g, int i, int j) {
        return sha256(writer.writeBuffer(subgraph(g, i, j)));
    }

    /** The segments {@code [0,c1), [c1,c2), ..., [ck,n)} of the cuts (validated by {@link #checkCuts}). */
    public List<Segment> segmentAll(Graph g, int[] cuts) {
        List<Segment> out = new ArrayList<>(cuts.length + 1);
        forEachSegment(g, cuts, out::add);
        return out;
    }

    /** Like {@link #segmentAll} but hands each segment over as soon as it is built. */
    public void forEachSegment(Graph g, int[] cuts, Consumer<Segment> action) {
        for (int[] r : ranges(g, cuts)) action.accept(segment(g, r[0], r[1]));
    }

    /** The ranges {@code {start, end}} of the segments of {@code cuts}. */
    public static int[][] ranges(Graph g, int[] cuts) {
        checkCuts(g, cuts);
        int[][] out = new int[cuts.length + 1][];
        int prev = 0;
        for (int k = 0; k < cuts.length; k++) {
            out[k] = new int[] {prev, cuts[k]};
            prev = cuts[k];
        }
        out[cuts.length] = new int[] {prev, g.size()};
        return out;
    }

    /**
     * Checks cuts: each {@code 0 < c < n}, strictly increasing (hence unique).
     *
     * @throws IllegalArgumentException naming the model and the offending cut
     */
    public static void checkCuts(Graph g, int[] cuts) {
        Objects.requireNonNull(cuts, "cuts");
        int n = g.size();
        if (n == 0) throw new IllegalArgumentException(g.name() + " has no ops, so it has no segments");
        for (int k = 0; k < cuts.length; k++) {
            int c = cuts[k];
            if (c <= 0 || c >= n) {
                throw new IllegalArgumentException(
                        n == 1
                                ? "cut " + c + " is out of range: " + g.name() + " has 1 op and cannot be cut"
                                : "cut " + c + " is out of range: " + g.name() + " has " + n + " ops, cuts must be 1.."
                                        + (n - 1));
            }
            if (k > 0 && c == cuts[k - 1])
                throw new IllegalArgumentException("cut " + c + " is repeated: cuts must be unique");
            if (k > 0 && c < cuts[k - 1]) {
                throw new IllegalArgumentException(
                        "cut " + c + " follows cut " + cuts[k - 1] + ": cuts must be strictly increasing");
            }
        }
    }

    private static void checkRange(Graph g, int i, int j) {
        if (i < 0 || j > g.size() || i >= j) {
            throw new IllegalArgumentException("segment [" + i + ", " + j + ") is out of range: " + g.name() + " has "
                    + g.size() + " ops, segments must satisfy 0 <= i < j <= " + g.size());
        }
    }

    /** Lowercase hex SHA-256 of the buffer's remaining bytes (the buffer is not consumed). */
    public static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes.duplicate());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static String sha256(byte[] bytes) {
        return sha256(ByteBuffer.wrap(bytes));
    }
}
