package io.pipefarm.coordinator.api;

/** {@code GET /api/health}: {@code {"status": "ok"}}. */
public record Health(String status) {
    public static final Health OK = new Health("ok");
}
