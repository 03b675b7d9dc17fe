package io.pipefarm.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeTpuSimConfigTest {

    @Test
    void presetsAreDocumentedValues() {
        EdgeTpuSimConfig usb = EdgeTpuSimConfig.usb();
        EdgeTpuSimConfig pci = EdgeTpuSimConfig.pci();
        assertEquals("sim-edgetpu-usb", usb.deviceKind());
        assertEquals("sim-edgetpu-pci", pci.deviceKind());
        double cacheMiB = usb.paramCacheBytes() / (double) EdgeTpuSimConfig.MIB;
        assertEquals(7.625, cacheMiB, 1e-9, "parameter cache is exactly 7.625 MiB");
        assertEquals(usb.paramCacheBytes(), pci.paramCacheBytes(), "same chip, same cache");
        assertEquals(2.0e12, usb.peakMacsPerSec(), 1, "4 TOPS = 2 TMAC/s");
        assertTrue(usb.perInvokeNs() > pci.perInvokeNs(), "USB invoke costs more than PCIe");
        assertTrue(usb.ioBytesPerSec() >= 250e6 && usb.ioBytesPerSec() <= 350e6, "USB ~300 MB/s effective");
        assertTrue(pci.ioBytesPerSec() >= 400e6 && pci.ioBytesPerSec() <= 450e6, "PCIe 400-450 MB/s effective");
        double msPerMiB = EdgeTpuSimConfig.MIB / usb.streamBytesPerSec() * 1e3;
        assertEquals(2.75, msPerMiB, 0.1, "~2.75 ms per streamed MiB");
        assertTrue(usb.noiseSigma() >= 0.01 && usb.noiseSigma() <= 0.02);
    }

    @Test
    void forKindPicksPreset() {
        assertEquals(EdgeTpuSimConfig.usb(), EdgeTpuSimConfig.forKind("sim-edgetpu-usb"));
        assertEquals(EdgeTpuSimConfig.pci(), EdgeTpuSimConfig.forKind("sim-edgetpu-pci"));
        assertThrows(IllegalArgumentException.class, () -> EdgeTpuSimConfig.forKind("cpu-x86_64-t1"));
    }

    @Test
    void overridesAcceptCamelKebabAndPrefixedKeys() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("perInvokeNs", "123_000");
        o.put("param-cache-bytes", "8000000");
        o.put("pipefarm.sim.edgetpu.noise-sigma", "0");
        o.put("seed", "0x2A");
        o.put("deviceKind", "sim-edgetpu-usb-test");
        EdgeTpuSimConfig c = EdgeTpuSimConfig.usb().withOverrides(o);
        assertEquals(123_000, c.perInvokeNs());
        assertEquals(8_000_000L, c.paramCacheBytes());
        assertEquals(0.0, c.noiseSigma());
        assertEquals(42L, c.seed());
        assertEquals("sim-edgetpu-usb-test", c.deviceKind());
        assertEquals(EdgeTpuSimConfig.usb().convEfficiency(), c.convEfficiency(), "untouched values stay");
        assertEquals(EdgeTpuSimConfig.usb(), EdgeTpuSimConfig.usb().withOverrides(Map.of()));
    }

    @Test
    void asMapRoundTrips() {
        EdgeTpuSimConfig pci = EdgeTpuSimConfig.pci();
        assertEquals(pci, EdgeTpuSimConfig.usb().withOverrides(pci.asMap()));
    }

    @Test
    void badOverridesNameTheKey() {
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class, () -> EdgeTpuSimConfig.usb().withOverrides(Map.of("cacheSize", "1")));
        assertTrue(unknown.getMessage().contains("cacheSize"), unknown.getMessage());
        IllegalArgumentException malformed = assertThrows(
                IllegalArgumentException.class, () -> EdgeTpuSimConfig.usb().withOverrides(Map.of("perOpNs", "fast")));
        assertTrue(malformed.getMessage().contains("perOpNs"), malformed.getMessage());
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class,
                () -> EdgeTpuSimConfig.usb().withOverrides(Map.of("convEfficiency", "1.5")));
        assertTrue(range.getMessage().contains("convEfficiency"), range.getMessage());
    }
}
