package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FarmExperimentTest {

    @Test
    void everyJobOfBothCampaignsGoesTheWholeWay(@TempDir Path dir) throws Exception {
        // fc:16,16,2 is FC, TANH, FC, TANH, FC: 5 ops, 15 segments, of which the two lone TANHs are the same bytes (one
        // key,
        // one job): 14 jobs; fc:16,16,1 is FC, TANH, FC: 6 segments, all different
        FarmExperiment.Result r = FarmExperiment.run(new FarmExperiment.Options(3, 2, 2, 1, dir));
        assertEquals(14, r.zeroMs().total());
        assertEquals(14, r.zeroMs().done());
        assertEquals(6, r.twentyMs().total());
        assertEquals(6, r.twentyMs().done());
        assertEquals(0, r.failed());
        assertEquals(3, r.devices());
        assertTrue(r.utilisation() > 0, r.toString());
    }

    @Test
    void optionsNeedAnAgentPerDeviceAtMost() {
        assertThrows(IllegalArgumentException.class, () -> new FarmExperiment.Options(1, 2, 2, 2, Path.of(".")));
        assertThrows(IllegalArgumentException.class, () -> new FarmExperiment.Options(2, 1, 0, 2, Path.of(".")));
    }
}
