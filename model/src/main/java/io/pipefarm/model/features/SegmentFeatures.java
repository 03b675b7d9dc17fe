package io.pipefarm.model.features;

import java.util.List;

/**
 * The features of one segment {@code [start, end)} of a model: per-segment aggregates
 * ({@link #aggregates()}, named by {@link #AGGREGATE_NAMES}) and per-op tokens ({@link #tokens()},
 * {@link OpTokens#DIM} floats each, named by {@link #TOKEN_NAMES}). A light view over
 * {@link ModelFeatures}; vectors are computed on demand.
 */
public final class SegmentFeatures {
    /** Names of the aggregate vector's entries. */
    public static final List<String> AGGREGATE_NAMES = List.of(SegmentAggregates.featureNames());
    /** Names of a token's entries. */
    public static final List<String> TOKEN_NAMES = List.of(OpTokens.names());
    /** Version of the feature definitions: artifacts trained on another spec are refused. */
    public static final int SPEC_VERSION = 2;

    private final ModelFeatures model;
    private final int start;
    private final int end;

    SegmentFeatures(ModelFeatures model, int start, int end) {
        this.model = model;
        this.start = start;
        this.end = end;
    }

    public ModelFeatures model() {
        return model;
    }

    public int start() {
        return start;
    }

    public int end() {
        return end;
    }
    /** Number of ops. */
    public int length() {
        return end - start;
    }

    /** The aggregate vector ({@link #AGGREGATE_NAMES} order). */
    public double[] aggregates() {
        return model.aggregates().features(start, end, null);
    }

    /** Writes the aggregate vector into {@code into} (at least {@link SegmentAggregates#featureCount()} long). */
    public double[] aggregates(double[] into) {
        return model.aggregates().features(start, end, into);
    }

    /** One token per op, in order, with the cumulative-parameter entries of this segment. */
    public float[][] tokens() {
        float[][] t = new float[length()][];
        SegmentAggregates a = model.aggregates();
        long base = a.paramPrefix(start);
        for (int k = start; k < end; k++) {
            float[] v = model.token(k).clone();
            long cum = a.paramPrefix(k + 1) - base;
            v[OpTokens.CUM] = (float) ((double) cum / SegmentAggregates.PARAM_CACHE_BYTES);
            v[OpTokens.CUM + 1] = OpTokens.log1p(cum);
            t[k - start] = v;
        }
        return t;
    }

    @Override
    public String toString() {
        return "SegmentFeatures[" + model.name() + " " + start + ".." + end + "]";
    }
}
