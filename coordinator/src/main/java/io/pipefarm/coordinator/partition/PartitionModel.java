package io.pipefarm.coordinator.partition;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import java.util.BitSet;
import java.util.Objects;

/**
 * What the partition search needs to know about a model besides latencies: its op count, parameter
 * bytes per op (Coral's count: the op's constant inputs), the bytes crossing each cut, the bytes a
 * segment moves over the host link, and the first op producing a model output (Coral's last segment
 * must contain every op from there on). Built from a {@link Graph}, or synthetic for tests.
 */
public final class PartitionModel {
    private final String name;
    private final int n;
    private final long[] opParamBytes;
    private final long[] prefixParam;
    private final long[] cutBytes;
    private final int firstOutputOp;
    private final Graph graph;

    private PartitionModel(String name, long[] opParamBytes, long[] cutBytes, int firstOutputOp, Graph graph) {
        this.name = Objects.requireNonNull(name, "name");
        this.n = opParamBytes.length;
        if (n == 0) throw new IllegalArgumentException("model " + name + " has no ops: nothing to partition");
        if (cutBytes.length != n + 1)
            throw new IllegalArgumentException(
                    "cutBytes needs n + 1 = " + (n + 1) + " entries, got " + cutBytes.length);
        if (firstOutputOp < 0 || firstOutputOp >= n)
            throw new IllegalArgumentException("first output op " + firstOutputOp + " outside 0.." + (n - 1));
        this.opParamBytes = opParamBytes.clone();
        this.cutBytes = cutBytes.clone();
        this.firstOutputOp = firstOutputOp;
        this.graph = graph;
        prefixParam = new long[n + 1];
        for (int i = 0; i < n; i++) prefixParam[i + 1] = prefixParam[i] + opParamBytes[i];
    }

    /** The model of a graph. */
    public static PartitionModel of(Graph g) {
        int n = g.size();
        long[] p = new long[n];
        for (int i = 0; i < n; i++) p[i] = OpCost.paramBytes(g, g.op(i));
        long[] cb = new long[n + 1];
        for (int c = 0; c <= n; c++) cb[c] = n == 0 ? 0 : g.crossingBytes(c);
        int first = n - 1;
        for (int t : g.outputs()) {
            int prod = g.producer(t);
            if (prod >= 0) first = Math.min(first, prod);
        }
        return new PartitionModel(g.name(), p, cb, Math.max(first, 0), g);
    }

    /** A synthetic model: parameter bytes per op, bytes crossing cuts {@code 0..n}; the last op produces the output. */
    public static PartitionModel synthetic(String name, long[] opParamBytes, long[] cutBytes) {
        return new PartitionModel(name, opParamBytes, cutBytes, opParamBytes.length - 1, null);
    }

    /** As {@link #synthetic(String, long[], long[])} with the first output op given. */
    public static PartitionModel synthetic(String name, long[] opParamBytes, long[] cutBytes, int firstOutputOp) {
        return new PartitionModel(name, opParamBytes, cutBytes, firstOutputOp, null);
    }

    public String name() {
        return name;
    }

    public int size() {
        return n;
    }

    public int firstOutputOp() {
        return firstOutputOp;
    }
    /** The graph this model was built from, or null for a synthetic model. */
    public Graph graph() {
        return graph;
    }

    public long opParamBytes(int i) {
        return opParamBytes[i];
    }

    public long totalParamBytes() {
        return prefixParam[n];
    }

    /** Bytes of the tensors crossing cut {@code c} ({@code 0 <= c <= n}: model inputs at 0, outputs at n). */
    public long cutBytes(int c) {
        return cutBytes[c];
    }

    /**
     * Parameter bytes of segment {@code [i, j)}: its distinct constant tensors for a graph (a tensor shared
     * by two ops counts once), the sum over its ops otherwise.
     */
    public long segmentParamBytes(int i, int j) {
        if (graph == null) return prefixParam[j] - prefixParam[i];
        BitSet seen = new BitSet(graph.tensors().size());
        long b = 0;
        for (int k = i; k < j; k++) {
            Op op = graph.op(k);
            for (int t : op.inputs()) {
                if (t < 0 || seen.get(t) || !graph.tensor(t).isConstant()) continue;
                seen.set(t);
                b += graph.tensor(t).byteSize();
            }
        }
        return b;
    }

    /** Input and output bytes of segment {@code [i, j)} as a standalone model: {@code {in, out}}. */
    public long[] segmentIoBytes(int i, int j) {
        if (graph == null) return new long[] {cutBytes[i], cutBytes[j]};
        Graph.SegmentIo io = graph.segmentIo(i, j);
        long in = 0, out = 0;
        for (int t : io.inputs()) in += graph.tensor(t).byteSize();
        for (int t : io.outputs()) out += graph.tensor(t).byteSize();
        return new long[] {in, out};
    }
}
