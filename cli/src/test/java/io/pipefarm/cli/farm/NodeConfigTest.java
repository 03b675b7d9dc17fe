package io.pipefarm.cli.farm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsTheGivenFileAndNamesBadOnes() throws Exception {
        Path f = dir.resolve("pipefarm.conf");
        Files.writeString(f, "pipefarm.predictor.retrain-after = 42\n");
        assertEquals(42, NodeConfig.load(f).getInt("pipefarm.predictor.retrain-after"));
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(dir.resolve("nope.conf")));
        assertTrue(missing.getMessage().contains("nope.conf"), missing.getMessage());
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "pipefarm { predictor = \n");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(bad));
        assertTrue(broken.getMessage().contains("bad.conf"), broken.getMessage());
    }
}
