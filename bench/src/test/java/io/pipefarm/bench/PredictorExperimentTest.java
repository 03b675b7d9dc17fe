package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredictorExperimentTest {

    @Test
    void trainsOnSimulatedNetworksAndMeasuresHeldOutArchitectures() throws Exception {
        PredictorExperiment.Options o = new PredictorExperiment.Options(
                null,
                6,
                2,
                30,
                List.of(),
                List.of("sim-edgetpu-usb"),
                null,
                null,
                List.of("xgboost"),
                null,
                3,
                42,
                null,
                null);
        PredictorExperiment.Result r = PredictorExperiment.run(o, s -> {});
        assertEquals(1, r.kinds().size());
        PredictorExperiment.KindResult k = r.kinds().get(0);
        assertEquals("sim-edgetpu-usb", k.kind());
        assertEquals("xgboost", k.served());
        assertEquals(2, k.heldoutArchitectures());
        assertEquals(2 * 30, k.heldoutSegments(), "30 segments of each held-out network");
        assertEquals(6 * 30, k.trainSegments(), "training and early-stopping segments of the 6 training networks");
        assertEquals(6, r.trainArchitectures());
        assertTrue(k.acc10() >= 0 && k.acc10() <= 1, "a fraction: " + k.acc10());
        assertTrue(k.mape() > 0 && Double.isFinite(k.mape()), "a percentage: " + k.mape());
        PredictorExperiment.FamilyResult f = k.families().get(0);
        assertTrue(f.ok(), f.toString());
        assertEquals(k.acc10(), f.acc10(), 0.0);
        assertTrue(f.predictUsPerSegment() > 0);
        assertEquals(r.trainSeconds(), r.trainSecondsTotal(), 0.0, "one family on one kind");
        assertTrue(k.cpu() == null);
    }

    @Test
    void badOptionsFailBeforeAnyWork() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new PredictorExperiment.Options(
                        null, 1, 2, 30, List.of(), List.of(), null, null, List.of("xgboost"), null, 3, 42, null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PredictorExperiment.Options(
                        null,
                        6,
                        2,
                        30,
                        List.of(),
                        List.of("sim-nothing"),
                        null,
                        null,
                        List.of("xgboost"),
                        null,
                        3,
                        42,
                        null,
                        null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CpuLabels.CpuOptions(2, 1, 4, List.of(), CpuLabels.MAX_RUNS + 1, false, 1, 0, null, null));
    }
}
