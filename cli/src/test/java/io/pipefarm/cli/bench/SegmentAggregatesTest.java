package io.pipefarm.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.zoo.ModelZoo;
import org.junit.jupiter.api.Test;

class SegmentAggregatesTest {

    /** Every aggregate of every segment equals the direct computation from the IR. */
    static void checkAgainstIr(Graph g) {
        SegmentAggregates a = SegmentAggregates.of(g);
        int n = g.size();
        assertEquals(n * (n + 1) / 2, a.segmentCount());
        for (int i = 0; i < n; i++) {
            long macs = 0, params = 0, act = 0;
            int[] types = new int[OpType.values().length];
            for (int j = i + 1; j <= n; j++) {
                Op op = g.op(j - 1);
                macs += OpCost.macs(g, op);
                params += OpCost.paramBytes(g, op);
                act += OpCost.activationBytes(g, op);
                types[op.type().ordinal()]++;
                Graph.SegmentIo io = g.segmentIo(i, j);
                long in = 0, out = 0;
                for (int t : io.inputs()) in += g.tensor(t).byteSize();
                for (int t : io.outputs()) out += g.tensor(t).byteSize();
                String at = g.name() + " [" + i + "," + j + ")";
                assertEquals(macs, a.macs(i, j), at);
                assertEquals(params, a.paramBytes(i, j), at);
                assertEquals(act, a.activationBytes(i, j), at);
                assertEquals(in, a.inputBytes(i, j), at);
                assertEquals(out, a.outputBytes(i, j), at);
                for (OpType t : OpType.values()) assertEquals(types[t.ordinal()], a.opCount(t, i, j), at);
                double[] f = a.features(i, j, null);
                assertEquals(j - i, (int) f[0]);
                assertEquals(g.crossingBytes(i), (long) f[6]);
            }
        }
    }

    @Test
    void matchesTheIrOnBranchingModels() {
        checkAgainstIr(ModelZoo.build("squeezenet"));   // concatenations
        checkAgainstIr(ModelZoo.build("mobilenet_v2")); // residual adds
        checkAgainstIr(ModelBench.network("nasbench")); // multi-branch cells
        checkAgainstIr(ModelZoo.fc(8, 16, 3));
    }

    @Test
    void benchModelRunsAndPrintsOneJsonObject() throws Exception {
        CliRun r = CliRun.of("bench", "model", "--models", "squeezenet", "--segment-models", "fc:16,32,3", "--repeat", "1", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals("squeezenet", o.path("models").get(0).path("name").asText());
        assertTrue(o.path("models").get(0).path("bytes").asLong() > 1_000_000);
        JsonNode s = o.path("segments").get(0);
        assertEquals(7 * 8 / 2, s.path("segments").asInt());
        assertTrue(s.path("totalBytes").asLong() > 0);
        CliRun t = CliRun.of("bench", "model", "--models", "none", "--segment-models", "fc:16,32,3", "--repeat", "1");
        assertEquals(0, t.code(), t::toString);
        assertTrue(t.out().contains("fc:16,32,3"), t::toString);
        CliRun bad = CliRun.of("bench", "model", "--models", "nope");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("pipefarm: unknown zoo model \"nope\""), bad::toString);
    }
}
