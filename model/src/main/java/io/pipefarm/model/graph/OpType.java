package io.pipefarm.model.graph;

import java.util.Locale;

/**
 * Operator types the IR understands. Codes are TFLite BuiltinOperator values (a schema fact).
 * Anything else read from a user's file becomes {@link #OPAQUE}, kept with its tensors and bytes.
 */
public enum OpType {
    ADD(0),
    AVERAGE_POOL_2D(1),
    CONCATENATION(2),
    CONV_2D(3),
    DEPTHWISE_CONV_2D(4),
    FULLY_CONNECTED(9),
    LOGISTIC(14),
    MAX_POOL_2D(17),
    MUL(18),
    RESHAPE(22),
    SOFTMAX(25),
    TANH(28),
    PAD(34),
    MEAN(40),
    SLICE(65),
    HARD_SWISH(117),
    OPAQUE(-1);

    private final int builtinCode;

    OpType(int builtinCode) {
        this.builtinCode = builtinCode;
    }

    public int builtinCode() {
        return builtinCode;
    }

    /** The IR type of a TFLite builtin code; {@link #OPAQUE} when unknown. */
    public static OpType ofBuiltinCode(int code) {
        for (OpType t : values()) if (t.builtinCode == code && t != OPAQUE) return t;
        return OPAQUE;
    }

    /** Short lower-case name used in tables and features. */
    public String shortName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
