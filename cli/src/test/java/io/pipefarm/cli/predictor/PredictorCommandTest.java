package io.pipefarm.cli.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.cli.Main;
import io.pipefarm.cli.farm.FarmWiring;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.ProfileStats;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.zoo.ModelRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The predictor HTTP routes and {@code pipefarm predictor ...} against a real coordinator node
 * (loopback, in-memory H2) whose profiles are stored through the job path.
 */
class PredictorCommandTest {
    static final String KIND = "sim-edgetpu-usb";
    static CoordinatorNode node;
    static String url;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        node = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                port,
                0,
                "jdbc:h2:mem:predictor-cli-test;LOCK_TIMEOUT=10000",
                List.of(),
                Duration.ofSeconds(30),
                ConfigFactory.parseString("""
                        pekko.loglevel = WARNING
                        pipefarm.predictor.min-profiles = 50
                        pipefarm.predictor.min-architectures = 5
                        pipefarm.predictor.retrain-after = 1000000
                        """)));
        url = node.httpUrl();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    record Run(int code, String out, String err) {
        JsonNode json() throws IOException {
            return Json.MAPPER.readTree(out);
        }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--url");
        a.add(url);
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static HttpResponse<byte[]> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
        b = body == null
                ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Profiles every segment of small fc models on {@code kind} through a campaign. */
    static void profile(FarmStore store, int models, String kind) {
        List<String> keys = new ArrayList<>();
        Map<String, Double> lat = new HashMap<>();
        for (int k = 0; k < models; k++) {
            String ref = "fc:" + (32 + 16 * (k % 5)) + "," + (128 + 64 * (k % 7)) + "," + (3 + k % 4);
            ModelFeatures mf = ModelFeatures.of(ModelRef.resolve(ref));
            long id = store.models().add(ref, ref, mf.size(), 1);
            for (int i = 0; i < mf.size(); i++) {
                for (int j = i + 1; j <= mf.size(); j++) {
                    String key = store.segments()
                            .put((ref + "/" + i + "-" + j).getBytes(StandardCharsets.UTF_8), id, i, j, null, 1);
                    keys.add(key);
                    double[] a = mf.segment(i, j).aggregates();
                    lat.put(key, (50_000 + 2_000 * a[0] + a[11] / 2e3 + a[18] / 300) * (1 + 0.3 * Math.log1p(a[0])));
                }
            }
        }
        store.campaigns().create("predictor-test", "{}", keys, List.of(kind), false, 3, 1);
        // leased as the coordinator leases: queued jobs read, granted and written in one batch
        List<JobQueue.LeaseGrant> grants = new ArrayList<>();
        for (JobQueue.Candidate c : store.jobs().queued(kind, keys.size())) {
            grants.add(new JobQueue.LeaseGrant(
                    c,
                    "test-agent",
                    "dev",
                    JobQueue.token(),
                    2 + Duration.ofMinutes(5).toMillis()));
        }
        store.jobs().leaseAll(grants, 2);
        List<JobQueue.Result> results = new ArrayList<>();
        for (JobQueue.LeaseGrant g : grants) {
            double ns = lat.get(g.job().segmentKey());
            results.add(new JobQueue.Result(
                    g.job().jobId(),
                    g.leaseToken(),
                    "test-agent",
                    "dev",
                    new ProfileStats(10, ns, ns, ns, ns, 0, ns),
                    null,
                    Map.of()));
        }
        store.jobs().completeAll(results, 3);
    }

    @Test
    void trainListFetchEvalAndErrors() throws Exception {
        // no data yet: clear errors
        Run unknown = cli("predictor", "train", "--kind", "no-such-kind");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("unknown device kind 'no-such-kind'"), unknown.err());
        profile(node.store(), 2, "cpu-x86_64-t1");
        Run little = cli("predictor", "train", "--kind", "cpu-x86_64-t1");
        assertEquals(2, little.code());
        assertTrue(
                little.err()
                        .contains(
                                "need at least 50 profiles of kind cpu-x86_64-t1 from at least 5 architectures; have"),
                little.err());
        Run none = cli("predictor", "eval", "--kind", "cpu-x86_64-t1");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("no predictor has been trained"), none.err());

        profile(node.store(), 8, KIND);
        Run train = cli("predictor", "train", "--kind", KIND, "--wait", "--json");
        assertEquals(0, train.code(), train.err() + train.out());
        JsonNode job = train.json();
        assertEquals("done", job.path("state").asText(), job.toString());
        assertTrue(job.path("result").path("promoted").asBoolean());
        long id = job.path("result").path("id").asLong();

        Run text = cli("predictor", "list", "--kind", KIND);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("xgboost") && text.out().contains("yes"), text.out());
        JsonNode list = cli("predictor", "list", "--json").json();
        assertEquals(1, list.size());
        assertEquals(id, list.get(0).path("id").asLong());
        assertTrue(list.get(0).path("serving").asBoolean());

        // a fetched artifact file loads and predicts on its own
        Path zip = dir.resolve("p.zip");
        Run fetch = cli("predictor", "fetch", Long.toString(id), "--out", zip.toString());
        assertEquals(0, fetch.code(), fetch.err());
        LatencyPredictor p = PredictorArtifact.read(Files.readAllBytes(zip));
        assertEquals(KIND, p.deviceKind());
        assertEquals(1, p.version());
        ModelFeatures mf = ModelFeatures.of(ModelRef.resolve("fc:48,192,4"));
        double ns = p.predictNanos(mf.segment(0, mf.size()));
        assertTrue(ns > 0 && Double.isFinite(ns));

        Run eval = cli("predictor", "eval", "--kind", KIND, "--json");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.json().path("held_out").path("per_family").has("fc"), eval.out());
        Run evalText = cli("predictor", "eval", "--id", Long.toString(id));
        assertEquals(0, evalText.code(), evalText.err());
        assertTrue(evalText.out().contains("held-out archs"), evalText.out());

        // raw routes
        HttpResponse<byte[]> svg = http("GET", "/api/predictors/" + id + "/plot.svg", null);
        assertEquals(200, svg.statusCode());
        assertTrue(new String(svg.body(), StandardCharsets.UTF_8).startsWith("<svg"));
        assertEquals(404, http("GET", "/api/predictors/999999", null).statusCode());
        HttpResponse<byte[]> bad = http("POST", "/api/predictors/train", "{}");
        assertEquals(400, bad.statusCode());
        HttpResponse<byte[]> async = http("POST", "/api/predictors/train", "{\"kind\": \"" + KIND + "\"}");
        assertEquals(202, async.statusCode());
        JsonNode queued = Json.MAPPER.readTree(async.body());
        assertTrue(queued.has("id") && queued.has("state"), queued.toString());
        HttpResponse<byte[]> jobResp =
                http("GET", "/api/predictors/jobs/" + queued.path("id").asLong(), null);
        assertEquals(200, jobResp.statusCode());

        Run help = cli("predictor", "train", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--wait"), help.out());
    }
}
