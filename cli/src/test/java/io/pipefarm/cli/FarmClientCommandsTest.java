package io.pipefarm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pipefarm.cli.ui.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The farm client commands against a tiny in-test HTTP server playing the coordinator. */
class FarmClientCommandsTest {
    record Req(String method, String path, String query, String body) {}

    HttpServer server;
    String url;
    final List<Req> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger polls = new AtomicInteger();
    volatile int createStatus = 201;
    volatile String createBody;

    static String status(String state, long done, long failed, long queued) {
        return "{\"id\":7,\"name\":\"c1\",\"state\":\"" + state + "\",\"total\":" + (done + failed + queued)
                + ",\"counts\":{\"queued\":" + queued + ",\"leased\":0,\"done\":" + done + ",\"failed\":" + failed
                + ",\"cancelled\":0},"
                + "\"done_rate_per_s\":2.5,\"eta_s\":" + (queued / 2.5)
                + ",\"skipped_profiled\":4,\"skipped_in_flight\":0,"
                + "\"created_epoch_ms\":1700000000000,\"finished_epoch_ms\":"
                + (state.equals("done") ? "1700000010000" : "null") + "}";
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
        createBody = "{\"campaign_id\":7,\"jobs_enqueued\":12,\"skipped_profiled\":4,\"skipped_in_flight\":0,"
                + "\"status\":" + status("running", 0, 0, 12) + "}";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        requests.add(new Req(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), body));
        int code = 200;
        String resp;
        if (path.equals("/api/campaigns") && ex.getRequestMethod().equals("POST")) {
            code = createStatus;
            resp = createBody;
        } else if (path.equals("/api/campaigns/7")) {
            int n = polls.incrementAndGet();
            resp = n < 3 ? status("running", 4 * n, 0, 12 - 4 * n) : status("done", 11, 1, 0);
        } else if (path.equals("/api/campaigns/7/cancel")) {
            resp = status("cancelled", 3, 0, 0);
        } else if (path.equals("/api/campaigns/99")) {
            code = 404;
            resp = "{\"error\":{\"kind\":\"not_found\",\"message\":\"no campaign 99\"}}";
        } else if (path.equals("/api/campaigns/500")) {
            code = 500;
            resp = "{\"error\":{\"kind\":\"internal\",\"message\":\"boom\"}}";
        } else if (path.equals("/api/campaigns")) {
            resp = "[" + status("running", 1, 0, 2) + "]";
        } else if (path.equals("/api/profiles")) {
            resp =
                    "[{\"id\":1,\"job_id\":3,\"segment_key\":\"0123456789abcdef0123\",\"device_kind\":\"sim-edgetpu-usb\",\"device_id\":\"sim0\","
                            + "\"agent_id\":\"a1\",\"stats\":{\"n\":10,\"mean_ns\":2500000.0,\"median_ns\":2400000.0,\"p90_ns\":2900000.0,"
                            + "\"p99_ns\":3100000.0,\"stdev_ns\":150000.0,\"min_ns\":2300000.0},\"versions\":{},\"has_samples\":false,"
                            + "\"created_epoch_ms\":1700000000000}]";
        } else if (path.equals("/api/agents")) {
            resp =
                    "[{\"id\":\"agent-1\",\"address\":\"pekko://pipefarm@127.0.0.1:2552\",\"state\":\"up\",\"last_seen_epoch_ms\":"
                            + System.currentTimeMillis()
                            + ",\"versions\":{},\"devices\":[{\"id\":\"sim0\",\"kind\":\"sim-edgetpu-usb\","
                            + "\"runtime\":\"sim\",\"versions\":{\"sim\":\"1\"},\"properties\":{}}]}]";
        } else {
            code = 404;
            resp = "The requested resource could not be found.";
        }
        byte[] b = resp.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders()
                .add("Content-Type", resp.startsWith("{") || resp.startsWith("[") ? "application/json" : "text/plain");
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private Req onlyPost() {
        List<Req> posts =
                requests.stream().filter(r -> r.method().equals("POST")).toList();
        assertEquals(1, posts.size(), posts::toString);
        return posts.get(0);
    }

