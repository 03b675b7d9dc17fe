package io.pipefarm.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.zoo.ModelRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Predictor versions in the store: round trip, versions per kind, promotion, corrupt artifacts refused. */
class PredictorStoreTest {
    static byte[] artifact;
    static List<SegmentFeatures> some;
    static FarmStore store;

    @BeforeAll
    static void train() {
        List<Sample> samples = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            String ref = "fc:" + (32 + 16 * k) + "," + (128 + 64 * k) + "," + (3 + k % 3);
            ModelFeatures mf = ModelFeatures.of(ModelRef.resolve(ref));
            for (int i = 0; i < mf.size(); i++) {
                for (int j = i + 1; j <= mf.size(); j++) {
                    double[] a = mf.segment(i, j).aggregates();
                    samples.add(new Sample(ref, ref + i + j, mf.segment(i, j), 50_000 + 2_000 * a[0] + a[11] / 2e3));
                }
            }
        }
        PredictorTrainer.Options o = PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY)).minProfiles(10);
        o = new PredictorTrainer.Options(o.heldOutFraction(), o.validationFraction(), o.seed(), 10, 3, o.families(),
                new XgbPredictor.Params(50, 10, 0.2, 3, 1, 1), o.transformer());
        try (PredictorTrainer t = new PredictorTrainer(o)) {
            PredictorTrainer.Result r = t.train("cpu-x86_64-t1", samples, null);
            artifact = PredictorArtifact.write(r.best().predictor(), r.best().heldOut().toMap(), r.data());
            some = samples.subList(0, 5).stream().map(Sample::features).toList();
        }
        store = FarmStore.open(Database.memUrl("predictor-store-test"));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    PredictorStore ps() {
        return new PredictorStore(store.database());
    }

    @Test
    void roundTripVersionsAndPromotion() {
        PredictorStore ps = ps();
        String kind = "cpu-x86_64-t1";
        PredictorStore.Version v1 = ps.save(new PredictorStore.NewVersion(kind, artifact, Map.of("mape", 2.5, "acc10", 0.97),
                Map.of("profiles", 123), List.of("a", "b"), 77), true, 1000);
        assertEquals(1, v1.version());
        assertTrue(v1.serving());
        assertEquals(kind, v1.kind());
        assertEquals("xgboost", v1.family());
        assertEquals(2.5, ((Number) v1.metrics().get("mape")).doubleValue());
        assertEquals(123, ((Number) v1.data().get("profiles")).intValue());
        assertEquals(List.of("a", "b"), v1.heldOut());
        assertEquals(77, v1.profilesMaxId());
        assertEquals(1000L, v1.promotedMs());

        PredictorStore.Version v2 = ps.save(new PredictorStore.NewVersion(kind, artifact, Map.of(), Map.of(), List.of(), 99), false, 2000);
        assertEquals(2, v2.version());
        assertFalse(v2.serving());
        assertEquals(v1.id(), ps.serving(kind).orElseThrow().id());
        assertEquals(List.of(v2.id(), v1.id()), ps.list(kind).stream().map(PredictorStore.Version::id).toList());
        assertEquals(v2.id(), ps.newest(kind).orElseThrow().id());

        // the stored bytes carry the assigned version and predict like the original
        byte[] stored = ps.artifact(v2.id()).orElseThrow();
        LatencyPredictor back = PredictorArtifact.read(stored);
        assertEquals(2, back.version());
        assertArrayEquals(PredictorArtifact.read(artifact).predictNanos(some), back.predictNanos(some), 1e-6);

        ps.promote(v2.id(), 3000);
        assertEquals(v2.id(), ps.serving(kind).orElseThrow().id());
        assertFalse(ps.get(v1.id()).orElseThrow().serving());
        assertEquals(1, ps.list(kind).stream().filter(PredictorStore.Version::serving).count());
        assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class, () -> ps.promote(999_999, 1)).kind());
        assertTrue(ps.serving("edgetpu-pci").isEmpty());
    }

    @Test
    void corruptArtifactsAreRefused() {
        PredictorStore ps = ps();
        byte[] truncated = java.util.Arrays.copyOf(artifact, artifact.length / 2);
        for (byte[] bad : new byte[][] {new byte[0], "junk".getBytes(), truncated}) {
            PredictorException e = assertThrows(PredictorException.class,
                    () -> ps.save(new PredictorStore.NewVersion("edgetpu-usb", bad, Map.of(), Map.of(), List.of(), 0), true, 1));
            assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
        }
        // an artifact of another kind is refused too
        PredictorException e = assertThrows(PredictorException.class,
                () -> ps.save(new PredictorStore.NewVersion("edgetpu-usb", artifact, Map.of(), Map.of(), List.of(), 0), true, 1));
        assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
        assertTrue(ps.list("edgetpu-usb").isEmpty());
    }

    @Test
    void migrationIsIdempotent() {
        Migrations migrations = Migrations.fromClasspath();
        assertEquals(List.of(), migrations.migrate(store.database()));
        assertTrue(migrations.currentVersion(store.database()).isAtLeast("2"));
    }
}
