package io.pipefarm.cli.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.sim.CalibrationReport;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.sim.Estimate;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
    @TempDir
    Path dir;

    @Test
    void zooModelText() {
        CliRun r = CliRun.of("simulate", "mobilenet_v1", "--kind", "sim-edgetpu-usb");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("mobilenet_v1, 31 ops"), r::toString);
        assertTrue(r.out().contains("on sim-edgetpu-usb"), r::toString);
        assertTrue(r.out().contains("ms per inference"), r::toString);
        assertTrue(r.out().contains("on chip"), r::toString);
        assertTrue(r.out().contains("streamed from host memory"), r::toString);
        assertEquals("", r.err());
    }

    @Test
    void jsonMatchesTheSimulator() throws Exception {
        CliRun r = CliRun.of("simulate", "mobilenet_v2", "--kind", "sim-edgetpu-pci", "--json", "--ops");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = Json.MAPPER.readTree(r.out());
        Estimate e = new EdgeTpuSimulator(EdgeTpuSimConfig.pci()).estimate(ModelZoo.build("mobilenet_v2"));
        assertEquals("sim-edgetpu-pci", j.path("kind").asText());
        assertEquals(e.latencyNs(), j.path("latency_ns").asLong());
        assertEquals(e.onChipParamBytes(), j.path("on_chip_param_bytes").asLong());
        assertEquals(e.streamedParamBytes(), j.path("streamed_param_bytes").asLong());
        assertEquals(e.ops().size(), j.path("op_estimates").size());
        double published = CalibrationReport.PUBLISHED.stream()
                .filter(p -> p.model().equals("mobilenet_v2"))
                .findFirst()
                .orElseThrow()
                .pciMs();
        assertEquals(published, j.path("latency_ms").asDouble(), published * 0.15);
    }

    @Test
    void fcRefsSpillAndFilesWork() throws Exception {
        CliRun spill = CliRun.of("simulate", "fc:64,2620,4", "--json");
        assertEquals(0, spill.code(), spill::toString);
        JsonNode j = Json.MAPPER.readTree(spill.out());
        assertTrue(j.path("streamed_param_bytes").asLong() > 0, spill::toString);
        assertEquals("sim-edgetpu-usb", j.path("kind").asText(), "usb is the default");

        Path f = dir.resolve("fc.tflite");
        Files.write(f, new TfliteWriter().write(ModelZoo.fc(64, 1580, 4)));
        CliRun file = CliRun.of("simulate", f.toString(), "--json");
        assertEquals(0, file.code(), file::toString);
        JsonNode jf = Json.MAPPER.readTree(file.out());
        assertEquals(0, jf.path("streamed_param_bytes").asLong(), file::toString);
        assertEquals(f.toString(), jf.path("source").asText());
        CliRun prefixed = CliRun.of("simulate", "file:" + f);
        assertEquals(0, prefixed.code(), prefixed::toString);
    }

    @Test
    void badInputIsOneLineAndExit2() throws Exception {
        assertBad(
                CliRun.of("simulate", "mobilenet_v1", "--kind", "edgetpu-usb"),
                "unknown simulated device kind 'edgetpu-usb'");
        assertBad(CliRun.of("simulate", dir.resolve("missing.tflite").toString()), "no such file");
        assertBad(CliRun.of("simulate", "no_such_model"), "no_such_model");
        assertBad(CliRun.of("simulate", "fc:64,x,4"), "fc");
        Path corrupt = dir.resolve("corrupt.tflite");
        Files.write(corrupt, "this is not a flatbuffer, just some text".getBytes());
        assertBad(CliRun.of("simulate", corrupt.toString()), "corrupt.tflite");
        Path compiled = dir.resolve("seg_edgetpu.tflite");
        Files.write(compiled, compiledSegment());
        assertBad(CliRun.of("simulate", compiled.toString()), "compiled for the Edge TPU");
    }

    private static void assertBad(CliRun r, String contains) {
        assertEquals(2, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r::toString);
        assertTrue(lines[0].startsWith("pipefarm: "), r::toString);
        assertTrue(lines[0].contains(contains), r::toString);
    }

    static byte[] compiledSegment() {
        Quant q = Quant.perTensor(0.05f, 0);
        List<Tensor> ts = List.of(
                new Tensor(0, "x", DType.INT8, new int[] {1, 8}, q, null),
                new Tensor(1, "y", DType.INT8, new int[] {1, 8}, q, null));
        List<Op> ops = List.of(new Op(
                0,
                OpType.OPAQUE,
                new int[] {0},
                new int[] {1},
                new OpOptions.Opaque(32, "edgetpu-custom-op", 1, 0, null, new byte[16]),
                1));
        return new TfliteWriter().write(new Graph("seg_edgetpu", ts, ops, new int[] {0}, new int[] {1}));
    }
}
