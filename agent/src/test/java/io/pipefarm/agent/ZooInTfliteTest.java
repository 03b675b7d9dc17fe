package io.pipefarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.agent.tflite.TfliteRuntime;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance test of the model zoo: every zoo model, and 20 sampled NASBench-101 networks, load and
 * run in real TFLite through the JNA runtime; for each, 3 seeded random segmentations (2-4 stages)
 * run segment after segment give outputs byte-identical to the whole model's on the same input.
 * Runs in-process on the test thread, {@value SegmentChain#THREADS} interpreter threads.
 */
class ZooInTfliteTest {
    private static final Logger log = LoggerFactory.getLogger(ZooInTfliteTest.class);

    static final int NASBENCH_NETWORKS = 20;
    static final long NASBENCH_SEED = 101;

    @BeforeAll
    static void loadTflite() {
        assertEquals("2.20.0", TfliteRuntime.load());
    }

    static List<String> zooNames() {
        return ModelZoo.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("zooNames")
    void zooModelSegmentsMatchWholeModel(String name) {
        long t0 = System.nanoTime();
        Graph g = ModelZoo.build(name);
        long built = System.nanoTime();
        SegmentChain.Whole whole = SegmentChain.checkSegmentationsMatchWhole(g, name.hashCode(), 2);
        log.info(
                "zoo {}: {} ops, {} MB; TFLite whole model {} ms (first run {} ms, threads={}); test {} s (build {} s)",
                name,
                g.size(),
                String.format("%.1f", whole.bytes() / 1e6),
                ms(whole.steadyNs()),
                ms(whole.firstNs()),
                SegmentChain.THREADS,
                String.format("%.1f", (System.nanoTime() - t0) / 1e9),
                String.format("%.1f", (built - t0) / 1e9));
    }

    @Test
    void nasBenchNetworksSegmentsMatchWholeModel() {
        List<CellSpec> cells = NasBenchSampler.sample(NASBENCH_NETWORKS, NASBENCH_SEED);
        assertEquals(NASBENCH_NETWORKS, cells.size());
        long t0 = System.nanoTime();
        int i = 0;
        for (CellSpec cell : cells) {
            Graph g = ModelZoo.nasbench(cell);
            SegmentChain.Whole whole = SegmentChain.checkSegmentationsMatchWhole(g, NASBENCH_SEED + i, 1);
            log.info(
                    "nasbench #{} {}: {} ops; TFLite whole model {} ms (threads={})",
                    i,
                    cell.hash().substring(0, 8),
                    g.size(),
                    ms(whole.steadyNs()),
                    SegmentChain.THREADS);
            i++;
        }
        log.info(
                "nasbench: {} networks in {} s",
                NASBENCH_NETWORKS,
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }

    @Test
    void fullyConnectedNetworkSegmentsMatchWholeModel() {
        Graph g = ModelZoo.fc(256, 512, 6);
        assertTrue(g.size() >= 4, g + " is too small to cut into 4 stages");
        SegmentChain.checkSegmentationsMatchWhole(g, 7, 1);
    }

    private static String ms(long ns) {
        return String.format("%.2f", ns / 1e6);
    }
}
