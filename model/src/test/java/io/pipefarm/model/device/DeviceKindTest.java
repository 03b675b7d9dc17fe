package io.pipefarm.model.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.device.DeviceKind.Family;
import io.pipefarm.model.device.DeviceKind.Link;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeviceKindTest {

    @Test
    void edgeTpuKindsCarryTheirLinkAndWhetherSimulated() {
        DeviceKind usb = DeviceKind.parse("edgetpu-usb");
        assertEquals(Family.EDGETPU, usb.family());
        assertEquals(Optional.of(Link.USB), usb.link());
        assertTrue(usb.isEdgeTpu());
        assertFalse(usb.isSimulated());
        DeviceKind simPci = DeviceKind.parse("sim-edgetpu-pci");
        assertEquals(Family.SIM_EDGETPU, simPci.family());
        assertEquals(Optional.of(Link.PCIE), simPci.link());
        assertTrue(simPci.isSimulated());
        assertEquals(DeviceKind.simEdgeTpu(Link.PCIE), simPci);
        assertEquals("sim-edgetpu-pci", simPci.toString());
    }

    @Test
    void cpuKindsCarryArchAndThreads() {
        DeviceKind k = DeviceKind.parse("cpu-x86_64-t4");
        assertEquals(Family.CPU, k.family());
        assertEquals(Optional.of("x86_64"), k.arch());
        assertEquals(4, k.threads());
        assertEquals(Optional.empty(), k.link());
        assertEquals("cpu-arm64-t2", DeviceKind.cpu("arm64", 2).name());
        assertEquals(DeviceKind.hostArch(), DeviceKind.hostCpu(1).arch().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> DeviceKind.cpu("x86_64", 0));
    }

    @Test
    void benchKindsAreFixedLatencyStandIns() {
        DeviceKind k = DeviceKind.parse("bench-fixed");
        assertEquals(Family.BENCH, k.family());
        assertFalse(k.isEdgeTpu());
        assertFalse(k.isSimulated());
    }

    @Test
    void aBadKindSaysWhichFormsExist() {
        for (String bad :
                new String[] {"Bad Kind", "edgetpu", "edgetpu-USB", "cpu-x86_64", "cpu-x86_64-t0", "tpu", "", "bench-"
                }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceKind.parse(bad), bad);
            assertTrue(
                    e.getMessage().contains("'" + bad + "' is not a device kind")
                            && e.getMessage().contains("cpu-<arch>-t<threads>"),
                    e.getMessage());
        }
        assertFalse(DeviceKind.isValid(null));
        assertFalse(DeviceKind.isValid("bench-" + "x".repeat(DeviceKind.MAX_LENGTH)));
    }

    @Test
    void builtInKindsParseToThemselves() {
        for (DeviceKind k : DeviceKind.BUILT_IN) assertEquals(k, DeviceKind.parse(k.name()));
        assertTrue(DeviceKind.BUILT_IN.contains(DeviceKind.parse("cpu-arm64-t4")));
    }
}
