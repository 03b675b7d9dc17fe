package io.pipefarm.agent.tflite;

/** TFLite C API {@code TfLiteType} codes (these differ from the flatbuffer schema's TensorType). */
public enum TensorType {
    NOTYPE(0, 0),
    FLOAT32(1, 4),
    INT32(2, 4),
    UINT8(3, 1),
    INT64(4, 8),
    STRING(5, 0),
    BOOL(6, 1),
    INT16(7, 2),
    COMPLEX64(8, 8),
    INT8(9, 1),
    FLOAT16(10, 2),
    FLOAT64(11, 8),
    COMPLEX128(12, 16),
    UINT64(13, 8),
    RESOURCE(14, 0),
    VARIANT(15, 0),
    UINT32(16, 4),
    UINT16(17, 2),
    INT4(18, 0),
    BFLOAT16(19, 2),
    UNKNOWN(-1, 0);

    private final int code;
    private final int elementSize;
    private static final TensorType[] BY_CODE = new TensorType[20];

    TensorType(int code, int elementSize) {
        this.code = code;
        this.elementSize = elementSize;
    }

    /** The {@code TfLiteType} value. */
    public int code() {
        return code;
    }

    /** Bytes per element, 0 where not fixed (string, int4, resource, ...). */
    public int elementSize() {
        return elementSize;
    }

    static {
        for (TensorType t : values()) {
            if (t.code >= 0) BY_CODE[t.code] = t;
        }
    }

    public static TensorType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
    }
}
