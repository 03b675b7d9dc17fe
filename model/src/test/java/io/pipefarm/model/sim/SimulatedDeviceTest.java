package io.pipefarm.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedDeviceTest {

    private static EdgeTpuSimConfig quiet() {
        return EdgeTpuSimConfig.usb().withOverrides(Map.of("noiseSigma", "0"));
    }

    @Test
    void remembersTheLoadedModelAndChargesSwitches() {
        SimulatedDevice d = new SimulatedDevice("sim-usb-0", quiet());
        Graph a = EdgeTpuSimulatorTest.smallNet();
        Graph b = EdgeTpuSimulatorTest.fcLayers("b", 1000, 1000);
        EdgeTpuSimulator sim = d.simulator();
        long warmA = sim.estimate(a).latencyNs();
        long warmB = sim.estimate(b).latencyNs();

        assertNull(d.loadedModelKey());
        assertEquals(warmA + sim.reloadNanos(a), d.run(a, "A"), "first run loads the cache");
        assertEquals(warmA, d.run(a, "A"), "then it is warm");
        assertEquals(warmB + sim.reloadNanos(b), d.run(b, "B"), "switch to B reloads B's parameters");
        assertEquals(warmA + sim.reloadNanos(a), d.run(a, "A"), "and back");
        assertEquals("A", d.loadedModelKey());
        assertEquals(4, d.runCount());
        d.unload();
        assertNull(d.loadedModelKey());
        assertEquals(warmA + sim.reloadNanos(a), d.run(a, "A"));
        assertEquals(EdgeTpuSimulator.modelKey(a), runAndKey(d, a));
        assertTrue(d.busyNanos() > 0);
    }

    private static String runAndKey(SimulatedDevice d, Graph g) {
        d.run(g);
        return d.loadedModelKey();
    }

    @Test
    void sameSeedAndHistoryGiveTheSameSamples() {
        Graph a = EdgeTpuSimulatorTest.smallNet();
        Graph b = EdgeTpuSimulatorTest.fcLayers("b", 500);
        List<Long> first = history(new SimulatedDevice("x", EdgeTpuSimConfig.pci()), a, b);
        List<Long> second = history(new SimulatedDevice("y", EdgeTpuSimConfig.pci()), a, b);
        assertEquals(first, second);
        assertEquals(first.size(), first.stream().distinct().count(), "samples vary run to run");
    }

    private static List<Long> history(SimulatedDevice d, Graph a, Graph b) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 20; i++) out.add(d.run(i % 3 == 0 ? b : a, i % 3 == 0 ? "b" : "a"));
        return out;
    }
}
