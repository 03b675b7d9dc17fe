package io.pipefarm.coordinator.predictor;

import io.pipefarm.model.features.SegmentFeatures;
import java.util.Objects;

/**
 * One training example: a segment's features and its measured median latency on one device kind.
 * {@code architecture} names the model the segment came from; splits never put segments of one
 * architecture on both sides.
 */
public record Sample(String architecture, String segmentKey, SegmentFeatures features, double latencyNs) {
    public Sample {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(features, "features");
        if (!(latencyNs > 0) || Double.isInfinite(latencyNs))
            throw new IllegalArgumentException("latency must be > 0, got " + latencyNs);
    }
}
