package io.pipefarm.model.graph;

/** Spatial padding; codes are TFLite Padding values. */
public enum Padding {
    SAME(0),
    VALID(1);

    private final int code;

    Padding(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Padding ofCode(int code) {
        return code == 0 ? SAME : VALID;
    }
}
