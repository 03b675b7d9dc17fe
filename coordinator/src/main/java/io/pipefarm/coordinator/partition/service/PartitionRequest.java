package io.pipefarm.coordinator.partition.service;

import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.PartitionSearchRequest;
import io.pipefarm.coordinator.store.StoreException;

/**
 * A partition search request: {@code {"model": REF, "tpus": K, "method": "hybrid", "kind": "sim-edgetpu-usb"}}
 * ({@code method} defaults to hybrid, {@code kind} to sim-edgetpu-usb).
 */
public record PartitionRequest(String model, int tpus, String method, String kind) {
    public static final String DEFAULT_METHOD = "hybrid";
    public static final String DEFAULT_KIND = "sim-edgetpu-usb";
    static final String EXAMPLE = "{\"model\": REF, \"tpus\": K, \"method\": M, \"kind\": KIND}";

    /** Parses a request body; BAD_INPUT with a clear message for anything wrong. */
    public static PartitionRequest parse(String body) {
        return of(ApiJson.request(body, PartitionSearchRequest.class, EXAMPLE));
    }

    /** Checks a request and fills in the defaults. */
    public static PartitionRequest of(PartitionSearchRequest r) {
        if (r.model() == null || r.model().isBlank()) {
            throw StoreException.badInput("'model' (a zoo name, fc:..., nasbench:{...} or file:PATH) is required");
        }
        if (r.tpus() == null)
            throw StoreException.badInput("'tpus' (the number of pipeline stages, an integer >= 1) is required");
        return new PartitionRequest(
                r.model().trim(), r.tpus(), text(r.method(), DEFAULT_METHOD), text(r.kind(), DEFAULT_KIND));
    }

    private static String text(String v, String def) {
        return v == null || v.isBlank() ? def : v.trim();
    }
}
