package io.pipefarm.cli.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.model.tflite.TfliteReader;
import io.pipefarm.proto.partition.PartitionDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionCommandTest {

    @Test
    void runWritesSegmentsDescriptorAndChart(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of(
                "partition",
                "run",
                "--standalone",
                "--model",
                "squeezenet",
                "--tpus",
                "3",
                "--method",
                "exact",
                "--out",
                dir.toString(),
                "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode report = Json.MAPPER.readTree(r.out());
        assertEquals("standalone", report.get("via").asText());
        assertEquals(6, report.get("files").size(), report.toString());
        JsonNode j = report.get("partition");
        assertEquals("exact", j.get("method").asText());
        assertEquals("squeezenet", j.get("model_ref").asText());
        assertEquals(3, j.get("stages").size());
        assertEquals(2, j.get("cuts").size());
        assertTrue(j.get("bottleneck_ns").asDouble() > 0);
        int ops = j.get("ops").asInt();
        assertEquals(
                ops * (ops + 1) / 2,
                j.get("search_cost").get("segments_profiled").asInt());
        for (int i = 0; i < 3; i++) {
            Path f = dir.resolve("squeezenet_segment_" + i + "_of_3.tflite");
            assertTrue(Files.size(f) > 0, f.toString());
            JsonNode st = j.get("stages").get(i);
            assertEquals(f.getFileName().toString(), st.get("file").asText());
            assertEquals(
                    st.get("end").asInt() - st.get("start").asInt(),
                    TfliteReader.read(f).size());
        }
        assertTrue(Files.readString(dir.resolve("stages.svg")).startsWith("<svg"));
        assertTrue(Files.readString(dir.resolve("stages.svg")).contains("on-chip cache"));
        // partition.json is what --json printed, and the JSON twin of partition.pb
        JsonNode desc = Json.MAPPER.readTree(Files.readString(dir.resolve("partition.json")));
        assertEquals(j, desc);
        assertEquals(
                PartitionDescriptor.parseFrom(Files.readAllBytes(dir.resolve("partition.pb"))),
                Descriptors.parseJson(Files.readString(dir.resolve("partition.json"))));
    }

    @Test
    void textOutputOfEvenAndProfile() {
        CliRun r = CliRun.of(
                "partition", "run", "--standalone", "--model", "fc:64,2020,4", "--tpus", "3", "--method", "even");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("bottleneck"), r.out());
        r = CliRun.of(
                "partition", "run", "--standalone", "--model", "inception_v1", "--tpus", "2", "--method", "profile");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("segments profiled"), r.out());
    }

    @Test
    void hybridTrainsThePredictorOnSimulatedNetworks() throws Exception {
        CliRun r = CliRun.of(
                "partition",
                "run",
                "--standalone",
                "--model",
                "mobilenet_v2",
                "--tpus",
                "2",
                "--method",
                "hybrid",
                "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = Json.MAPPER.readTree(r.out()).get("partition");
        assertTrue(j.get("predictor").asText().contains("xgboost"));
        int profiled = j.get("search_cost").get("segments_profiled").asInt();
        assertTrue(profiled >= 1 && profiled < 66 * 67 / 2 / 10, "profiled " + profiled);
    }

    @Test
    void badInput() {
        CliRun r = CliRun.of(
                "partition", "run", "--standalone", "--model", "squeezenet", "--tpus", "2", "--method", "fastest");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("unknown partition method 'fastest'"), r.err());
        r = CliRun.of("partition", "run", "--standalone", "--model", "fc:8,8,1", "--tpus", "9", "--method", "exact");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("each stage needs at least one op"), r.err());
        r = CliRun.of("partition", "run", "--standalone", "--model", "squeezenet", "--tpus", "0", "--method", "exact");
        assertEquals(2, r.code(), r.toString());
        r = CliRun.of(
                "partition", "run", "--standalone", "--model", "squeezenet", "--tpus", "2", "--kind", "edgetpu-usb");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("needs a farm"), r.err());
        r = CliRun.of("partition", "fetch", "7", "--out", "unused-dir", "--url", "http://127.0.0.1:1");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no coordinator at"), r.err());
    }
}
