package io.pipefarm.model.features;

import io.pipefarm.model.graph.Graph;
import java.util.Objects;

/**
 * Features of one model from which those of any of its O(n^2) contiguous segments come cheaply:
 * {@link SegmentAggregates} (prefix sums and per-start sweeps) and the per-op tokens. Immutable and
 * thread-safe. {@code ModelFeatures.of(g).segment(i, j)} describes the standalone segment model
 * {@code Segmenter.subgraph(g, i, j)} as well (same ops, inputs crossing cut i, outputs crossing j).
 */
public final class ModelFeatures {
    private final String name;
    private final SegmentAggregates aggregates;
    private final float[][] tokens;

    private ModelFeatures(String name, SegmentAggregates aggregates, float[][] tokens) {
        this.name = name;
        this.aggregates = aggregates;
        this.tokens = tokens;
    }

    /** Computes the features of all segments of {@code g}: O(n^2 + n * edges). */
    public static ModelFeatures of(Graph g) {
        Objects.requireNonNull(g, "graph");
        if (g.size() == 0) throw new IllegalArgumentException("model " + g.name() + " has no ops");
        return new ModelFeatures(g.name(), SegmentAggregates.of(g), OpTokens.of(g));
    }

    /** Features of a standalone segment model (e.g. a stored segment blob): its whole range {@code [0, n)}. */
    public static SegmentFeatures ofSegment(Graph segment) {
        ModelFeatures m = of(segment);
        return m.segment(0, m.size());
    }

    public String name() {
        return name;
    }

    /** Ops of the model. */
    public int size() {
        return tokens.length;
    }

    public SegmentAggregates aggregates() {
        return aggregates;
    }

    /** Segment {@code [i, j)}, {@code 0 <= i < j <= size()}. */
    public SegmentFeatures segment(int i, int j) {
        aggregates.check(i, j);
        return new SegmentFeatures(this, i, j);
    }

    float[] token(int k) {
        return tokens[k];
    }
}
