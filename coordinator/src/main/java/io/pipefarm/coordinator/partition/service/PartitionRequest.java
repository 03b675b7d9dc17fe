package io.pipefarm.coordinator.partition.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipefarm.coordinator.store.StoreException;
import java.util.Iterator;
import java.util.Set;

/**
 * A partition search request: {@code {"model": REF, "tpus": K, "method": "hybrid", "kind": "sim-edgetpu-usb"}}
 * ({@code method} defaults to hybrid, {@code kind} to sim-edgetpu-usb).
 */
public record PartitionRequest(String model, int tpus, String method, String kind) {
    public static final String DEFAULT_METHOD = "hybrid";
    public static final String DEFAULT_KIND = "sim-edgetpu-usb";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("model", "tpus", "method", "kind");

    /** Parses a request body; BAD_INPUT with a clear message for anything wrong. */
    public static PartitionRequest parse(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw StoreException.badInput("the request body is not JSON: " + e.getMessage().split("\n")[0]);
        }
        if (n == null || !n.isObject()) {
            throw StoreException.badInput("expected a JSON object {\"model\": REF, \"tpus\": K, \"method\": M, \"kind\": KIND}");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw StoreException.badInput("unknown field '" + f + "'; fields: model, tpus, method, kind");
        }
        JsonNode m = n.get("model");
        if (m == null || !m.isTextual() || m.asText().isBlank()) throw StoreException.badInput("'model' (a zoo name, fc:..., nasbench:{...} or file:PATH) is required");
        JsonNode k = n.get("tpus");
        if (k == null || !k.canConvertToInt() || !k.isIntegralNumber()) throw StoreException.badInput("'tpus' (the number of pipeline stages, an integer >= 1) is required");
        String method = text(n, "method", DEFAULT_METHOD);
        String kind = text(n, "kind", DEFAULT_KIND);
        return new PartitionRequest(m.asText().trim(), k.asInt(), method, kind);
    }

    private static String text(JsonNode n, String f, String def) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) return def;
        if (!v.isTextual()) throw StoreException.badInput("'" + f + "' must be a string");
        return v.asText().trim();
    }
}
