package io.pipefarm.cli.farm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.cli.CliRun;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.proto.farm.ErrorKind;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real cluster nodes in one JVM on loopback ports: a coordinator and three agents with simulated
 * Edge TPUs run campaigns end to end, also when an agent or the coordinator goes away mid-campaign.
 */
class FarmClusterTest {
    /** Every remote message goes through serialization, as if it crossed the network. */
    static final Config TEST = ConfigFactory.parseString("""
            pekko.actor.serialize-messages = on
            pekko.loglevel = WARNING
            pekko.cluster.split-brain-resolver.stable-after = 3s
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 5s
            """);

    @TempDir
    Path dir;

    final List<AutoCloseable> open = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    CoordinatorNode coordinator(int clusterPort, String jdbc, Duration lease) {
        CoordinatorNode c = FarmWiring.startCoordinator(
                new CoordinatorNode.Settings("127.0.0.1", clusterPort, 0, jdbc, List.of(), lease, TEST));
        open.add(c);
        return c;
    }

    AgentNode agent(String id, int coordinatorPort, List<String> kinds) throws IOException {
        AgentNode a = AgentNode.start(
                new AgentNode.Settings(
                        id,
                        "127.0.0.1",
                        freePort(),
                        List.of("127.0.0.1:" + coordinatorPort),
                        dir.resolve("cache-" + id),
                        Duration.ofSeconds(5),
                        TEST),
                List.of(new SimulatedEdgeTpuRuntime(kinds, 0.0)));
        open.add(a);
        return a;
    }

