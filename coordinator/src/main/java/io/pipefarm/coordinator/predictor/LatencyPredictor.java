package io.pipefarm.coordinator.predictor;

import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model {@code (segment, device kind) -> latency} (DESIGN.md §1 "Predictor"). One instance
 * predicts for exactly one device kind; it is immutable and thread-safe once built.
 *
 * <p>Get segment features from {@link ModelFeatures#of(io.pipefarm.model.graph.Graph)} then
 * {@link ModelFeatures#segment(int, int)}; predicting a batch is much cheaper per segment than one
 * segment at a time.
 */
public interface LatencyPredictor {

    /** The device kind this predictor was trained for, e.g. {@code sim-edgetpu-usb}. */
    String deviceKind();

    /** The model family: {@code "xgboost"} or {@code "transformer"}. */
    String family();

    /** The stored version (1, 2, ...), or 0 for a predictor not (yet) stored. */
    long version();

    /** Predicted median latency in nanoseconds of each segment of {@code batch}, in order. */
    double[] predictNanos(List<SegmentFeatures> batch);

    /** Predicted median latency in nanoseconds of one segment. */
    default double predictNanos(SegmentFeatures segment) {
        return predictNanos(List.of(segment))[0];
    }

    /**
     * Predicted latency of every segment {@code [i, j)}, {@code 0 <= i < j <= n}, of a model:
     * {@code result[i][j]} (entries with {@code j <= i} are 0). Batched internally.
     */
    default double[][] predictAllNanos(ModelFeatures model) {
        int n = model.size();
        List<SegmentFeatures> batch = new ArrayList<>(n * (n + 1) / 2);
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) batch.add(model.segment(i, j));
        double[] p = predictNanos(batch);
        double[][] out = new double[n + 1][n + 1];
        int k = 0;
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) out[i][j] = p[k++];
        return out;
    }
}
