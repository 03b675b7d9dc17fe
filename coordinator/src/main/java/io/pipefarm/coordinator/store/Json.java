package io.pipefarm.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The store's one JSON mapper, for its own JSON columns (versions, properties, predictor metrics). */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> MAP = new TypeReference<>() {};

    private Json() {}

    static ObjectMapper mapper() {
        return MAPPER;
    }

    static String write(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return "{}";
        }
        try {
            return MAPPER.writeValueAsString(new TreeMap<>(map));
        } catch (JsonProcessingException e) {
            throw StoreException.badInput("cannot encode map as JSON: " + e.getMessage());
        }
    }

    static Map<String, String> readMap(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return Collections.unmodifiableMap(MAPPER.readValue(json, MAP));
        } catch (JsonProcessingException e) {
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE, "corrupt JSON in the database: " + e.getMessage());
        }
    }
}
