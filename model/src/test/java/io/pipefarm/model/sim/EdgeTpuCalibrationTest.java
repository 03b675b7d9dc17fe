package io.pipefarm.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.zoo.ModelZoo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Accuracy of the presets against reference/edgetpu.md, with the zoo's graphs. Not a timing test. */
class EdgeTpuCalibrationTest {
    private static CalibrationReport report;

    @BeforeAll
    static void run() {
        report = CalibrationReport.run();
    }

    @Test
    void everyPublishedModelLatencyWithin15Percent() {
        assertEquals(2 * CalibrationReport.PUBLISHED.size(), report.models().size());
        for (CalibrationReport.ModelRow r : report.models()) {
            assertTrue(
                    Math.abs(r.errorPct()) <= 15.0,
                    r.model() + " on " + r.deviceKind() + ": " + r.simulatedMs() + " ms vs published " + r.publishedMs()
                            + "\n" + report.toTable());
            assertEquals(0.0, r.streamedMiB(), "published models fit on-chip: " + r.model());
        }
    }

    @Test
    void fcSweepMatchesPublishedPoints() {
        CalibrationReport.FcRow fits = row(1580), spill = row(1620);
        assertEquals(0.0, fits.streamedMiB());
        assertTrue(spill.streamedMiB() > 2.4 && spill.streamedMiB() < 2.6, "1620 streams one hidden layer");
        assertTrue(spill.simulatedMs() >= 20 * fits.simulatedMs());
        for (CalibrationReport.FcRow r : report.fcSweep()) {
            if (!r.published()) continue;
            assertTrue(
                    Math.abs(r.errorPct()) <= 25,
                    "hidden " + r.hidden() + ": " + r.simulatedMs() + " vs " + r.publishedMs());
            assertEquals(
                    r.publishedOffChipMiB(),
                    r.streamedMiB(),
                    Math.max(0.2, r.publishedOffChipMiB() * 0.05),
                    "streamed MiB at hidden " + r.hidden());
        }
        double prev = 0;
        for (CalibrationReport.FcRow r : report.fcSweep()) {
            if (r.streamedMiB() == 0) {
                assertTrue(r.simulatedMs() >= prev, "latency grows with width while everything fits");
                prev = r.simulatedMs();
            }
        }
    }

    @Test
    void switchOfInceptionV1IsNearThePublishedSwitchCost() {
        CalibrationReport.ModelRow inc = report.models().stream()
                .filter(r -> r.model().equals("inception_v1") && r.deviceKind().equals("sim-edgetpu-usb"))
                .findFirst()
                .orElseThrow();
        assertTrue(inc.paramMiB() > 6 && inc.paramMiB() < 7, "inception_v1 caches " + inc.paramMiB() + " MiB");
        assertEquals(
                CalibrationReport.PUBLISHED_SWITCH_MS, inc.switchMs(), CalibrationReport.PUBLISHED_SWITCH_MS * 0.30);
    }

    @Test
    void tableListsEveryRow() {
        String t = report.toTable();
        for (String m : new String[] {"mobilenet_v1", "mobilenet_v2", "inception_v1", "efficientnet_edgetpu_s"}) {
            assertTrue(t.contains(m), m);
            assertTrue(ModelZoo.names().contains(m), m + " is a zoo model");
        }
        assertTrue(t.contains("sim-edgetpu-usb") && t.contains("sim-edgetpu-pci"));
        assertTrue(t.contains("2620") && t.contains("36.03"));
        assertTrue(report.maxModelErrorPct() <= 15.0);
    }

    private static CalibrationReport.FcRow row(int hidden) {
        return report.fcSweep().stream()
                .filter(r -> r.hidden() == hidden)
                .findFirst()
                .orElseThrow();
    }
}