    @Test
    void startBuildsTheRequestBody() throws Exception {
        CliRun r = CliRun.of(
                "campaign",
                "start",
                "--url",
                url,
                "--name",
                "c1",
                "--models",
                "mobilenet_v1,fc:64,512,4",
                "--kinds",
                "sim-edgetpu-usb,cpu-x86_64-t1",
                "--cuts",
                "12,40",
                "--warmup",
                "2",
                "--runs",
                "20",
                "--target-rel-error",
                "0.01",
                "--budget-ms",
                "5000",
                "--threads",
                "2",
                "--reprofile",
                "--max-attempts",
                "5");
        assertEquals(0, r.code(), r::toString);
        Req post = onlyPost();
        assertEquals("/api/campaigns", post.path());
        JsonNode expected = Json.MAPPER.readTree("{\"name\":\"c1\",\"models\":[\"mobilenet_v1\",\"fc:64,512,4\"],"
                + "\"kinds\":[\"sim-edgetpu-usb\",\"cpu-x86_64-t1\"],\"cuts\":{\"mode\":\"given\",\"cuts\":[12,40]},"
                + "\"spec\":{\"warmup_runs\":2,\"timed_runs\":20,\"target_rel_error\":0.01,\"time_budget_ms\":5000,\"threads\":2},"
                + "\"reprofile\":true,\"max_attempts\":5}");
        assertEquals(expected, Json.MAPPER.readTree(post.body()));
        assertTrue(
                r.out().startsWith("campaign 7 \"c1\" created: 12 jobs enqueued, 4 skipped (already profiled)"),
                r::toString);
    }

    @Test
    void startDefaultsAndRandomCuts() throws Exception {
        assertEquals(
                0,
                CliRun.of("campaign", "start", "--url", url, "--models", "mobilenet_v2", "--kinds", "sim-edgetpu-usb")
                        .code());
        JsonNode body = Json.MAPPER.readTree(onlyPost().body());
        assertEquals("all", body.path("cuts").path("mode").asText());
        assertFalse(body.has("name"));
        assertEquals(
                Json.MAPPER.readTree(
                        "{\"warmup_runs\":1,\"timed_runs\":10,\"target_rel_error\":0.0,\"time_budget_ms\":60000,\"threads\":1}"),
                body.path("spec"));
        assertEquals(false, body.path("reprofile").asBoolean(true));
        assertEquals(3, body.path("max_attempts").asInt());
        requests.clear();

        String cell = "nasbench:{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}";
        CliRun r = CliRun.of(
                "campaign",
                "start",
                "--url",
                url,
                "--models",
                "fc:8,16,2," + cell + ",squeezenet",
                "--kinds",
                "cpu-x86_64-t1",
                "--random",
                "3",
                "--stages",
                "4",
                "--seed",
                "9",
                "--json");
        assertEquals(0, r.code(), r::toString);
        body = Json.MAPPER.readTree(onlyPost().body());
        assertEquals(
                Json.MAPPER.readTree("{\"mode\":\"random\",\"count\":3,\"stages\":4,\"seed\":9}"), body.path("cuts"));
        assertEquals(
                List.of("fc:8,16,2", cell, "squeezenet"), Json.MAPPER.convertValue(body.path("models"), List.class));
        assertEquals(7, Json.MAPPER.readTree(r.out()).path("campaign_id").asInt(), r::toString);
    }

