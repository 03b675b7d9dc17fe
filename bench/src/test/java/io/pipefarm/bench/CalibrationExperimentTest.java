package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.sim.CalibrationReport;
import org.junit.jupiter.api.Test;

class CalibrationExperimentTest {

    @Test
    void theSimulatorMeetsEveryCalibrationTarget() {
        CalibrationExperiment.Result r = CalibrationExperiment.run();
        CalibrationExperiment.Checks c = r.checks();
        assertTrue(c.allOk(), c.toString());
        assertTrue(c.maxModelErrorPct() <= CalibrationExperiment.MODEL_TOLERANCE_PCT, c.toString());
        // the cliff is where the FC sweep first streams parameters from host memory
        assertTrue(c.firstSpillHidden() > c.lastFitHidden() && c.lastFitHidden() > 0, c.toString());
        assertEquals(2 * CalibrationReport.PUBLISHED.size(), r.report().models().size());
    }
}
