package io.pipefarm.cli.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.cli.farm.FarmWiring;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.partition.SimulatedCosts;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.proto.partition.PartitionDescriptor;
import io.pipefarm.proto.partition.SearchCost;
import io.pipefarm.proto.partition.Stage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition searches through a real coordinator and one agent with two simulated Edge TPUs (loopback
 * cluster): POST /api/partitions (hybrid, k = 2, on a small FC net) profiles on the agent's devices, the
 * result, descriptor (JSON and protobuf), segments and chart are served, `partition fetch` writes the files,
 * `partition run` goes through the coordinator, and bad input answers 400 with a clear message.
 *
 * <p>The predictor here is a TEST STAND-IN (the simulator's own latencies x 1.15), injected with
 * {@code usePredictors}; the serving predictor of a real coordinator comes from the predictor service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionFarmTest {
    static final Config TEST = ConfigFactory.parseString("""
            pekko.actor.serialize-messages = on
            pekko.loglevel = WARNING
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 5s
            """);
    static final String MODEL = "fc:64,512,4";
    static final String KIND = "sim-edgetpu-usb";

    @TempDir
    static Path dir;

    CoordinatorNode c;
    AgentNode agent;
    final HttpClient http = HttpClient.newHttpClient();

    /** TEST STAND-IN predictor: the simulator's latency of each segment x 1.15 (deliberately off). */
    static LatencyPredictor standIn(String kind) {
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(KIND));
        return new LatencyPredictor() {
            @Override
            public String deviceKind() {
                return kind;
            }

            @Override
            public String family() {
                return "test-stand-in";
            }

            @Override
            public long version() {
                return 0;
            }

            @Override
            public double[] predictNanos(List<SegmentFeatures> batch) {
                double[] out = new double[batch.size()];
                if (batch.isEmpty()) return out;
                Graph g = FarmWiring.resolve(MODEL);
                SimulatedCosts sc = new SimulatedCosts(g, sim, 3);
                for (int q = 0; q < out.length; q++)
                    out[q] = 1.15
                            * sc.latencyNs(batch.get(q).start(), batch.get(q).end());
                return out;
            }
        };
    }

    @BeforeAll
    void start() throws Exception {
        int cport;
        try (ServerSocket s = new ServerSocket(0)) {
            cport = s.getLocalPort();
        }
        int aport;
        try (ServerSocket s = new ServerSocket(0)) {
            aport = s.getLocalPort();
        }
        c = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                cport,
                0,
                Database.memUrl("partition-farm-" + System.nanoTime()),
                List.of(),
                Duration.ofSeconds(10),
                TEST));
        c.partitions().usePredictors(PartitionFarmTest::standIn);
        agent = AgentNode.start(
                new AgentNode.Settings(
                        "a1",
                        "127.0.0.1",
                        aport,
                        List.of("127.0.0.1:" + cport),
                        dir.resolve("cache"),
                        Duration.ofSeconds(5),
                        TEST),
                List.of(new SimulatedEdgeTpuRuntime(List.of(KIND, KIND), 0.0)));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.store().agents().list().stream()
                        .mapToLong(a -> a.devices().size())
                        .sum()
                < 2) {
            if (System.nanoTime() > deadline) throw new AssertionError("the agent did not register");
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() {
        if (agent != null) agent.close();
        if (c != null) c.close();
    }

    HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(c.httpUrl() + "/api/partitions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> get(String path, String accept) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(c.httpUrl() + path))
                        .header("Accept", accept)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    JsonNode await(long id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            JsonNode s = Json.MAPPER.readTree(
                    get("/api/partitions/" + id, "application/json").body());
            if (!"running".equals(s.get("state").asText())) return s;
            if (System.nanoTime() > deadline) throw new AssertionError("partition " + id + " still running: " + s);
            Thread.sleep(100);
        }
    }

    @Test
    void hybridThroughTheFarmServesDescriptorSegmentsChartAndFetch() throws Exception {
        HttpResponse<String> created =
                post("{\"model\": \"" + MODEL + "\", \"tpus\": 2, \"method\": \"hybrid\", \"kind\": \"" + KIND + "\"}");
        assertEquals(202, created.statusCode(), created.body());
        long id = Json.MAPPER.readTree(created.body()).get("id").asLong();
        JsonNode s = await(id);
        assertEquals("done", s.get("state").asText(), s.toString());
        JsonNode r = s.get("result");
        assertEquals("hybrid", r.get("method").asText());
        assertEquals(1, r.get("cuts").size());
        // the hybrid profiles the stages that could be the bottleneck (at least one); a stage it ruled out by its
        // prediction is reported with a stored profile when the farm has one, else predicted
        String from = r.get("objective_from").asText();
        assertTrue(from.equals("measured") || from.equals("measured+predicted"), from);
        int profiled = r.get("search_cost").get("segments_profiled").asInt();
        assertTrue(profiled >= 1, r.toString());
        assertTrue(
                c.store().profiles().list(ProfileStore.Query.all().kind(KIND)).size() >= profiled,
                "the verification profiles were measured on the farm and stored");

        // descriptor: JSON and protobuf agree (round trip)
        String json = new String(
                get("/api/partitions/" + id + "/descriptor", "application/json").body());
        HttpResponse<byte[]> pbResp = get("/api/partitions/" + id + "/descriptor", "application/x-protobuf");
        assertEquals(200, pbResp.statusCode());
        assertTrue(pbResp.headers().firstValue("Content-Type").orElse("").contains("x-protobuf"));
        PartitionDescriptor pb = PartitionDescriptor.parseFrom(pbResp.body());
        assertEquals(Descriptors.parseJson(json), pb);
        assertEquals(pb, PartitionDescriptor.parseFrom(pb.toByteArray()));
        assertEquals(2, pb.getStagesCount());
        assertEquals(id, pb.getId());

        // segments by key, chart
        for (int i = 0; i < 2; i++) {
            byte[] seg = get("/api/partitions/" + id + "/segments/" + i, "application/octet-stream")
                    .body();
            assertEquals(pb.getStages(i).getSegmentKey(), SegmentStore.keyOf(seg));
        }
        assertEquals(404, get("/api/partitions/" + id + "/segments/2", "*/*").statusCode());
        assertTrue(new String(get("/api/partitions/" + id + "/chart.svg", "*/*").body()).startsWith("<svg"));

        // pipefarm partition fetch
        Path out = dir.resolve("fetched");
        CliRun f = CliRun.of("partition", "fetch", String.valueOf(id), "--out", out.toString(), "--url", c.httpUrl());
        assertEquals(0, f.code(), f.toString());
        String model = pb.getModel();
        for (int i = 0; i < 2; i++) {
            Path seg = out.resolve(Descriptors.segmentFileName(model, i, 2));
            assertEquals(pb.getStages(i).getSegmentKey(), SegmentStore.keyOf(Files.readAllBytes(seg)));
        }
        assertEquals(pb, PartitionDescriptor.parseFrom(Files.readAllBytes(out.resolve("partition.pb"))));
        assertEquals(pb, Descriptors.parseJson(Files.readString(out.resolve("partition.json"))));
        assertTrue(Files.readString(out.resolve("stages.svg")).startsWith("<svg"));

        // one partition.json schema: partition.proto's fields, written alike by fetch and by a standalone run --out
        Path standalone = dir.resolve("standalone");
        CliRun run = CliRun.of(
                "partition",
                "run",
                "--standalone",
                "--model",
                MODEL,
                "--tpus",
                "2",
                "--method",
                "even",
                "--out",
                standalone.toString());
        assertEquals(0, run.code(), run.toString());
        JsonNode fetched = Json.MAPPER.readTree(Files.readString(out.resolve("partition.json")));
        JsonNode written = Json.MAPPER.readTree(Files.readString(standalone.resolve("partition.json")));
        assertEquals(protoFields(PartitionDescriptor.getDescriptor()), fields(fetched));
        assertEquals(fields(fetched), fields(written));
        assertEquals(
                protoFields(Stage.getDescriptor()), fields(fetched.get("stages").get(0)));
        assertEquals(
                fields(fetched.get("stages").get(0)),
                fields(written.get("stages").get(0)));
        assertEquals(protoFields(SearchCost.getDescriptor()), fields(fetched.get("search_cost")));
        assertEquals(fields(fetched.get("search_cost")), fields(written.get("search_cost")));
        assertEquals(
                json, Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(json)), "the API descriptor is compact JSON");
        assertEquals(Json.MAPPER.readTree(json), fetched, "partition.json is GET .../descriptor");
    }

    @Test
    void runGoesThroughTheCoordinatorWhenOneAnswers() throws Exception {
        CliRun r = CliRun.of(
                "partition",
                "run",
                "--model",
                MODEL,
                "--tpus",
                "2",
                "--method",
                "even",
                "--url",
                c.httpUrl(),
                "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals("coordinator", j.get("via").asText());
        assertEquals(c.httpUrl(), j.get("url").asText());
        assertEquals("even", j.get("partition").get("method").asText());
        assertTrue(j.get("partition").get("id").asLong() > 0, j.toString());
    }

    @Test
    void badInputIs400WithAClearMessage() throws Exception {
        assertBad(
                "{\"model\": \"" + MODEL + "\", \"tpus\": 3, \"method\": \"exact\"}",
                "2 devices of kind 'sim-edgetpu-usb'");
        assertBad(
                "{\"model\": \"" + MODEL + "\", \"tpus\": 999, \"method\": \"exact\"}",
                "each stage needs at least one op");
        assertBad(
                "{\"model\": \"" + MODEL + "\", \"tpus\": 2, \"method\": \"bogus\"}",
                "unknown partition method 'bogus'");
        assertBad("{\"model\": \"no_such_model\", \"tpus\": 2}", "no_such_model");
        assertBad(
                "{\"model\": \"" + MODEL + "\", \"tpus\": 2, \"kind\": \"sim-edgetpu-pci\"}",
                "0 devices of kind 'sim-edgetpu-pci'");
        assertBad("{\"tpus\": 2}", "'model'");
        assertBad("not json", "not JSON");
        try {
            c.partitions().usePredictors(kind -> standIn("edgetpu-pci"));
            assertBad(
                    "{\"model\": \"" + MODEL + "\", \"tpus\": 2, \"method\": \"predict\"}",
                    "predictor is for device kind 'edgetpu-pci'");
            c.partitions().usePredictors(kind -> null);
            assertBad(
                    "{\"model\": \"" + MODEL + "\", \"tpus\": 2, \"method\": \"hybrid\"}", "needs a latency predictor");
        } finally {
            c.partitions().usePredictors(PartitionFarmTest::standIn);
        }
        assertEquals(404, get("/api/partitions/987654", "application/json").statusCode());
    }

    static Set<String> fields(JsonNode o) {
        Set<String> out = new TreeSet<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static Set<String> protoFields(Descriptor d) {
        Set<String> out = new TreeSet<>();
        for (FieldDescriptor f : d.getFields()) out.add(f.getName());
        return out;
    }

    void assertBad(String body, String fragment) throws Exception {
        HttpResponse<String> r = post(body);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = Json.MAPPER.readTree(r.body()).get("error");
        assertEquals("bad_input", e.get("kind").asText(), r.body());
        assertTrue(
                e.get("message").asText().contains(fragment),
                e.get("message").asText() + " should mention " + fragment);
    }
}
