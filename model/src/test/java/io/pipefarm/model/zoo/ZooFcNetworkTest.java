package io.pipefarm.model.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import org.junit.jupiter.api.Test;

class ZooFcNetworkTest {
    @Test
    void layersAndCounts() {
        Graph g = FcNetwork.build(64, 256, 4, 1L);
        assertEquals(2 * 4 + 1, g.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(OpType.FULLY_CONNECTED, g.op(2 * i).type());
            assertEquals(
                    Activation.NONE, ((OpOptions.FullyConnected) g.op(2 * i).options()).activation());
            assertEquals(OpType.TANH, g.op(2 * i + 1).type());
        }
        assertEquals(OpType.FULLY_CONNECTED, g.op(8).type());
        assertArrayEquals(new int[] {1, 64}, g.tensor(g.inputs()[0]).shape());
        assertArrayEquals(
                new int[] {1, FcNetwork.DEFAULT_OUTPUTS},
                g.tensor(g.outputs()[0]).shape());
        long expected = 64 * 256 + 256 + 3 * (256 * 256 + 256) + 256 * 10 + 10;
        assertEquals(expected, OpCost.totalParamCount(g));
        assertEquals(expected, FcNetwork.paramCount(64, 256, 4, 10));
        assertEquals(64 * 256 + 3 * 256 * 256 + 2560 + 4 * 256, OpCost.totalMacs(g)); // FC MACs + one per TANH output
        assertEquals("fc_64x256x4", g.name());
    }

    @Test
    void otherShapes() {
        Graph g = FcNetwork.build(64, 32, 0, 1, 3L);
        assertEquals(1, g.size());
        assertEquals(65, OpCost.totalParamCount(g));
        assertThrows(IllegalArgumentException.class, () -> FcNetwork.build(0, 8, 1, 1L));
        assertThrows(IllegalArgumentException.class, () -> FcNetwork.build(8, 8, -1, 1L));
        assertEquals(FcNetwork.build(64, 32, 2, 5L), FcNetwork.build(64, 32, 2, 5L));
    }
}
