package io.pipefarm.model.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/**
 * A model as a DAG of ops in one fixed topological order (positions 0..n). Immutable. Tensor ids
 * are indices into {@link #tensors()}; op {@code i} is at position {@code i}.
 *
 * <p>A cut {@code c} (0 < c < n) is crossed by the non-constant tensors produced before {@code c}
 * (graph inputs count as produced before 0) and consumed at or after {@code c}, or that are graph
 * outputs.
 */
public final class Graph {
    private final String name;
    private final List<Tensor> tensors;
    private final List<Op> ops;
    private final int[] inputs;
    private final int[] outputs;
    /** producer[t] = op index producing tensor t, -1 for graph inputs and constants. */
    private final int[] producer;
    /** lastUse[t] = last op index consuming t; n for graph outputs; -1 if never consumed. */
    private final int[] lastUse;

    public Graph(String name, List<Tensor> tensors, List<Op> ops, int[] inputs, int[] outputs) {
        this.name = name;
        this.tensors = List.copyOf(tensors);
        this.ops = List.copyOf(ops);
        this.inputs = inputs.clone();
        this.outputs = outputs.clone();
        int nt = this.tensors.size();
        for (int i = 0; i < nt; i++) {
            if (this.tensors.get(i).id() != i)
                throw new IllegalArgumentException("tensor at index " + i + " has id "
                        + this.tensors.get(i).id());
        }
        producer = new int[nt];
        Arrays.fill(producer, -1);
        lastUse = new int[nt];
        Arrays.fill(lastUse, -1);
        BitSet available = new BitSet(nt);
        for (int t : this.inputs) {
            checkTensor(t, "graph input");
            available.set(t);
        }
        for (int t = 0; t < nt; t++) if (this.tensors.get(t).isConstant()) available.set(t);
        for (int i = 0; i < this.ops.size(); i++) {
            Op op = this.ops.get(i);
            if (op.index() != i) throw new IllegalArgumentException("op at position " + i + " has index " + op.index());
            for (int t : op.inputs()) {
                if (t < 0) continue;
                checkTensor(t, "input of op " + i);
                if (!available.get(t)) {
                    throw new IllegalArgumentException("op " + i + " (" + op.label() + ") reads tensor " + t + " ("
                            + this.tensors.get(t).name() + ") before it is produced: the order is not topological");
                }
                lastUse[t] = i;
            }
            for (int t : op.outputs()) {
                checkTensor(t, "output of op " + i);
                if (producer[t] >= 0 || available.get(t)) {
                    throw new IllegalArgumentException(
                            "tensor " + t + " (" + this.tensors.get(t).name() + ") is produced twice");
                }
                producer[t] = i;
                available.set(t);
            }
        }
        for (int t : this.outputs) {
            checkTensor(t, "graph output");
            if (!available.get(t)) throw new IllegalArgumentException("graph output " + t + " is never produced");
            lastUse[t] = this.ops.size();
        }
    }

    private void checkTensor(int t, String what) {
        if (t < 0 || t >= tensors.size())
            throw new IllegalArgumentException(what + " refers to tensor " + t + " of " + tensors.size());
    }

    public String name() {
        return name;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    public List<Op> ops() {
        return ops;
    }

    public int size() {
        return ops.size();
    }

    public Op op(int i) {
        return ops.get(i);
    }

    public Tensor tensor(int id) {
        return tensors.get(id);
    }

    public int[] inputs() {
        return inputs.clone();
    }

    public int[] outputs() {
        return outputs.clone();
    }

    /** Op index producing tensor {@code t}; -1 for graph inputs and constants. */
    public int producer(int t) {
        return producer[t];
    }

    /** Last op index reading {@code t}; {@link #size()} for graph outputs; -1 if unused. */
    public int lastUse(int t) {
        return lastUse[t];
    }

    public boolean isGraphOutput(int t) {
        for (int o : outputs) if (o == t) return true;
        return false;
    }

    /** Non-constant tensors crossing cut {@code c}, in id order. Valid for 0 <= c <= n. */
    public int[] crossing(int c) {
        if (c < 0 || c > size()) throw new IllegalArgumentException("cut " + c + " outside 0.." + size());
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < tensors.size(); t++) {
            if (tensors.get(t).isConstant()) continue;
            int p = producer[t];
            boolean producedBefore = p >= 0 ? p < c : isInput(t);
            if (producedBefore && lastUse[t] >= c) out.add(t);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Bytes of the tensors crossing cut {@code c}. */
    public long crossingBytes(int c) {
        long b = 0;
        for (int t : crossing(c)) b += tensors.get(t).byteSize();
        return b;
    }

    private boolean isInput(int t) {
        for (int i : inputs) if (i == t) return true;
        return false;
    }

    /**
     * The inputs and outputs of segment {@code [i, j)}: inputs are the non-constant tensors it reads
     * that are produced before {@code i}; outputs are the tensors it produces that are read at or after
     * {@code j} or are graph outputs. Both in id order.
     */
    public SegmentIo segmentIo(int i, int j) {
        if (i < 0 || j > size() || i >= j)
            throw new IllegalArgumentException("segment [" + i + ", " + j + ") outside 0.." + size());
        BitSet in = new BitSet();
        BitSet out = new BitSet();
        for (int k = i; k < j; k++) {
            for (int t : ops.get(k).inputs()) {
                if (t < 0 || tensors.get(t).isConstant()) continue;
                int p = producer[t];
                if (p < i) in.set(t);
            }
            for (int t : ops.get(k).outputs()) {
                if (lastUse[t] >= j) out.set(t);
            }
        }
        return new SegmentIo(in.stream().toArray(), out.stream().toArray());
    }

    /** The inputs and outputs of a segment, as tensor ids of the whole graph. */
    public record SegmentIo(int[] inputs, int[] outputs) {
        public SegmentIo {
            inputs = inputs.clone();
            outputs = outputs.clone();
        }

        @Override
        public int[] inputs() {
            return inputs.clone();
        }

        @Override
        public int[] outputs() {
            return outputs.clone();
        }
    }

    /** Ops whose type is {@link OpType#OPAQUE}, for reporting what the IR does not know. */
    public List<Op> opaqueOps() {
        List<Op> out = new ArrayList<>();
        for (Op op : ops) if (op.type() == OpType.OPAQUE) out.add(op);
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g
                && name.equals(g.name)
                && tensors.equals(g.tensors)
                && ops.equals(g.ops)
                && Arrays.equals(inputs, g.inputs)
                && Arrays.equals(outputs, g.outputs);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + ops.size();
    }

    @Override
    public String toString() {
        return "Graph[" + name + ", " + ops.size() + " ops, " + tensors.size() + " tensors]";
    }
}
