package io.pipefarm.agent.edgetpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing edgetpu_compiler reports; the samples follow the documented format (numbers are made up). */
class CompilerReportTest {

    /** Everything mapped and cached: no "will run on" lines, table from -s. */
    static final String ALL_MAPPED = String.join(
            "\n",
            "Edge TPU Compiler version 16.0.384591198",
            "Started a compilation timeout timer of 180 seconds.",
            "",
            "Model compiled successfully in 412 ms.",
            "",
            "Input model: /tmp/x/segment.tflite",
            "Input size: 3.05MiB",
            "Output model: /tmp/x/out/segment_edgetpu.tflite",
            "Output size: 3.11MiB",
            "On-chip memory used for caching model parameters: 3.02MiB",
            "On-chip memory remaining for caching model parameters: 4.63MiB",
            "Off-chip memory used for streaming uncached model parameters: 0.00B",
            "Number of Edge TPU subgraphs: 1",
            "Total number of operations: 31",
            "Operation log: /tmp/x/out/segment_edgetpu.log",
            "",
            "Operator                       Count      Status",
            "",
            "CONV_2D                        15         Mapped to Edge TPU",
            "DEPTHWISE_CONV_2D              13         Mapped to Edge TPU",
            "AVERAGE_POOL_2D                1          Mapped to Edge TPU",
            "RESHAPE                        1          Mapped to Edge TPU",
            "FULLY_CONNECTED                1          Mapped to Edge TPU",
            "Compilation child process completed within timeout period.",
            "Compilation succeeded! ",
            "");

    /** Parameters spill, some ops stay on the CPU, KiB units. */
    static final String PARTIAL = String.join(
            "\n",
            "Edge TPU Compiler version 15.0.340273435",
            "",
            "Model compiled successfully in 1379 ms.",
            "",
            "Input model: fc.tflite",
            "Input size: 11.20MiB",
            "Output model: fc_edgetpu.tflite",
            "Output size: 11.31MiB",
            "On-chip memory used for caching model parameters: 5.34MiB",
            "On-chip memory remaining for caching model parameters: 1.75KiB",
            "Off-chip memory used for streaming uncached model parameters: 2.57MiB",
            "Number of Edge TPU subgraphs: 2",
            "Total number of operations: 12",
            "Operation log: fc_edgetpu.log",
            "",
            "Model successfully compiled but not all operations are supported by the Edge TPU. A percentage of the model "
                    + "will instead run on the CPU, which is slower. If possible, consider updating your model to use only "
                    + "operations supported by the Edge TPU. For details, visit g.co/coral/model-reqs.",
            "Number of operations that will run on Edge TPU: 9",
            "Number of operations that will run on CPU: 3",
            "",
            "Operator                       Count      Status",
            "",
            "FULLY_CONNECTED                5          Mapped to Edge TPU",
            "TANH                           4          Mapped to Edge TPU",
            "SOFTMAX                        1          More than one subgraph is not supported",
            "CUSTOM                         1          Operation is working on an unsupported data type",
            "QUANTIZE                       1          Operation is otherwise supported, but not mapped due to some unspecified limitation",
            "");

    /** Without -s: the summary on stdout, the table in the log file. */
    static final String SUMMARY_ONLY = String.join(
            "\n",
            "Edge TPU Compiler version 16.0.384591198",
            "Input model: s.tflite",
            "Input size: 604.50KiB",
            "Output model: s_edgetpu.tflite",
            "Output size: 700.00KiB",
            "On-chip memory used for caching model parameters: 604.50KiB",
            "On-chip memory remaining for caching model parameters: 511.50KiB",
            "Off-chip memory used for streaming uncached model parameters: 1.25GiB",
            "Number of Edge TPU subgraphs: 1",
            "Total number of operations: 6",
            "Operation log: s_edgetpu.log",
            "See the operation log file for individual operation details.");

    static final String LOG = String.join(
            "\n",
            "Edge TPU Compiler version 16.0.384591198",
            "Input: s.tflite",
            "Output: s_edgetpu.tflite",
            "",
            "Operator                       Count      Status",
            "",
            "CONV_2D                        4          Mapped to Edge TPU",
            "ADD                            1          Mapped to Edge TPU",
            "MEAN                           1          Mapped to Edge TPU",
            "");

