package io.pipefarm.model.graph;

/** Fused activation functions; codes are TFLite ActivationFunctionType values. */
public enum Activation {
    NONE(0),
    RELU(1),
    RELU_N1_TO_1(2),
    RELU6(3),
    TANH(4);

    private final int code;

    Activation(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Activation ofCode(int code) {
        for (Activation a : values()) if (a.code == code) return a;
        throw new IllegalArgumentException("unknown fused activation code " + code);
    }
}
