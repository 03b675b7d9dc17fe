package io.pipefarm.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.sim.CalibrationReport;
import org.junit.jupiter.api.Test;

class CalibrationBenchTest {

    @Test
    void textHasEveryPublishedModelTheSweepAndTheTargets() {
        CliRun r = CliRun.of("bench", "calibration");
        assertEquals(0, r.code(), r::toString);
        for (CalibrationReport.Published p : CalibrationReport.PUBLISHED)
            assertTrue(r.out().contains(p.model()), r::toString);
        assertTrue(r.out().contains("sim-edgetpu-usb") && r.out().contains("sim-edgetpu-pci"), r::toString);
        assertTrue(r.out().contains("FC sweep"), r::toString);
        assertTrue(r.out().contains("model switch"), r::toString);
        assertTrue(r.out().contains("Calibration targets"), r::toString);
        assertTrue(!r.out().contains("OFF"), "every target met:\n" + r.out());
    }

    @Test
    void jsonCarriesTheSameFigures() throws Exception {
        CliRun r = CliRun.of("bench", "calibration", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(2 * CalibrationReport.PUBLISHED.size(), j.path("models").size());
        for (JsonNode m : j.path("models")) {
            assertTrue(Math.abs(m.path("error_pct").asDouble()) <= 15.0, m.toString());
        }
        assertEquals(
                CalibrationReport.FC_HIDDEN.length,
                j.path("fc_sweep").path("rows").size());
        JsonNode first = j.path("fc_sweep").path("rows").get(0);
        assertTrue(first.path("published_ms").isNull(), "no published point at hidden " + first.path("hidden"));
        assertTrue(j.path("checks").path("models_ok").asBoolean());
        assertTrue(
                j.path("checks").path("fc_cliff").asDouble() >= 20.0,
                j.path("checks").toString());
        assertEquals(
                CalibrationReport.PUBLISHED_SWITCH_MS,
                j.path("model_switch").path("published_ms").asDouble(),
                1e-9);
    }
}
