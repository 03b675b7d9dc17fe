package io.pipefarm.coordinator.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Helpers shared by the store tests. */
final class StoreFixture {
    private StoreFixture() {
    }

    static final long T0 = 1_700_000_000_000L;

    static FarmStore open(Path dir) {
        return FarmStore.openDir(dir);
    }

    /** Stores {@code n} distinct fake segments for a new model and returns their keys. */
    static List<String> segments(FarmStore store, String model, int n) {
        long modelId = store.models().add(model, "zoo:" + model, n, T0);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] bytes = (model + "/segment/" + i).getBytes(StandardCharsets.UTF_8);
            keys.add(store.segments().put(bytes, modelId, i, i + 1, null, T0));
        }
        return keys;
    }

    static ProfileStats stats(double meanNs) {
        return new ProfileStats(100, meanNs, meanNs, meanNs * 1.1, meanNs * 1.2, meanNs * 0.05, meanNs * 0.9);
    }

    static Map<String, String> versions() {
        return Map.of("tflite", "2.20.0", "libedgetpu", "16.0");
    }
}