    @Test
    void startRejectsBadArgumentsWithoutCalling() {
        CliRun r = CliRun.of(
                "campaign", "start", "--url", url, "--models", "m", "--kinds", "k", "--cuts", "12", "--random", "2");
        assertEquals(2, r.code());
        assertEquals(
                "pipefarm: give either --cuts or --random, not both", r.err().strip());
        r = CliRun.of("campaign", "start", "--url", url, "--models", "m", "--kinds", "k", "--runs", "0");
        assertEquals(2, r.code());
        assertEquals("pipefarm: --runs must be >= 1", r.err().strip());
        r = CliRun.of("campaign", "start", "--url", url, "--models", "m", "--kinds", "k", "--cuts", "40,12");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("strictly increasing"), r::toString);
        r = CliRun.of("campaign", "start", "--url", url, "--kinds", "k");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required option: '--models"), r::toString);
        assertTrue(requests.isEmpty(), requests::toString);
    }

    @Test
    void apiErrorsBecomeOneLineAndExit2() {
        createStatus = 400;
        createBody = "{\"error\":{\"kind\":\"bad_input\",\"message\":\"unknown device kind 'tpu9'\"}}";
        CliRun r = CliRun.of("campaign", "start", "--url", url, "--models", "mobilenet_v1", "--kinds", "tpu9");
        assertEquals(2, r.code(), r::toString);
        assertEquals("pipefarm: unknown device kind 'tpu9'", r.err().strip());

        r = CliRun.of("campaign", "status", "99", "--url", url);
        assertEquals(2, r.code());
        assertEquals("pipefarm: no campaign 99", r.err().strip());

        r = CliRun.of("campaign", "status", "500", "--url", url);
        assertEquals(1, r.code());
        assertEquals("pipefarm: coordinator error (HTTP 500): boom", r.err().strip());
    }

    @Test
    void connectionRefusedExit1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + port;
        CliRun r = CliRun.of("campaign", "status", "--url", dead);
        assertEquals(1, r.code(), r::toString);
        assertEquals(
                "pipefarm: no coordinator at " + dead + " (start one with `pipefarm coordinator` or `pipefarm demo`)",
                r.err().strip());
        r = CliRun.of("agents", "--url", "localhost:8080");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pipefarm: bad coordinator URL 'localhost:8080'"), r::toString);
    }

    @Test
    void waitPollsUntilDone() throws Exception {
        CliRun r = CliRun.of(
                "campaign",
                "start",
                "--url",
                url,
                "--models",
                "mobilenet_v1",
                "--kinds",
                "sim-edgetpu-usb",
                "--wait",
                "--interval-ms",
                "10");
        assertEquals(0, r.code(), r::toString);
        assertEquals(3, polls.get());
        assertTrue(r.out().contains("[##"), r::toString);
        assertTrue(r.out().contains("campaign 7 done in 0:10: 11 done, 1 failed, 0 cancelled of 12 jobs"), r::toString);
    }

    @Test
    void statusPauseCancelProfilesAgents() throws Exception {
        CliRun r = CliRun.of("campaign", "status", "--url", url);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("c1") && r.out().contains("running"), r::toString);

        r = CliRun.of("campaign", "status", "7", "--url", url, "--json");
        assertEquals("running", Json.MAPPER.readTree(r.out()).path("state").asText());

        r = CliRun.of("campaign", "cancel", "7", "--url", url);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("campaign 7 \"c1\": cancelled"), r::toString);
        assertTrue(requests.stream()
                .anyMatch(q -> q.method().equals("POST") && q.path().equals("/api/campaigns/7/cancel")));

        r = CliRun.of("profiles", "--url", url, "--model", "mobilenet_v1", "--kind", "sim-edgetpu-usb", "--limit", "5");
        assertEquals(0, r.code(), r::toString);
        Req q = requests.get(requests.size() - 1);
        assertEquals("/api/profiles", q.path());
        assertEquals("model=mobilenet_v1&kind=sim-edgetpu-usb&limit=5", q.query());
        assertTrue(
                r.out().contains("0123456789ab")
                        && r.out().contains("2.500")
                        && r.out().contains("3.100"),
                r::toString);

        r = CliRun.of("agents", "--url", url);
        assertEquals(0, r.code(), r::toString);
        assertTrue(
                r.out().contains("agent-1")
                        && r.out().contains("sim-edgetpu-usb")
                        && r.out().contains("1 agent, 1 device"),
                r::toString);
    }
}
