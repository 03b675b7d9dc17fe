package io.pipefarm.model.tflite;

/**
 * Facts of TensorFlow Lite's flatbuffer schema ({@code tensorflow/lite/schema/schema.fbs}, file
 * identifier {@code TFL3}, schema version 3) that the reader and writer rely on: field ids of the tables
 * (a field with id {@code k} lives in vtable slot {@code 4 + 2k}) and union type numbers of
 * {@code BuiltinOptions}. Only the facts are taken from the schema; the code is ours.
 */
public final class Schema {
    private Schema() {}

    public static final String FILE_IDENTIFIER = "TFL3";
    public static final int SCHEMA_VERSION = 3;

    // table Model
    public static final int MODEL_VERSION = 0,
            MODEL_OPERATOR_CODES = 1,
            MODEL_SUBGRAPHS = 2,
            MODEL_DESCRIPTION = 3,
            MODEL_BUFFERS = 4,
            MODEL_METADATA_BUFFER = 5,
            MODEL_METADATA = 6,
            MODEL_SIGNATURE_DEFS = 7,
            MODEL_FIELDS = 8;

    // table SubGraph
    public static final int SUBGRAPH_TENSORS = 0,
            SUBGRAPH_INPUTS = 1,
            SUBGRAPH_OUTPUTS = 2,
            SUBGRAPH_OPERATORS = 3,
            SUBGRAPH_NAME = 4,
            SUBGRAPH_FIELDS = 5;

    // table Tensor
    public static final int TENSOR_SHAPE = 0,
            TENSOR_TYPE = 1,
            TENSOR_BUFFER = 2,
            TENSOR_NAME = 3,
            TENSOR_QUANTIZATION = 4,
            TENSOR_IS_VARIABLE = 5,
            TENSOR_SPARSITY = 6,
            TENSOR_SHAPE_SIGNATURE = 7,
            TENSOR_HAS_RANK = 8,
            TENSOR_VARIANT_TENSORS = 9,
            TENSOR_FIELDS = 10;

    // table QuantizationParameters (the union `details` takes two ids: type then value)
    public static final int QUANT_MIN = 0,
            QUANT_MAX = 1,
            QUANT_SCALE = 2,
            QUANT_ZERO_POINT = 3,
            QUANT_DETAILS_TYPE = 4,
            QUANT_DETAILS = 5,
            QUANT_QUANTIZED_DIMENSION = 6,
            QUANT_FIELDS = 7;

    // table Buffer: data:[ubyte] (force_align: 16); offset/size for models over 2 GB
    public static final int BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2, BUFFER_FIELDS = 3;
    public static final int BUFFER_DATA_ALIGNMENT = 16;

    // table OperatorCode
    public static final int OPCODE_DEPRECATED_BUILTIN_CODE = 0,
            OPCODE_CUSTOM_CODE = 1,
            OPCODE_VERSION = 2,
            OPCODE_BUILTIN_CODE = 3,
            OPCODE_FIELDS = 4;
    /** BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES: the deprecated byte code of codes >= 127. */
    public static final int PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

    public static final int BUILTIN_CUSTOM = 32;

    // table Operator
    public static final int OP_OPCODE_INDEX = 0,
            OP_INPUTS = 1,
            OP_OUTPUTS = 2,
            OP_BUILTIN_OPTIONS_TYPE = 3,
            OP_BUILTIN_OPTIONS = 4,
            OP_CUSTOM_OPTIONS = 5,
            OP_CUSTOM_OPTIONS_FORMAT = 6,
            OP_MUTATING_VARIABLE_INPUTS = 7,
            OP_INTERMEDIATES = 8,
            OP_LARGE_CUSTOM_OPTIONS_OFFSET = 9,
            OP_LARGE_CUSTOM_OPTIONS_SIZE = 10,
            OP_BUILTIN_OPTIONS_2_TYPE = 11,
            OP_BUILTIN_OPTIONS_2 = 12,
            OP_FIELDS = 13;

    // union BuiltinOptions: type numbers (0 = NONE)
    public static final int OPT_NONE = 0,
            OPT_CONV_2D = 1,
            OPT_DEPTHWISE_CONV_2D = 2,
            OPT_CONCAT_EMBEDDINGS = 3,
            OPT_POOL_2D = 5,
            OPT_FULLY_CONNECTED = 8,
            OPT_SOFTMAX = 9,
            OPT_CONCATENATION = 10,
            OPT_ADD = 11,
            OPT_RESHAPE = 17,
            OPT_MUL = 21,
            OPT_PAD = 22,
            OPT_REDUCER = 27,
            OPT_SQUEEZE = 30,
            OPT_SLICE = 48,
            OPT_HARD_SWISH = 91,
            OPT_VAR_HANDLE = 111,
            OPT_BUCKETIZE = 115;
    /** The last member of BuiltinOptions (RightShiftOptions); the union is frozen, new ones go to BuiltinOptions2. */
    public static final int OPT_LAST = 126;

    // Conv2DOptions
    public static final int CONV_PADDING = 0,
            CONV_STRIDE_W = 1,
            CONV_STRIDE_H = 2,
            CONV_ACTIVATION = 3,
            CONV_DILATION_W = 4,
            CONV_DILATION_H = 5,
            CONV_QUANTIZED_BIAS_TYPE = 6;
    // DepthwiseConv2DOptions
    public static final int DW_PADDING = 0,
            DW_STRIDE_W = 1,
            DW_STRIDE_H = 2,
            DW_DEPTH_MULTIPLIER = 3,
            DW_ACTIVATION = 4,
            DW_DILATION_W = 5,
            DW_DILATION_H = 6;
    // Pool2DOptions
    public static final int POOL_PADDING = 0,
            POOL_STRIDE_W = 1,
            POOL_STRIDE_H = 2,
            POOL_FILTER_W = 3,
            POOL_FILTER_H = 4,
            POOL_ACTIVATION = 5;
    // FullyConnectedOptions
    public static final int FC_ACTIVATION = 0,
            FC_WEIGHTS_FORMAT = 1,
            FC_KEEP_NUM_DIMS = 2,
            FC_ASYMMETRIC_QUANTIZE_INPUTS = 3,
            FC_QUANTIZED_BIAS_TYPE = 4;
    // SoftmaxOptions
    public static final int SOFTMAX_BETA = 0;
    // ConcatenationOptions
    public static final int CONCAT_AXIS = 0, CONCAT_ACTIVATION = 1;
    // AddOptions (pot_scale_int16 defaults to true), MulOptions
    public static final int ADD_ACTIVATION = 0, ADD_POT_SCALE_INT16 = 1, MUL_ACTIVATION = 0;
    // ReducerOptions
    public static final int REDUCER_KEEP_DIMS = 0;
    // ReshapeOptions
    public static final int RESHAPE_NEW_SHAPE = 0;

    /** TensorType names by code (for messages). */
    private static final String[] TENSOR_TYPES = {
        "FLOAT32",
        "FLOAT16",
        "INT32",
        "UINT8",
        "INT64",
        "STRING",
        "BOOL",
        "INT16",
        "COMPLEX64",
        "INT8",
        "FLOAT64",
        "COMPLEX128",
        "UINT64",
        "RESOURCE",
        "VARIANT",
        "UINT32",
        "UINT16",
        "INT4"
    };

    public static String tensorTypeName(int code) {
        return code >= 0 && code < TENSOR_TYPES.length
                ? TENSOR_TYPES[code] + " (" + code + ")"
                : "unknown type code " + code;
    }
}
