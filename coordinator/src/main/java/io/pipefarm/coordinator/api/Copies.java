package io.pipefarm.coordinator.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Immutable copies for the records' compact constructors; JSON may leave a list or map out (then empty). */
final class Copies {
    private Copies() {}

    static <T> List<T> list(List<T> xs) {
        return xs == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(xs));
    }

    /** Keeps the order and null values (open content such as predictor metrics has both). */
    static <K, V> Map<K, V> map(Map<K, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
