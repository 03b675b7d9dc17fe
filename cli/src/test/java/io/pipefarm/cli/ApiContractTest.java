package io.pipefarm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.cli.farm.FarmWiring;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.store.Database;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP contract of docs/api.md against real coordinators (no agents): the routes answer exactly
 * the documented snake_case fields, the CLI's --json prints the same records, and every error is
 * {@code {"error": {"kind", "message"}}} with its status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiContractTest {
    static final Config TEST = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 5s
            """);
    static final Set<String> STATUS = Set.of(
            "id",
            "name",
            "state",
            "total",
            "counts",
            "done_rate_per_s",
            "eta_s",
            "skipped_profiled",
            "skipped_in_flight",
            "created_epoch_ms",
            "finished_epoch_ms");

    final HttpClient http = HttpClient.newHttpClient();
    CoordinatorNode open;
    CoordinatorNode guarded;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    void start() throws IOException {
        open = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                freePort(),
                0,
                Database.memUrl("api-contract-" + System.nanoTime()),
                List.of(),
                Duration.ofSeconds(10),
                TEST));
        guarded = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                freePort(),
                0,
                Database.memUrl("api-contract-token-" + System.nanoTime()),
                List.of(),
                Duration.ofSeconds(10),
                ConfigFactory.parseString("pipefarm.http.token = s3cret").withFallback(TEST)));
    }

    @AfterAll
    void stop() {
        if (open != null) open.close();
        if (guarded != null) guarded.close();
    }

    HttpResponse<String> send(CoordinatorNode c, String method, String path, String body, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.httpUrl() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ok(int status, HttpResponse<String> r) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                r.headers().toString());
        return ApiJson.mapper().readTree(r.body());
    }

    static Set<String> fields(JsonNode o) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    static void assertFields(Set<String> expected, JsonNode o) {
        assertEquals(new TreeSet<>(expected), fields(o), o.toString());
    }

    void assertError(HttpResponse<String> r, int status, String kind) throws IOException {
        JsonNode body = ok(status, r);
        assertFields(Set.of("error"), body);
        assertFields(Set.of("kind", "message"), body.get("error"));
        assertEquals(kind, body.get("error").get("kind").asText(), r.body());
        assertFalse(body.get("error").get("message").asText().isBlank(), r.body());
    }

    @Test
    void campaignRoutesAnswerTheDocumentedFieldsAndTheCliPrintsTheSame() throws Exception {
        assertEquals(
                ApiJson.mapper().readTree("{\"status\": \"ok\"}"),
                ok(200, send(open, "GET", "/api/health", null, null)));
        JsonNode created = ok(201, send(open, "POST", "/api/campaigns", """
                {"name": "contract", "models": ["fc:64,32,2"], "kinds": ["sim-edgetpu-usb"],
                 "cuts": {"mode": "given", "cuts": [1]}, "spec": {"warmup_runs": 0, "timed_runs": 3}}""", null));
        assertFields(
                Set.of("campaign_id", "jobs_enqueued", "skipped_profiled", "skipped_in_flight", "status"), created);
        assertEquals(2, created.get("jobs_enqueued").asLong(), created.toString());
        assertFields(STATUS, created.get("status"));
        assertFields(
                Set.of("queued", "leased", "done", "failed", "cancelled"),
                created.get("status").get("counts"));
        long id = created.get("campaign_id").asLong();

        JsonNode status = ok(200, send(open, "GET", "/api/campaigns/" + id, null, null));
        assertFields(STATUS, status);
        assertEquals("running", status.get("state").asText());
        CliRun cli = CliRun.of("campaign", "status", Long.toString(id), "--json", "--url", open.httpUrl());
        assertEquals(0, cli.code(), cli::toString);
        assertEquals(status, ApiJson.mapper().readTree(cli.out()), "CLI --json prints the API's record");

        JsonNode all = ok(200, send(open, "GET", "/api/campaigns", null, null));
        assertTrue(all.isArray() && all.size() == 1, all.toString());
        assertFields(STATUS, all.get(0));
        for (JsonNode m : ok(200, send(open, "GET", "/api/models", null, null)))
            assertFields(Set.of("name", "description"), m);
        assertEquals(0, ok(200, send(open, "GET", "/api/agents", null, null)).size());
        assertEquals(0, ok(200, send(open, "GET", "/api/profiles", null, null)).size());

        JsonNode cancelled = ok(200, send(open, "POST", "/api/campaigns/" + id + "/cancel", null, null));
        assertFields(STATUS, cancelled);
        assertEquals("cancelled", cancelled.get("state").asText());
        assertEquals(2, cancelled.get("counts").get("cancelled").asLong(), cancelled.toString());
    }

    @Test
    void everyErrorIsOneShapeWithItsStatus() throws Exception {
        assertError(send(open, "POST", "/api/campaigns", "{\"models\": [", null), 400, "bad_input");
        assertError(
                send(
                        open,
                        "POST",
                        "/api/campaigns",
                        "{\"models\": [\"fc:64,32,2\"], \"kinds\": [\"tpu-from-mars\"]}",
                        null),
                400,
                "bad_input");
        assertError(send(open, "POST", "/api/partitions", "[1, 2]", null), 400, "bad_input");
        assertError(send(open, "GET", "/api/profiles?limit=many", null, null), 400, "bad_input");
        assertError(send(open, "GET", "/api/campaigns/4242", null, null), 404, "not_found");
        assertError(send(open, "POST", "/api/campaigns/4242/resume", null, null), 404, "not_found");
        assertError(send(open, "GET", "/api/partitions/4242", null, null), 404, "not_found");
        assertError(send(open, "GET", "/api/predictors/4242", null, null), 404, "not_found");
        assertError(send(open, "GET", "/api/predictors/eval?kind=no-such-kind", null, null), 404, "unknown_kind");
        assertError(send(open, "GET", "/api/no/such/route", null, null), 404, "unknown_route");
        assertError(send(open, "GET", "/api/campaigns/not-a-number", null, null), 404, "unknown_route");
        assertError(send(open, "DELETE", "/api/campaigns", null, null), 405, "method_not_allowed");
        assertError(send(open, "POST", "/api/health", "{}", null), 405, "method_not_allowed");
    }

    @Test
    void requestsAreReadStrictlyNotGuessedAt() throws Exception {
        String base = "{\"models\": [\"fc:64,32,2\"], \"kinds\": [\"sim-edgetpu-usb\"], ";
        int before = ok(200, send(open, "GET", "/api/campaigns", null, null)).size();
        // an unknown field, a fraction for a cut, a count as a string, a boolean for a number, trailing garbage
        for (String bad : new String[] {
            base + "\"cutz\": {\"mode\": \"all\"}}",
            base + "\"cuts\": {\"mode\": \"given\", \"cuts\": [1.5]}}",
            base + "\"cuts\": {\"mode\": \"random\", \"count\": \"3\", \"stages\": 2}}",
            base + "\"max_attempts\": true}",
            base + "\"cuts\": {\"mode\": \"all\"}} {}"
        }) {
            assertError(send(open, "POST", "/api/campaigns", bad, null), 400, "bad_input");
        }
        assertEquals(
                before, ok(200, send(open, "GET", "/api/campaigns", null, null)).size(), "nothing was created");
        assertEquals(
                201,
                send(open, "POST", "/api/campaigns", base + "\"cuts\": {\"mode\": \"given\", \"cuts\": [1]}}", null)
                        .statusCode());

        assertEquals(200, send(guarded, "GET", "/api/health", null, null).statusCode());
        assertError(send(guarded, "GET", "/api/campaigns", null, null), 401, "unauthorized");
        assertError(send(guarded, "GET", "/api/campaigns", null, "wrong"), 401, "unauthorized");
        assertError(send(guarded, "GET", "/blobs/00", null, null), 401, "unauthorized");
        assertEquals(
                0,
                ok(200, send(guarded, "GET", "/api/campaigns", null, "s3cret")).size());
        assertError(send(guarded, "GET", "/api/campaigns/4242", null, "s3cret"), 404, "not_found");
    }
}