    @Test
    void allMapped() {
        CompilerReport r = CompilerReport.parse(ALL_MAPPED, null);
        assertEquals("16.0.384591198", r.compilerVersion());
        assertEquals("/tmp/x/segment.tflite", r.inputModel());
        assertEquals("/tmp/x/out/segment_edgetpu.tflite", r.outputModel());
        assertEquals(Math.round(3.02 * 1024 * 1024), r.onChipCachedBytes());
        assertEquals(Math.round(4.63 * 1024 * 1024), r.onChipRemainingBytes());
        assertEquals(0, r.offChipStreamedBytes());
        assertTrue(r.fitsOnChip());
        assertEquals(1, r.edgeTpuSubgraphs());
        assertEquals(31, r.totalOps());
        assertEquals(31, r.opsOnEdgeTpu());
        assertEquals(0, r.opsOnCpu());
        assertEquals("/tmp/x/out/segment_edgetpu.log", r.operationLog());
        assertEquals(5, r.ops().size());
        assertEquals(
                new CompilerReport.OpRow("CONV_2D", 15, "Mapped to Edge TPU"),
                r.ops().get(0));
        assertTrue(r.ops().stream().allMatch(CompilerReport.OpRow::mapped));
    }

    @Test
    void partialMappingAndSpill() {
        CompilerReport r = CompilerReport.parse(PARTIAL, null);
        assertEquals("15.0.340273435", r.compilerVersion());
        assertEquals(Math.round(5.34 * 1024 * 1024), r.onChipCachedBytes());
        assertEquals(Math.round(1.75 * 1024), r.onChipRemainingBytes());
        assertEquals(Math.round(2.57 * 1024 * 1024), r.offChipStreamedBytes());
        assertFalse(r.fitsOnChip());
        assertEquals(2, r.edgeTpuSubgraphs());
        assertEquals(12, r.totalOps());
        assertEquals(9, r.opsOnEdgeTpu());
        assertEquals(3, r.opsOnCpu());
        assertEquals(5, r.ops().size());
        assertEquals(
                List.of(true, true, false, false, false),
                r.ops().stream().map(CompilerReport.OpRow::mapped).toList());
        assertEquals("More than one subgraph is not supported", r.ops().get(2).status());
        assertEquals("9", r.toProperties().get("ops_edgetpu"));
        assertEquals(Long.toString(r.offChipStreamedBytes()), r.toProperties().get("off_chip_param_bytes"));
    }

    @Test
    void tableFromTheLogWhenStdoutHasNone() {
        CompilerReport r = CompilerReport.parse(SUMMARY_ONLY, LOG);
        assertEquals(Math.round(604.5 * 1024), r.onChipCachedBytes());
        assertEquals(Math.round(511.5 * 1024), r.onChipRemainingBytes());
        assertEquals(Math.round(1.25 * 1024 * 1024 * 1024), r.offChipStreamedBytes());
        assertEquals(3, r.ops().size());
        assertEquals(6, r.totalOps());
        assertEquals(6, r.opsOnEdgeTpu());
        assertEquals(0, r.opsOnCpu());
        CompilerReport noLog = CompilerReport.parse(SUMMARY_ONLY, null);
        assertEquals(List.of(), noLog.ops());
        assertEquals(6, noLog.opsOnEdgeTpu());
    }

    @Test
    void sizes() {
        assertEquals(0, CompilerReport.bytes("0.00B"));
        assertEquals(512, CompilerReport.bytes("512.00B"));
        assertEquals(1792, CompilerReport.bytes("1.75KiB"));
        assertEquals(7_864_320, CompilerReport.bytes("7.50MiB"));
        assertEquals(2L << 30, CompilerReport.bytes("2.00GiB"));
        assertThrows(IllegalArgumentException.class, () -> CompilerReport.bytes("7.5 parsecs"));
    }

    @Test
    void notAReport() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CompilerReport.parse(
                        "Edge TPU Compiler version 16.0\nInvalid model: x.tflite\nModel not quantized\n", null));
        assertTrue(e.getMessage().contains("On-chip memory used"), e.getMessage());
    }
}
