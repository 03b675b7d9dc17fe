package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuLabelsTest {

    @Test
    void theLabelIsTheLowestPerPassMedianIgnoringMissingPasses() {
        assertEquals(90.0, CpuLabels.low(new double[] {120, 90, 100}));
        assertEquals(100.0, CpuLabels.low(new double[] {0, 100, 130}));
        assertTrue(Double.isInfinite(CpuLabels.low(new double[] {0, 0})));
    }

    @Test
    void noiseSummarisesRelativeDifferences() {
        CpuLabels.Noise n = CpuLabels.noise(new double[] {0.01, -0.02, 0.2, 0.04});
        assertEquals(4, n.segments());
        assertEquals(0.02, n.medianRelDiff(), 1e-12);
        assertEquals(0.75, n.within10(), 1e-12);
        assertEquals(0.2, n.maxRelDiff(), 1e-12);
    }

    @Test
    void cpuSegmentsAreDistinctValidAndSeeded() {
        var a = CpuLabels.segments(50, 40, new Random(3));
        assertEquals(a, CpuLabels.segments(50, 40, new Random(3)));
        assertEquals(40, a.size());
        for (long c : a) {
            int i = (int) (c >>> 32), j = (int) c;
            assertTrue(0 <= i && i < j && j <= 50);
        }
        assertEquals(3, CpuLabels.segments(2, 40, new Random(3)).size());
    }

    @Test
    void labelsComeFromTheAgentsRunnerInInterleavedPassesAndReload(@TempDir Path dir) throws Exception {
        List<PredictorExperiment.Net> nets = List.of(
                PredictorExperiment.Net.of("a", ModelZoo.fc(8, 8, 2), false),
                PredictorExperiment.Net.of("b", ModelZoo.fc(8, 16, 1), true));
        Path labels = dir.resolve("labels.tsv");
        CpuLabels.CpuOptions o = new CpuLabels.CpuOptions(2, 1, 4, List.of(), 1, false, 2, 2, labels, null);
        List<String> heard = new ArrayList<>();
        CpuLabels.Outcome out = CpuLabels.profile(nets, o, 5, heard::add);
        assertEquals(8, out.samples().size(), "4 segments of each network");
        assertEquals(0, out.skipped());
        assertEquals(List.of("b"), List.copyOf(out.heldOutArchitectures()));
        assertEquals(2, out.passSeconds().size());
        assertTrue(out.tfliteVersion() != null && !out.tfliteVersion().isEmpty());
        for (var s : out.samples()) assertTrue(s.latencyNs() > 0 && Double.isFinite(s.latencyNs()), s.toString());
        assertEquals(2, out.noise().segments(), "every noise segment got two labels");
        assertEquals(2, out.backToBack().segments());
        assertTrue(!heard.isEmpty() && heard.get(0).startsWith("profiling on CPU, pass 1/2"), heard.toString());

        // the saved per-pass medians give the same labels without profiling
        assertTrue(Files.size(labels) > 0);
        CpuLabels.Outcome again = CpuLabels.profile(
                nets, new CpuLabels.CpuOptions(2, 1, 4, List.of(), 1, false, 2, 2, null, labels), 5, s -> {});
        for (int k = 0; k < out.samples().size(); k++)
            assertEquals(
                    out.samples().get(k).latencyNs(), again.samples().get(k).latencyNs(), 0.0);
        assertEquals(0, again.backToBack().segments(), "loaded labels have no back-to-back measurement");
    }
}
