package io.pipefarm.agent.edgetpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Struct layouts of edgetpu_c.h and the marshalling of devices and options through native memory. */
class EdgeTpuNativeLayoutTest {

    @Test
    void deviceStructIs16BytesWithPathAt8() {
        assumeTrue(Native.POINTER_SIZE == 8, "64-bit layout");
        EdgeTpuNative.DeviceStruct d = new EdgeTpuNative.DeviceStruct();
        assertEquals(16, d.size());
        assertEquals(0, d.offsetOf("type"));
        assertEquals(8, d.offsetOf("path"));
    }

    @Test
    void optionStructIs16BytesWithValueAt8() {
        assumeTrue(Native.POINTER_SIZE == 8, "64-bit layout");
        EdgeTpuNative.OptionStruct o = new EdgeTpuNative.OptionStruct();
        assertEquals(16, o.size());
        assertEquals(0, o.offsetOf("name"));
        assertEquals(8, o.offsetOf("value"));
    }

    /** Writes an array like libedgetpu would (int enum, 4 bytes padding, char*) and reads it back. */
    @Test
    void devicesAreReadFromANativeArray() {
        assumeTrue(Native.POINTER_SIZE == 8, "64-bit layout");
        String[] paths = {"/sys/bus/usb/devices/2-1", "/dev/apex_0", "/sys/bus/usb/devices/4-1.2"};
        int[] types = {1, 0, 1};
        Memory array = new Memory(16L * paths.length);
        array.clear();
        Memory[] strings = new Memory[paths.length];
        for (int i = 0; i < paths.length; i++) {
            byte[] b = paths[i].getBytes(StandardCharsets.UTF_8);
            strings[i] = new Memory(b.length + 1L);
            strings[i].write(0, b, 0, b.length);
            strings[i].setByte(b.length, (byte) 0);
            array.setInt(16L * i, types[i]);
            array.setInt(16L * i + 4, 0xDEADBEEF); // padding must be ignored
            array.setPointer(16L * i + 8, strings[i]);
        }
        List<EdgeTpuDevice> devices = EdgeTpuLibrary.readDevices(array, paths.length);
        assertEquals(
                List.of(
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/apex_0"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/4-1.2")),
                devices);
        assertEquals("edgetpu-usb", devices.get(0).kind());
        assertEquals("edgetpu-pci", devices.get(1).kind());
        assertEquals("tpu-usb-2-1", devices.get(0).id());
        assertEquals("tpu-pci-apex_0", devices.get(1).id());
        assertEquals("tpu-usb-4-1.2", devices.get(2).id());
        assertEquals(List.of(), EdgeTpuLibrary.readDevices(null, 0));
        assertThrows(RuntimeException.class, () -> EdgeTpuLibrary.readDevices(null, 2));
        array.setInt(16, 7);
        assertThrows(IllegalArgumentException.class, () -> EdgeTpuLibrary.readDevices(array, paths.length));
    }

    @Test
    void optionsRoundTripThroughNativeMemory() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("Performance", "Max");
        in.put("Usb.AlwaysDfu", "False");
        in.put("Usb.MaxBulkInQueueLength", "32");
        in.put("Ünïcode", "välue");
        try (EdgeTpuOptions o = new EdgeTpuOptions(in)) {
            assertEquals(4, o.count());
            Pointer p = o.pointer();
            // raw layout: name pointer at 16*i, value pointer at 16*i + 8
            assertEquals("Usb.AlwaysDfu", p.getPointer(16).getString(0, "UTF-8"));
            assertEquals("32", p.getPointer(2 * 16 + 8).getString(0, "UTF-8"));
            Map<String, String> back = EdgeTpuOptions.read(p, o.count());
            assertEquals(in, back);
            assertEquals(List.copyOf(in.keySet()), List.copyOf(back.keySet()), "order kept");
        }
        try (EdgeTpuOptions none = new EdgeTpuOptions(Map.of())) {
            assertNull(none.pointer());
            assertEquals(0, none.count());
        }
    }

    @Test
    void optionTextIsParsedAndChecked() {
        assertEquals(
                Map.of("Performance", "Max", "Usb.AlwaysDfu", "False"),
                EdgeTpuOptions.parse(" Performance=max , Usb.AlwaysDfu=False"));
        assertEquals(Map.of(), EdgeTpuOptions.parse(""));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EdgeTpuOptions.parse("Performance=turbo"));
        assertTrue(e.getMessage().contains("Low, Medium, High, Max"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EdgeTpuOptions.parse("Performance"));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Performance", "High");
        m.put("Usb.MaxBulkInQueueLength", "8");
        assertEquals(m, EdgeTpuOptions.parse(EdgeTpuOptions.format(m)));
    }

    @Test
    void runtimeNamesSelectADeviceAndOptions() {
        EdgeTpuDevice d = new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/apex_1");
        String name = EdgeTpuDelegates.runtimeName(d, Map.of("Performance", "Max"));
        assertEquals("edgetpu:pci:/dev/apex_1?Performance=Max", name);
        assertTrue(EdgeTpuDelegates.isEdgeTpuRuntime(name));
        assertTrue(EdgeTpuDelegates.isEdgeTpuRuntime("edgetpu"));
        assertEquals(false, EdgeTpuDelegates.isEdgeTpuRuntime("edgetpu-usb"));
        assertEquals(false, EdgeTpuDelegates.isEdgeTpuRuntime("tflite-cpu"));
        EdgeTpuDelegates.Target t = EdgeTpuDelegates.parse(name);
        assertEquals(d, t.device());
        assertEquals(Map.of("Performance", "Max"), t.options());
        assertEquals(
                new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"),
                EdgeTpuDelegates.parse("edgetpu:usb:/sys/bus/usb/devices/2-1").device());
        assertThrows(IllegalArgumentException.class, () -> EdgeTpuDelegates.parse("edgetpu:tpu:/x"));
        assertThrows(IllegalArgumentException.class, () -> EdgeTpuDelegates.parse("edgetpu:usb:/x?Performance=warp"));
    }
}
