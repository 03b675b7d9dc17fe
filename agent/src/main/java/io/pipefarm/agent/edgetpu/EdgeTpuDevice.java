package io.pipefarm.agent.edgetpu;

import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.device.DeviceKind.Link;
import java.util.Locale;
import java.util.Objects;

/**
 * One Edge TPU as {@code edgetpu_list_devices} reports it: its bus type and its path (for USB a sysfs
 * path such as {@code /sys/bus/usb/devices/2-1}, for PCIe a device node such as {@code /dev/apex_0}).
 */
public record EdgeTpuDevice(Type type, String path) {

    /** {@code enum edgetpu_device_type}: {@code EDGETPU_APEX_PCI = 0}, {@code EDGETPU_APEX_USB = 1}. */
    public enum Type {
        PCI(0, "pci", Link.PCIE),
        USB(1, "usb", Link.USB);

        private final int code;
        private final String label;
        private final Link link;

        Type(int code, String label, Link link) {
            this.code = code;
            this.label = label;
            this.link = link;
        }

        /** The C enum value. */
        public int code() {
            return code;
        }

        /** {@code usb} or {@code pci}. */
        public String label() {
            return label;
        }

        public Link link() {
            return link;
        }

        public static Type fromCode(int code) {
            for (Type t : values()) if (t.code == code) return t;
            throw new IllegalArgumentException(
                    "unknown edgetpu_device_type " + code + " (expected 0 = PCI or 1 = USB)");
        }

        /** {@code usb} / {@code pci} (also {@code pcie}, any case). */
        public static Type parse(String s) {
            String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            switch (k) {
                case "usb":
                    return USB;
                case "pci":
                case "pcie":
                    return PCI;
                default:
                    throw new IllegalArgumentException("unknown Edge TPU type '" + s + "' (expected usb or pci)");
            }
        }
    }

    public EdgeTpuDevice {
        Objects.requireNonNull(type, "type");
        path = path == null ? "" : path;
    }

    /** Device kind of the farm: {@code edgetpu-usb} or {@code edgetpu-pci}. */
    public String kind() {
        return DeviceKind.edgeTpu(type.link()).name();
    }

    /**
     * The agent's device id, from the path: {@code tpu-usb-2-1} for {@code /sys/bus/usb/devices/2-1},
     * {@code tpu-pci-apex_0} for {@code /dev/apex_0}. Stable across restarts as long as the device stays
     * on the same port.
     */
    public String id() {
        String p = path;
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        String last = p.substring(p.lastIndexOf('/') + 1);
        String clean = last.replaceAll("[^A-Za-z0-9_.-]", "_");
        return "tpu-" + type.label() + "-" + (clean.isEmpty() ? "0" : clean);
    }

    /** {@code usb:/sys/bus/usb/devices/2-1}: the form used in runtime names and messages. */
    public String spec() {
        return type.label() + ":" + path;
    }

    /** Parses {@link #spec()}. */
    public static EdgeTpuDevice parseSpec(String spec) {
        int c = spec == null ? -1 : spec.indexOf(':');
        if (c < 0)
            throw new IllegalArgumentException(
                    "Edge TPU device spec must be TYPE:PATH (e.g. usb:/sys/bus/usb/devices/2-1), got '" + spec + "'");
        return new EdgeTpuDevice(Type.parse(spec.substring(0, c)), spec.substring(c + 1));
    }

    @Override
    public String toString() {
        return spec();
    }
}
