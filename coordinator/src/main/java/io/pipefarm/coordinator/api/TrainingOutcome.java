package io.pipefarm.coordinator.api;

/**
 * What a training produced: the stored version, whether it now serves and why, its metrics on the
 * held-out architectures and those of the version serving before on the same ones (null without one).
 */
public record TrainingOutcome(
        long id,
        String kind,
        long version,
        String family,
        boolean promoted,
        String reason,
        PredictorMetrics metrics,
        PredictorMetrics servingMetrics,
        Long previousServingId) {}
