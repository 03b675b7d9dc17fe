package io.pipefarm.model.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.OpCost;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NasBenchSamplerTest {
    @Test
    void distinctValidDeterministic() {
        List<CellSpec> a = NasBenchSampler.sample(500, 42L);
        assertEquals(500, a.size());
        Set<String> hashes = new HashSet<>();
        for (CellSpec s : a) {
            assertTrue(hashes.add(s.hash()), "duplicate cell " + s);
            assertTrue(s.vertices() <= CellSpec.MAX_VERTICES && s.edges() <= CellSpec.MAX_EDGES);
            // Pruned already, and valid again when re-read.
            CellSpec again = CellSpec.of(s.originalMatrix(), s.originalOps());
            assertEquals(s.vertices(), again.vertices());
        }
        assertEquals(a, NasBenchSampler.sample(500, 42L));
        assertNotEquals(a, NasBenchSampler.sample(500, 43L));
        assertEquals(a.subList(0, 100), NasBenchSampler.sample(100, 42L));
        assertTrue(NasBenchSampler.sample(0, 1L).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> NasBenchSampler.sample(-1, 1L));
        assertThrows(
                IllegalArgumentException.class, () -> NasBenchSampler.sample(NasBenchSampler.UNIQUE_CELLS + 1, 1L));
    }

    @Test
    void sampledCellsBuild() {
        // Building exercises the concat quantisation rule and the channel truncation on varied cells.
        for (CellSpec s : NasBenchSampler.sample(40, 5L)) {
            Graph g = NasBenchNetwork.build(s, 1L);
            assertEquals(NasBenchNetwork.foldedParams(s), OpCost.totalParamCount(g), s.toString());
        }
    }
}
