package io.pipefarm.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictorBenchCpuTest {

    @Test
    void theLabelIsTheLowestPerPassMedianIgnoringMissingPasses() {
        assertEquals(90.0, PredictorBench.low(new double[] {120, 90, 100}));
        assertEquals(100.0, PredictorBench.low(new double[] {0, 100, 130}));
        assertTrue(Double.isInfinite(PredictorBench.low(new double[] {0, 0})));
    }

    @Test
    void noiseSummarisesRelativeDifferences() {
        PredictorBench.Noise n = PredictorBench.noise(new double[] {0.01, -0.02, 0.2, 0.04});
        assertEquals(4, n.segments());
        assertEquals(0.02, n.medianRelDiff(), 1e-12);
        assertEquals(0.75, n.within10(), 1e-12);
        assertEquals(0.2, n.maxRelDiff(), 1e-12);
    }

    @Test
    void cpuSegmentsAreDistinctValidAndSeeded() {
        var a = PredictorBench.cpuSegments(50, 40, new Random(3));
        assertEquals(a, PredictorBench.cpuSegments(50, 40, new Random(3)));
        assertEquals(40, a.size());
        for (long c : a) {
            int i = (int) (c >>> 32), j = (int) c;
            assertTrue(0 <= i && i < j && j <= 50);
        }
        assertEquals(3, PredictorBench.cpuSegments(2, 40, new Random(3)).size());
    }
}
