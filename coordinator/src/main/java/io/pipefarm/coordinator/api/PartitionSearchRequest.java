package io.pipefarm.coordinator.api;

/**
 * {@code POST /api/partitions}: split {@code model} into a pipeline of {@code tpus} stages on devices of
 * {@code kind} (default sim-edgetpu-usb) with {@code method} (default hybrid).
 */
public record PartitionSearchRequest(String model, Integer tpus, String method, String kind) {}
