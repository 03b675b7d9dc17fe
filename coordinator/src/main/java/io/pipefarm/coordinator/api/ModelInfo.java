package io.pipefarm.coordinator.api;

/** A model the farm knows by name ({@code GET /api/models}). */
public record ModelInfo(String name, String description) {}
