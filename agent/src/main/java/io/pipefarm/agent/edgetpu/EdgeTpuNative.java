package io.pipefarm.agent.edgetpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;

/**
 * JNA binding of {@code edgetpu_c.h} (libedgetpu). 64-bit only: {@code size_t} is bound as a Java
 * {@code long} / {@link LongByReference}; {@link EdgeTpuLibrary} refuses to load on other platforms.
 *
 * <pre>
 * struct edgetpu_device* edgetpu_list_devices(size_t* num_devices);
 * void edgetpu_free_devices(struct edgetpu_device* dev);
 * TfLiteDelegate* edgetpu_create_delegate(enum edgetpu_device_type type, const char* name,
 *                                         const struct edgetpu_option* options, size_t num_options);
 * void edgetpu_free_delegate(TfLiteDelegate* delegate);
 * void edgetpu_verbosity(int verbosity);
 * const char* edgetpu_version();
 * </pre>
 */
public interface EdgeTpuNative extends Library {

    Pointer edgetpu_list_devices(LongByReference numDevices);

    void edgetpu_free_devices(Pointer devices);

    Pointer edgetpu_create_delegate(int type, String name, Pointer options, long numOptions);

    void edgetpu_free_delegate(Pointer delegate);

    void edgetpu_verbosity(int verbosity);

    String edgetpu_version();

    /** {@code struct edgetpu_device { enum edgetpu_device_type type; const char* path; }}: 16 bytes, path at 8 on LP64. */
    @Structure.FieldOrder({"type", "path"})
    class DeviceStruct extends Structure {
        public int type;
        public Pointer path;

        public DeviceStruct() {
            super();
        }

        public DeviceStruct(Pointer p) {
            super(p);
            read();
        }

        /** Byte offset of a field (for layout checks). */
        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** {@code struct edgetpu_option { const char* name; const char* value; }}: 16 bytes on LP64. */
    @Structure.FieldOrder({"name", "value"})
    class OptionStruct extends Structure {
        public Pointer name;
        public Pointer value;

        public OptionStruct() {
            super();
        }

        public OptionStruct(Pointer p) {
            super(p);
            read();
        }

        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }
}
