package io.pipefarm.model.segment;

import io.pipefarm.model.graph.Graph;
import java.util.Arrays;

/**
 * Segment {@code [start, end)} of a model as a standalone graph and its TFLite bytes.
 *
 * @param graph   the standalone graph, named {@code <model>[start,end)}; tensors renumbered in order of
 *                first appearance in its ops; constant arrays shared with the parent graph
 * @param start   first op of the parent (inclusive)
 * @param end     last op of the parent (exclusive)
 * @param bytes   the serialized {@code .tflite} (shared, do not modify)
 * @param key     lowercase hex SHA-256 of {@code bytes}
 * @param inputs  parent tensor ids of the segment's inputs, in the order of {@code graph.inputs()}
 * @param outputs parent tensor ids of the segment's outputs, in the order of {@code graph.outputs()}
 */
public record Segment(Graph graph, int start, int end, byte[] bytes, String key, int[] inputs, int[] outputs) {
    public Segment {
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

    public int opCount() {
        return end - start;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segment s
                && start == s.start
                && end == s.end
                && key.equals(s.key)
                && Arrays.equals(inputs, s.inputs)
                && Arrays.equals(outputs, s.outputs)
                && graph.equals(s.graph);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public String toString() {
        return "Segment[" + graph.name() + ", " + bytes.length + " bytes, " + key.substring(0, 12) + "]";
    }
}