    HttpResponse<String> post(CoordinatorNode c, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(c.httpUrl() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(CoordinatorNode c, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(c.httpUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static long campaignId(String createdJson) {
        var m = Pattern.compile("\"campaign_id\":(\\d+)").matcher(createdJson);
        assertTrue(m.find(), createdJson);
        return Long.parseLong(m.group(1));
    }

    static CampaignStore.Status awaitDone(FarmStore store, long id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CampaignStore.Status s;
        do {
            s = store.campaigns().status(id, System.currentTimeMillis(), Duration.ofSeconds(10));
            if (s.open() == 0) return s;
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("campaign " + id + " not done in " + timeout + ": " + s.counts());
    }

    /** Every job ended done or failed with a reason; profiles match done jobs one to one. */
    static void assertConsistent(FarmStore store, long campaignId) {
        assertConsistent(store, campaignId, false);
    }

    /** As above; with {@code cancelled} allowed, jobs of a cancelled campaign may also end cancelled. */
    static void assertConsistent(FarmStore store, long campaignId, boolean cancelled) {
        List<JobQueue.JobInfo> jobs = store.jobs().jobsOf(campaignId);
        Set<Long> done = new HashSet<>();
        for (JobQueue.JobInfo j : jobs) {
            assertTrue(
                    j.state() == JobState.DONE
                            || (cancelled && j.state() == JobState.CANCELLED)
                            || (j.state() == JobState.FAILED && j.lastErrorKind() != null),
                    "job " + j.id() + " ended " + j.state());
            if (j.state() == JobState.DONE) done.add(j.id());
        }
        List<ProfileStore.Profile> profiles = store.profiles().list(ProfileStore.Query.all());
        Set<Long> profiled = new HashSet<>();
        for (ProfileStore.Profile p : profiles) {
            if (p.jobId() != null && done.contains(p.jobId()))
                assertTrue(profiled.add(p.jobId()), "two profiles for job " + p.jobId());
        }
        assertEquals(done, profiled, "profiles must match done jobs one to one");
    }

    static final String FC_CAMPAIGN = """
            {"name": "%s", "models": ["fc:64,256,8"], "kinds": ["sim-edgetpu-usb", "sim-edgetpu-pci"],
             "cuts": {"mode": "all"}, "spec": {"warmup_runs": 1, "timed_runs": 5}}""";

    @Test
    void coordinatorAndThreeAgentsCompleteACampaign() throws Exception {
        int port = freePort();
        CoordinatorNode c = coordinator(port, "jdbc:h2:mem:happy;DB_CLOSE_DELAY=-1", Duration.ofMinutes(1));
        agent("a1", port, List.of("sim-edgetpu-usb", "sim-edgetpu-pci"));
        agent("a2", port, List.of("sim-edgetpu-usb"));
        agent("a3", port, List.of("sim-edgetpu-pci", "sim-edgetpu-pci"));
        HttpResponse<String> r = post(c, "/api/campaigns", FC_CAMPAIGN.formatted("happy"));
        assertEquals(201, r.statusCode(), r.body());
        long id = campaignId(r.body());
        CampaignStore.Status s = awaitDone(c.store(), id, Duration.ofSeconds(120));
        assertTrue(s.total() >= 200, "campaign has " + s.total() + " jobs");
        assertEquals(s.total(), s.count(JobState.DONE), "every job done: " + s.counts());
        assertConsistent(c.store(), id);
        // Profiles came from more than one agent.
        Set<String> agents = new HashSet<>();
        for (var p : c.store().profiles().list(ProfileStore.Query.all())) agents.add(p.agentId());
        assertTrue(agents.size() >= 2, "work spread over agents: " + agents);
        // Running the same campaign again profiles nothing new.
        HttpResponse<String> again = post(c, "/api/campaigns", FC_CAMPAIGN.formatted("again"));
        assertEquals(201, again.statusCode(), again.body());
        assertTrue(again.body().contains("\"jobs_enqueued\":0"), again.body());
    }

    @Test
    void badRequestsGetClearErrorsAndChangeNothing() throws Exception {
        int port = freePort();
        CoordinatorNode c = coordinator(port, "jdbc:h2:mem:bad;DB_CLOSE_DELAY=-1", Duration.ofMinutes(1));
        String[][] cases = {
            {"{\"name\":\"x\",\"models\":[\"nosuchnet\"],\"kinds\":[\"sim-edgetpu-usb\"]}", "nosuchnet"},
            {"{\"name\":\"x\",\"models\":[\"fc:64,32,2\"],\"kinds\":[\"tpu-from-mars\"]}", "unknown device kind"},
            {
                "{\"name\":\"x\",\"models\":[\"fc:64,32,2\"],\"kinds\":[\"sim-edgetpu-usb\"],\"cuts\":{\"mode\":\"given\",\"cuts\":[]}}",
                "empty"
            },
            {
                "{\"name\":\"x\",\"models\":[\"fc:64,32,2\"],\"kinds\":[\"sim-edgetpu-usb\"],\"cuts\":{\"mode\":\"given\",\"cuts\":[99]}}",
                "out of range"
            },
            {"{\"name\": \"x\", \"models\": [", "not JSON"},
        };
        for (String[] k : cases) {
            HttpResponse<String> r = post(c, "/api/campaigns", k[0]);
            assertEquals(400, r.statusCode(), k[0] + " -> " + r.body());
            assertTrue(r.body().contains(k[1]), r.body());
        }
        assertEquals(404, get(c, "/api/campaigns/4242").statusCode());
        assertEquals(404, post(c, "/api/campaigns/4242/pause", "").statusCode());
        assertTrue(c.store().campaigns().list().isEmpty(), "nothing was created");
    }

    @Test
    void agentTerminatedMidCampaignLosesNothing() throws Exception {
        int port = freePort();
        CoordinatorNode c = coordinator(port, "jdbc:h2:mem:agentloss;DB_CLOSE_DELAY=-1", Duration.ofMinutes(2));
        AgentNode doomed = new SlowAgents(dir).start("doomed", port, open);
        agent("b2", port, List.of("sim-edgetpu-usb", "sim-edgetpu-pci"));
        long id = campaignId(
                post(c, "/api/campaigns", FC_CAMPAIGN.formatted("agentloss")).body());
        // Let the doomed agent lease work, then take it away.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.store().jobs().jobsOf(id).stream()
                .noneMatch(j -> "doomed".equals(j.leaseAgent()) && j.state() == JobState.LEASED)) {
            assertTrue(System.nanoTime() < deadline, "doomed agent never leased a job");
            Thread.sleep(20);
        }
        doomed.close();
        CampaignStore.Status s = awaitDone(c.store(), id, Duration.ofSeconds(120));
        assertEquals(s.total(), s.count(JobState.DONE), "every job done: " + s.counts());
        assertConsistent(c.store(), id);
    }

    @Test
    void newCoordinatorOnTheSameDatabaseFinishesTheCampaign() throws Exception {
        int port = freePort();
        String jdbc = Database.fileUrl(dir.resolve("db"));
        CoordinatorNode first = coordinator(port, jdbc, Duration.ofSeconds(20));
        agent("c1", port, List.of("sim-edgetpu-usb", "sim-edgetpu-pci"));
        new SlowAgents(dir).start("c2", port, open);
        long id = campaignId(
                post(first, "/api/campaigns", FC_CAMPAIGN.formatted("restart")).body());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (first.store()
                        .campaigns()
                        .status(id, System.currentTimeMillis(), Duration.ofSeconds(5))
                        .count(JobState.DONE)
                < 5) {
            assertTrue(System.nanoTime() < deadline, "no progress before the restart");
            Thread.sleep(20);
        }
        long doneBefore = first.store()
                .campaigns()
                .status(id, System.currentTimeMillis(), Duration.ofSeconds(5))
                .count(JobState.DONE);
        first.close();
        open.remove(first);
        CoordinatorNode second = coordinator(port, jdbc, Duration.ofSeconds(20));
        CampaignStore.Status s = awaitDone(second.store(), id, Duration.ofSeconds(180));
        assertTrue(s.count(JobState.DONE) >= doneBefore, "no acknowledged profile lost");
        List<String> failures = new ArrayList<>();
        for (JobQueue.JobInfo j : second.store().jobs().jobsOf(id)) {
            if (j.state() == JobState.FAILED)
                failures.add("job " + j.id() + " after " + j.attempts() + " attempts: " + j.lastErrorKind() + " "
                        + j.lastErrorMessage());
        }
        assertEquals(s.total(), s.count(JobState.DONE), "every job done: " + s.counts() + " " + failures);
        assertConsistent(second.store(), id);
        assertEquals(
                "restart",
                CampaignSpecs.parse(second.store().campaigns().spec(id)).name());
    }

    @Test
    void aSegmentThatFailsOnItsDeviceFailsItsJobAndTheCampaignGoesOn() throws Exception {
        // A user model whose last op is one the simulated Edge TPU cannot run (a custom op).
        Graph base = ModelZoo.fc(64, 32, 2);
        List<Tensor> ts = new ArrayList<>(base.tensors());
        int out = base.outputs()[0];
        Tensor o = base.tensor(out);
        ts.add(new Tensor(ts.size(), "custom_out", o.type(), o.shape(), o.quant(), null));
        List<Op> ops = new ArrayList<>(base.ops());
        ops.add(new Op(
                ops.size(),
                OpType.OPAQUE,
                new int[] {out},
                new int[] {ts.size() - 1},
                new OpOptions.Opaque(32, "my-custom-op", 1, 0, null, new byte[0]),
                1));
        Graph g = new Graph("with_custom_op", ts, ops, base.inputs(), new int[] {ts.size() - 1});
        Path file = dir.resolve("custom.tflite");
        Files.write(file, new TfliteWriter().write(g));

        int port = freePort();
        CoordinatorNode c = coordinator(port, "jdbc:h2:mem:failing;DB_CLOSE_DELAY=-1", Duration.ofMinutes(1));
        agent("f1", port, List.of("sim-edgetpu-usb"));
        String body = """
                {"name": "failing", "models": ["file:%s"], "kinds": ["sim-edgetpu-usb"], "cuts": {"mode": "all"},
                 "max_attempts": 2}""".formatted(file.toString().replace("\\", "/"));
        HttpResponse<String> r = post(c, "/api/campaigns", body);
        assertEquals(201, r.statusCode(), r.body());
        long id = campaignId(r.body());
        CampaignStore.Status s = awaitDone(c.store(), id, Duration.ofSeconds(60));
        int n = g.size();
        long withCustom = n; // segments [i, n) contain the custom op
        assertEquals(withCustom, s.count(JobState.FAILED), s.counts().toString());
        assertEquals(s.total() - withCustom, s.count(JobState.DONE), s.counts().toString());
        for (JobQueue.JobInfo j : c.store().jobs().jobsOf(id)) {
            if (j.state() == JobState.FAILED) {
                assertEquals(ErrorKind.ERROR_KIND_LOAD, j.lastErrorKind());
                assertTrue(j.lastErrorMessage().contains("my-custom-op"), j.lastErrorMessage());
                assertEquals(2, j.attempts());
            }
        }
        // the failures and their errors, through the API and the CLI
        JsonNode failed = ApiJson.mapper()
                .readTree(get(c, "/api/campaigns/" + id + "/jobs?state=failed").body());
        assertEquals(withCustom, failed.size(), failed.toString());
        for (JsonNode j : failed) {
            assertEquals("failed", j.get("state").asText());
            assertEquals("load", j.get("last_error_kind").asText());
            assertTrue(j.get("last_error_message").asText().contains("my-custom-op"), j.toString());
        }
        assertEquals(
                s.total(),
                ApiJson.mapper()
                        .readTree(get(c, "/api/campaigns/" + id + "/jobs").body())
                        .size());
        assertEquals(400, get(c, "/api/campaigns/" + id + "/jobs?state=stuck").statusCode());
        CliRun cli = CliRun.of("campaign", "status", "" + id, "--errors", "--json", "--url", c.httpUrl());
        assertEquals(0, cli.code(), cli::toString);
        assertEquals(failed, ApiJson.mapper().readTree(cli.out()).get("failed"), "the CLI lists the same failed jobs");
        assertConsistent(c.store(), id);
    }

    @Test
    void aTokenGuardsTheApiAndTheBlobsAndAgentsWithItWork() throws Exception {
        Config withToken =
                ConfigFactory.parseString("pipefarm.http.token = s3cret").withFallback(TEST);
        int port = freePort();
        CoordinatorNode c = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                port,
                0,
                "jdbc:h2:mem:token;DB_CLOSE_DELAY=-1",
                List.of(),
                Duration.ofMinutes(1),
                withToken));
        open.add(c);
        AgentNode a = AgentNode.start(
                new AgentNode.Settings(
                        "t1",
                        "127.0.0.1",
                        freePort(),
                        List.of("127.0.0.1:" + port),
                        dir.resolve("cache-t1"),
                        Duration.ofSeconds(5),
                        withToken),
                List.of(new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0)));
        open.add(a);
        assertEquals(200, get(c, "/api/health").statusCode());
        HttpResponse<String> denied = get(c, "/api/campaigns");
        assertEquals(401, denied.statusCode());
        assertTrue(denied.body().contains("PIPEFARM_TOKEN"), denied.body());
        String body = "{\"name\": \"t\", \"models\": [\"fc:64,32,2\"], \"kinds\": [\"sim-edgetpu-usb\"]}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(c.httpUrl() + "/api/campaigns"))
                        .header("Authorization", "Bearer s3cret")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        CampaignStore.Status s = awaitDone(c.store(), campaignId(r.body()), Duration.ofSeconds(60));
        assertEquals(s.total(), s.count(JobState.DONE), "the agent fetched blobs with its token: " + s.counts());
    }

    @Test
    void pausedCampaignsHandOutNoWorkUntilResumedAndCancelledOnesStop() throws Exception {
        int port = freePort();
        CoordinatorNode c = coordinator(port, "jdbc:h2:mem:pause;DB_CLOSE_DELAY=-1", Duration.ofMinutes(1));
        new SlowAgents(dir).start("p1", port, open);
        long id = campaignId(
                post(c, "/api/campaigns", FC_CAMPAIGN.formatted("pausing")).body());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.store()
                        .campaigns()
                        .status(id, System.currentTimeMillis(), Duration.ofSeconds(5))
                        .count(JobState.DONE)
                < 3) {
            assertTrue(System.nanoTime() < deadline, "no progress");
            Thread.sleep(20);
        }
        assertEquals(200, post(c, "/api/campaigns/" + id + "/pause", "").statusCode());
        // Jobs already on the devices finish; after that nothing new is leased while paused.
        Thread.sleep(3000);
        long doneAfterPause = c.store()
                .campaigns()
                .status(id, System.currentTimeMillis(), Duration.ofSeconds(5))
                .count(JobState.DONE);
        Thread.sleep(2000);
        CampaignStore.Status paused =
                c.store().campaigns().status(id, System.currentTimeMillis(), Duration.ofSeconds(5));
        assertEquals(doneAfterPause, paused.count(JobState.DONE), "no job ran while paused: " + paused.counts());
        assertEquals(0, paused.count(JobState.LEASED), paused.counts().toString());
        assertEquals("paused", paused.campaign().state().db());
        assertEquals(200, post(c, "/api/campaigns/" + id + "/resume", "").statusCode());
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.store()
                        .campaigns()
                        .status(id, System.currentTimeMillis(), Duration.ofSeconds(5))
                        .count(JobState.DONE)
                <= doneAfterPause) {
            assertTrue(System.nanoTime() < deadline, "no progress after resume");
            Thread.sleep(20);
        }
        assertEquals(200, post(c, "/api/campaigns/" + id + "/cancel", "").statusCode());
        CampaignStore.Status s = awaitDone(c.store(), id, Duration.ofSeconds(30));
        assertEquals("cancelled", s.campaign().state().db());
        assertTrue(s.count(JobState.CANCELLED) > 0, s.counts().toString());
        assertConsistent(c.store(), id, true);
    }

    /** Agents whose simulated devices take real wall time, so that they hold leases for a while. */
    record SlowAgents(Path dir) {
        AgentNode start(String id, int coordinatorPort, List<AutoCloseable> open) throws IOException {
            AgentNode a = AgentNode.start(
                    new AgentNode.Settings(
                            id,
                            "127.0.0.1",
                            freePort(),
                            List.of("127.0.0.1:" + coordinatorPort),
                            dir.resolve("cache-" + id),
                            Duration.ofSeconds(5),
                            TEST),
                    List.of(new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb", "sim-edgetpu-pci"), 20.0)));
            open.add(a);
            return a;
        }
    }
}
