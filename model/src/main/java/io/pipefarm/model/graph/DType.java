package io.pipefarm.model.graph;

/** Element types of tensors. Codes are TFLite's TensorType values (a schema fact). */
public enum DType {
    FLOAT32(0, 4),
    FLOAT16(1, 2),
    INT32(2, 4),
    UINT8(3, 1),
    INT64(4, 8),
    STRING(5, 1),
    BOOL(6, 1),
    INT16(7, 2),
    INT8(9, 1);

    private final int tfliteCode;
    private final int bytes;

    DType(int tfliteCode, int bytes) {
        this.tfliteCode = tfliteCode;
        this.bytes = bytes;
    }

    public int tfliteCode() {
        return tfliteCode;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The type for a TFLite TensorType code, or null if the IR does not know it. */
    public static DType ofTfliteCode(int code) {
        for (DType t : values()) if (t.tfliteCode == code) return t;
        return null;
    }
}
