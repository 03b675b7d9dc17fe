package io.pipefarm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.tflite.TfliteReader;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
    @TempDir
    Path dir;

    @Test
    void exportInspectSegmentRoundTrip() throws Exception {
        Path file = dir.resolve("fc.tflite");
        CliRun export = CliRun.of("models", "export", "--fc", "16,32,3", "--out", file.toString());
        assertEquals(0, export.code(), export::toString);
        assertTrue(export.out().startsWith("wrote " + file + ": fc_16x32x3, 7 ops"), export::toString);
        Graph g = TfliteReader.read(file);
        assertEquals(ModelZoo.fc(16, 32, 3).size(), g.size());

        CliRun inspect = CliRun.of("models", "inspect", file.toString());
        assertEquals(0, inspect.code(), inspect::toString);
        assertTrue(inspect.out().contains("fully_connected"), inspect::toString);
        assertTrue(inspect.out().contains("totals: 7 ops"), inspect::toString);
        assertFalse(inspect.out().contains("unknown ops"), inspect::toString);

        CliRun ij = CliRun.of("models", "inspect", file.toString(), "--json");
        assertEquals(0, ij.code(), ij::toString);
        JsonNode doc = Json.MAPPER.readTree(ij.out());
        assertEquals(7, doc.path("ops").size());
        assertEquals(7, doc.path("totals").path("ops").asInt());
        assertEquals(OpCost.totalMacs(g), doc.path("totals").path("macs").asLong());

        Path out = dir.resolve("segs");
        CliRun seg = CliRun.of("models", "segment", file.toString(), "--cuts", "2,5", "--out", out.toString());
        assertEquals(0, seg.code(), seg::toString);
        JsonNode segs = Json.MAPPER.readTree(Files.readString(out.resolve("segments.json")));
        assertEquals(3, segs.path("segments").size());
        int[][] ranges = {{0, 2}, {2, 5}, {5, 7}};
        Segmenter segmenter = new Segmenter();
        for (int i = 0; i < 3; i++) {
            JsonNode s = segs.path("segments").get(i);
            assertEquals(i, s.path("index").asInt());
            assertEquals(ranges[i][0], s.path("range").get(0).asInt());
            assertEquals(ranges[i][1], s.path("range").get(1).asInt());
            Path f = out.resolve("fc_segment_" + i + "_of_3.tflite");
            assertEquals("fc_segment_" + i + "_of_3.tflite", s.path("file").asText());
            byte[] bytes = Files.readAllBytes(f);
            assertEquals(bytes.length, s.path("bytes").asLong());
            assertEquals(Segmenter.sha256(bytes), s.path("key").asText());
            // the same key as the farm computes from the IR
            assertEquals(
                    segmenter.key(g, ranges[i][0], ranges[i][1]), s.path("key").asText());
            Graph sg = TfliteReader.read(f);
            assertEquals(ranges[i][1] - ranges[i][0], sg.size());
            assertEquals(1, s.path("inputs").size());
            assertEquals(
                    g.tensor(g.segmentIo(ranges[i][0], ranges[i][1]).inputs()[0])
                            .name(),
                    s.path("inputs").get(0).asText());
        }
        // the exported segment re-inspects fine
        CliRun again = CliRun.of(
                "models", "inspect", out.resolve("fc_segment_1_of_3.tflite").toString());
        assertEquals(0, again.code(), again::toString);
    }

    @Test
    void exportNasbenchCellFromJsonObjectOrList() throws Exception {
        String cell = "{\"matrix\": [[0,1,1],[0,0,1],[0,0,0]], \"ops\": [\"input\", \"conv3x3-bn-relu\", \"output\"]}";
        Path a = dir.resolve("a.tflite");
        Path b = dir.resolve("b.tflite");
        assertEquals(
                0,
                CliRun.of("models", "export", "--nasbench-spec", cell, "--out", a.toString())
                        .code());
        CliRun r = CliRun.of("models", "export", "--nasbench-spec", "[" + cell + "]", "--out", b.toString(), "--json");
        assertEquals(0, r.code(), r::toString);
        assertTrue(Json.MAPPER.readTree(r.out()).path("model").asText().startsWith("nasbench_"));
        assertEquals(Segmenter.sha256(Files.readAllBytes(a)), Segmenter.sha256(Files.readAllBytes(b)));

        CliRun bad = CliRun.of(
                "models",
                "export",
                "--nasbench-spec",
                "{\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\", \"oops\"]}",
                "--out",
                dir.resolve("c.tflite").toString());
        assertEquals(2, bad.code(), bad::toString);
        assertTrue(bad.err().startsWith("pipefarm: --nasbench-spec "), bad::toString);
        assertFalse(Files.exists(dir.resolve("c.tflite")));
    }

    @Test
    void exportNeedsExactlyOneModel() {
        CliRun none =
                CliRun.of("models", "export", "--out", dir.resolve("x.tflite").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("pipefarm: give exactly one model"), none::toString);
        CliRun unknown = CliRun.of(
                "models",
                "export",
                "resnet9000",
                "--out",
                dir.resolve("x.tflite").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown zoo model \"resnet9000\""), unknown::toString);
        CliRun fc = CliRun.of(
                "models",
                "export",
                "--fc",
                "64,abc,4",
                "--out",
                dir.resolve("x.tflite").toString());
        assertEquals(2, fc.code());
        assertEquals(
                "pipefarm: --fc WIDTH must be an integer, got 'abc'", fc.err().strip());
    }

    @Test
    void badFilesExit2WithOneLine() throws Exception {
        Path missing = dir.resolve("missing.tflite");
        CliRun r = CliRun.of("models", "inspect", missing.toString());
        assertEquals(2, r.code());
        assertEquals("pipefarm: " + missing + ": no such file", r.err().strip());

        Path junk = dir.resolve("junk.tflite");
        Files.writeString(junk, "this is not a model at all");
        r = CliRun.of("models", "inspect", junk.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pipefarm: " + junk + ": not a TFLite file"), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);

        Path good = dir.resolve("good.tflite");
        Files.write(good, new TfliteWriter().write(ModelZoo.fc(8, 16, 2)));
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.tflite");
        Files.write(cut, Arrays.copyOf(all, all.length / 3));
        r = CliRun.of(
                "models",
                "segment",
                cut.toString(),
                "--cuts",
                "1",
                "--out",
                dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pipefarm: " + cut + ": "), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);

        r = CliRun.of("models", "inspect", dir.toString());
        assertEquals(2, r.code());
        assertEquals("pipefarm: " + dir + ": not a regular file", r.err().strip());
    }

    @Test
    void badCutsExit2() throws Exception {
        Path good = dir.resolve("good.tflite");
        Files.write(good, new TfliteWriter().write(ModelZoo.fc(8, 16, 2))); // 5 ops
        Path out = dir.resolve("o");
        CliRun r = CliRun.of("models", "segment", good.toString(), "--cuts", "3,9", "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(
                r.err().startsWith("pipefarm: cut 9 is out of range: ")
                        && r.err().contains("cuts must be 1..4"),
                r::toString);
        assertFalse(Files.exists(out), "nothing written for bad cuts");
        r = CliRun.of("models", "segment", good.toString(), "--cuts", "3,2", "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("strictly increasing"), r::toString);
        r = CliRun.of("models", "segment", good.toString(), "--cuts", "2,2", "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("repeated"), r::toString);
        r = CliRun.of("models", "segment", good.toString(), "--cuts", "two", "--out", out.toString());
        assertEquals(2, r.code());
        assertEquals(
                "pipefarm: --cuts: 'two' is not an integer (expected a list like 12,40)",
                r.err().strip());
        r = CliRun.of("models", "segment", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required option: '--cuts"), r::toString);
    }

    @Test
    void inspectListsOpaqueOps() throws Exception {
        Quant q = Quant.perTensor(0.05f, 0);
        List<Tensor> ts = List.of(
                new Tensor(0, "x", DType.INT8, new int[] {1, 4, 4, 8}, q, null),
                new Tensor(1, "tpu_out", DType.INT8, new int[] {1, 4, 4, 8}, q, null),
                new Tensor(2, "cast", DType.INT8, new int[] {1, 4, 4, 8}, q, null),
                new Tensor(3, "y", DType.INT8, new int[] {1, 4, 4, 8}, q, null));
        List<Op> ops = List.of(
                new Op(
                        0,
                        OpType.OPAQUE,
                        new int[] {0},
                        new int[] {1},
                        new OpOptions.Opaque(32, "edgetpu-custom-op", 1, 0, null, new byte[] {1, 2}),
                        1),
                new Op(
                        1,
                        OpType.OPAQUE,
                        new int[] {1},
                        new int[] {2},
                        new OpOptions.Opaque(53, null, 2, 0, null, null),
                        2),
                new Op(2, OpType.LOGISTIC, new int[] {2}, new int[] {3}, new OpOptions.None(), 1));
        Path f = dir.resolve("opaque.tflite");
        Files.write(f, new TfliteWriter().write(new Graph("opaque", ts, ops, new int[] {0}, new int[] {3})));
        CliRun r = CliRun.of("models", "inspect", f.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("custom:edgetpu-custom-op *"), r::toString);
        assertTrue(r.out().contains("unknown ops (kept opaque): 2 ops"), r::toString);
        assertTrue(r.out().contains("builtin:53"), r::toString);
        CliRun j = CliRun.of("models", "inspect", f.toString(), "--json");
        JsonNode doc = Json.MAPPER.readTree(j.out());
        assertEquals(2, doc.path("opaqueOps").size());
        assertTrue(doc.path("ops").get(0).path("macs").isNull());
    }

    @Test
    void listShowsTheZoo() throws Exception {
        CliRun r = CliRun.of("models", "list");
        assertEquals(0, r.code());
        for (String n : ModelZoo.names()) assertTrue(r.out().contains(n), n);
        CliRun j = CliRun.of("models", "list", "--json");
        JsonNode a = Json.MAPPER.readTree(j.out());
        assertEquals(ModelZoo.names().size(), a.size());
        assertEquals("mobilenet_v1", a.get(0).path("name").asText());
        assertEquals(ModelZoo.info("mobilenet_v1").macs(), a.get(0).path("macs").asLong());
    }

    @Test
    void helpAndUsage() {
        for (String[] cmd : new String[][] {
            {"--help"},
            {"models", "export", "--help"},
            {"campaign", "start", "--help"},
            {"bench", "model", "--help"},
            {"profiles", "--help"},
            {"agents", "--help"},
            {"bench", "farm", "--help"}
        }) {
            CliRun r = CliRun.of(cmd);
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("Usage:"), r::toString);
        }
        CliRun r = CliRun.of("models", "frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pipefarm: Unmatched argument"), r::toString);
        r = CliRun.of("campaign");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pipefarm: missing subcommand of 'pipefarm campaign'"), r::toString);
    }
}
