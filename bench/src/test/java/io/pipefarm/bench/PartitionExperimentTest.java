package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionExperimentTest {

    @Test
    void everyMethodOnTwoTinyNetworksIsAtLeastTheExactOptimum() {
        List<CellSpec> nets = NasBenchSampler.sample(2, 101);
        PartitionExperiment.Options o = new PartitionExperiment.Options(
                nets, List.of(2, 3), List.of(), true, 2, 40, true, 4, null, 2.0, List.of(1580));
        PartitionExperiment.Result r = PartitionExperiment.run(o, s -> {});

        assertEquals(2 * 2 * PartitionExperiment.VARIANTS.size(), r.rows().size());
        for (PartitionExperiment.Row row : r.rows()) {
            assertTrue(row.ratio() >= 1.0 - 1e-9, "no method beats the exact optimum on measured costs: " + row);
            if (row.method().equals("exact")) assertEquals(1.0, row.ratio(), 1e-12, row.toString());
            if (row.method().equals("exact")) assertTrue(row.profiled() > 0, "exact profiles every segment: " + row);
        }
        assertEquals(List.of("nasbench", "all"), List.copyOf(r.groups().keySet()));
        PartitionExperiment.MethodStats exact = r.groups().get("all").get("exact");
        assertEquals(4, exact.instances());
        assertEquals(1.0, exact.geomeanRatio(), 1e-12);
        assertEquals(4, exact.within1pct());
        assertEquals(1.0, r.groups().get("all").get("profile").profiledVsProfile(), 1e-12);

        // held-out accuracy is measured on every segment of the evaluated networks
        long segments = 0;
        for (CellSpec s : nets) {
            int n = ModelZoo.nasbench(s).size();
            segments += (long) n * (n + 1) / 2;
        }
        assertEquals(segments, r.accuracy().get("nasbench").segments());
        double acc10 = r.accuracy().get("all").acc10();
        assertTrue(acc10 >= 0 && acc10 <= 1, "a fraction: " + acc10);
        assertFalse(r.accuracy().containsKey("zoo"));
        assertEquals("quick", r.predictor());
        assertTrue(r.config().hybridError() > 0);

        assertEquals(1, r.speedups().size());
        PartitionExperiment.Speedup fc = r.speedups().get(0);
        assertEquals(2, fc.speedups().size());
        for (double x : fc.speedups()) assertTrue(x > 0 && Double.isFinite(x), fc.toString());
        assertTrue(fc.oneTpuNs() > 0);
    }

    @Test
    void aggregatesRatiosAgainstCoralsBaseline() {
        List<PartitionExperiment.Row> rows = List.of(
                new PartitionExperiment.Row("nasbench", "a", 5, 2, "exact", 1.0, 15, 15, 1e6, 30e9, 1e6),
                new PartitionExperiment.Row("nasbench", "a", 5, 2, "profile", 1.2, 4, 6, 1e6, 8e9, 1e6),
                new PartitionExperiment.Row(
                        "nasbench", "a", 5, 2, PartitionExperiment.PROFILE_FINE, 1.0, 8, 10, 1e6, 16e9, 1e6),
                new PartitionExperiment.Row("nasbench", "a", 5, 2, "hybrid", 1.005, 2, 2, 1e6, 4e9, 1e6));
        var g = PartitionExperiment.aggregate(rows).get("nasbench");
        assertEquals(0.5, g.get("hybrid").profiledVsProfile(), 1e-12);
        assertEquals(0.25, g.get("hybrid").profiledVsFine(), 1e-12);
        assertEquals(2.0 / 6, g.get("hybrid").profiledVsProbes(), 1e-12);
        assertEquals(1, g.get("hybrid").within1pct());
        assertEquals(1.2, g.get("profile").worstRatio(), 1e-12);
        assertEquals(0, g.get("greedy").instances());
    }
}
