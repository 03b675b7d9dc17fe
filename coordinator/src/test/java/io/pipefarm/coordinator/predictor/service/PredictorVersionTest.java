package io.pipefarm.coordinator.predictor.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.zoo.ModelRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A trained artifact on its way into the store: checked first, stored carrying its assigned version. */
class PredictorVersionTest {
    static final String KIND = "cpu-x86_64-t1";
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
        PredictorTrainer.Options o = PredictorTrainer.Options.defaults()
                .families(List.of(XgbPredictor.FAMILY))
                .minProfiles(10);
        o = new PredictorTrainer.Options(
                o.heldOutFraction(),
                o.validationFraction(),
                o.seed(),
                10,
                3,
                o.families(),
                new XgbPredictor.Params(50, 10, 0.2, 3, 1, 1),
                o.transformer());
        try (PredictorTrainer t = new PredictorTrainer(o)) {
            PredictorTrainer.Result r = t.train(KIND, samples, null);
            artifact = PredictorArtifact.write(
                    r.best().predictor(), r.best().heldOut().toMap(), r.data());
            some = samples.subList(0, 5).stream().map(Sample::features).toList();
        }
        store = FarmStore.open(Database.memUrl("predictor-version-test"));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void storedArtifactCarriesItsVersionAndPredictsLikeTheOriginal() {
        PredictorStore ps = store.predictors();
        ps.save(TrainingRun.newVersion(KIND, artifact, Map.of(), Map.of(), List.of(), 1), true, 1000);
        PredictorStore.Version v2 =
                ps.save(TrainingRun.newVersion(KIND, artifact, Map.of(), Map.of(), List.of(), 2), false, 2000);
        assertEquals(2, v2.version());
        assertEquals("xgboost", v2.family());
        LatencyPredictor back = PredictorArtifact.read(ps.artifact(v2.id()).orElseThrow());
        assertEquals(2, back.version());
        assertArrayEquals(PredictorArtifact.read(artifact).predictNanos(some), back.predictNanos(some), 1e-6);
    }

    @Test
    void corruptArtifactsAndOtherKindsAreRefusedBeforeTheStore() {
        byte[] truncated = Arrays.copyOf(artifact, artifact.length / 2);
        for (byte[] bad : new byte[][] {new byte[0], "junk".getBytes(), truncated}) {
            PredictorException e = assertThrows(
                    PredictorException.class,
                    () -> TrainingRun.newVersion("edgetpu-usb", bad, Map.of(), Map.of(), List.of(), 0));
            assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
        }
        PredictorException e = assertThrows(
                PredictorException.class,
                () -> TrainingRun.newVersion("edgetpu-usb", artifact, Map.of(), Map.of(), List.of(), 0));
        assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
        assertTrue(e.getMessage().contains("'" + KIND + "'"), e.getMessage());
        assertTrue(store.predictors().list("edgetpu-usb").isEmpty());
    }
}
