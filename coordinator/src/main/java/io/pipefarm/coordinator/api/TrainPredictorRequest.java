package io.pipefarm.coordinator.api;

/** {@code POST /api/predictors/train}: train {@code kind}; wait up to {@code wait_seconds} (0..600, default 0) for the result. */
public record TrainPredictorRequest(String kind, Integer waitSeconds) {}
