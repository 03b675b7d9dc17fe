package io.pipefarm.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Predictor versions in the store: round trip, versions per kind, promotion. The store keeps
 * artifacts as bytes it does not read, so these tests use bytes that name their version.
 */
class PredictorStoreTest {
    static FarmStore store;

    @BeforeAll
    static void open() {
        store = FarmStore.open(Database.memUrl("predictor-store-test"));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static byte[] bytes(long version) {
        return ("artifact v" + version).getBytes(StandardCharsets.UTF_8);
    }

    static PredictorStore.NewVersion version(
            String kind, Map<String, Object> metrics, Map<String, Object> data, List<String> heldOut, long maxId) {
        return new PredictorStore.NewVersion(kind, "xgboost", PredictorStoreTest::bytes, metrics, data, heldOut, maxId);
    }

    @Test
    void roundTripVersionsAndPromotion() {
        PredictorStore ps = store.predictors();
        String kind = "cpu-x86_64-t1";
        PredictorStore.Version v1 = ps.save(
                version(kind, Map.of("mape", 2.5, "acc10", 0.97), Map.of("profiles", 123), List.of("a", "b"), 77),
                true,
                1000);
        assertEquals(1, v1.version());
        assertTrue(v1.serving());
        assertEquals(kind, v1.kind());
        assertEquals("xgboost", v1.family());
        assertEquals(2.5, ((Number) v1.metrics().get("mape")).doubleValue());
        assertEquals(123, ((Number) v1.data().get("profiles")).intValue());
        assertEquals(List.of("a", "b"), v1.heldOut());
        assertEquals(77, v1.profilesMaxId());
        assertEquals(1000L, v1.promotedMs());

        PredictorStore.Version v2 = ps.save(version(kind, Map.of(), Map.of(), List.of(), 99), false, 2000);
        assertEquals(2, v2.version());
        assertFalse(v2.serving());
        assertEquals(v1.id(), ps.serving(kind).orElseThrow().id());
        assertEquals(
                List.of(v2.id(), v1.id()),
                ps.list(kind).stream().map(PredictorStore.Version::id).toList());
        assertEquals(v2.id(), ps.newest(kind).orElseThrow().id());

        // the stored bytes are the ones made for the version the store assigned
        assertArrayEquals(bytes(2), ps.artifact(v2.id()).orElseThrow());
        assertEquals(bytes(2).length, v2.artifactSize());

        ps.promote(v2.id(), 3000);
        assertEquals(v2.id(), ps.serving(kind).orElseThrow().id());
        assertFalse(ps.get(v1.id()).orElseThrow().serving());
        assertEquals(
                1,
                ps.list(kind).stream().filter(PredictorStore.Version::serving).count());
        assertEquals(
                StoreException.Kind.NOT_FOUND,
                assertThrows(StoreException.class, () -> ps.promote(999_999, 1)).kind());
        assertTrue(ps.serving("edgetpu-pci").isEmpty());
    }

    @Test
    void migrationIsIdempotent() {
        Migrations migrations = Migrations.fromClasspath();
        assertEquals(List.of(), migrations.migrate(store.database()));
        assertTrue(migrations.currentVersion(store.database()).isAtLeast("2"));
    }
}
