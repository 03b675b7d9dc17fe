package io.pipefarm.cli.farm;

import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.agent.device.FixedLatencyRuntime;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.JobState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm bench farm}: the farm's own overhead. A coordinator (embedded H2 file store) and
 * agents with 64 fixed-latency devices in one process on loopback; every job goes the whole way
 * (lease, blob fetch by key with hash check, run, result stored in the transaction that closes the
 * job). Phase 1: runs take 0 ms, so the rate is pure overhead. Phase 2: every invocation takes
 * 20 ms (a job is 1 warm-up + 4 timed invocations, 100 ms), and utilisation is device busy time over
 * devices x wall time.
 */
@Command(name = "farm", mixinStandardHelpOptions = true,
        description = "Farm overhead with 64 devices: jobs/s when runs take 0 ms, utilisation when runs take 20 ms.")
public final class FarmBench implements Callable<Integer> {
    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;
    @Option(names = "--devices", defaultValue = "64", description = "devices in all (default ${DEFAULT-VALUE})")
    int devices;
    @Option(names = "--agents", defaultValue = "2", description = "agent nodes sharing the devices (default ${DEFAULT-VALUE})")
    int agents;
    @Option(names = "--depth", defaultValue = "60", description = "depth of the fc:16,16,DEPTH model of phase 1 (all its segments are jobs)")
    int depth;
    @Option(names = "--depth-20ms", defaultValue = "60", description = "depth of the model of phase 2 (the same campaign size as phase 1, so that ramp-up and tail weigh little)")
    int depth20;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("pipefarm-bench-farm");
        FarmLogs.quiet();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("devices", devices);
        result.put("agents", agents);
        Phase p0 = run(dir.resolve("p0"), 0, "fc:16,16," + depth);
        Phase p20 = run(dir.resolve("p20"), 20, "fc:16,16," + depth20);
        long runsPerJob = 5;
        double busy = p20.done * runsPerJob * 0.020;
        double utilisation = busy / (devices * p20.seconds);
        result.put("jobs", p0.total);
        result.put("seconds", p0.seconds);
        result.put("jobs_per_s", p0.done / p0.seconds);
        result.put("jobs_20ms", p20.total);
        result.put("seconds_20ms", p20.seconds);
        result.put("utilisation", utilisation);
        result.put("failed", p0.failed + p20.failed);
        if (json) {
            System.out.println(Json.compact(result));
        } else {
            Table t = new Table("phase", "devices", "jobs", "wall s", "jobs/s", "utilisation", "target");
            t.row("runs take 0 ms", devices, p0.total, fmt(p0.seconds), fmt(p0.done / p0.seconds), "-", ">= 2000 jobs/s");
            t.row("runs take 20 ms (5 per job)", devices, p20.total, fmt(p20.seconds), fmt(p20.done / p20.seconds),
                    String.format("%.1f%%", 100 * utilisation), ">= 95%");
            System.out.print(t.render());
        }
        return 0;
    }

    private static String fmt(double d) {
        return String.format("%.1f", d);
    }

    record Phase(long total, long done, long failed, double seconds) {}

    private Phase run(Path dir, long runMillis, String model) throws Exception {
        List<AutoCloseable> nodes = new ArrayList<>();
        try {
            int port = FarmPorts.free();
            CoordinatorNode c = FarmWiring.startCoordinator(new CoordinatorNode.Settings("127.0.0.1", port, 0,
                    Database.fileUrl(dir.resolve("db")), List.of(), Duration.ofMinutes(5), ConfigFactory.parseString("pekko.loglevel = WARNING")));
            nodes.add(c);
            String kind = "bench-fixed";
            for (int a = 0; a < agents; a++) {
                int n = devices / agents + (a < devices % agents ? 1 : 0);
                nodes.add(AgentNode.start(new AgentNode.Settings("bench-" + a, "127.0.0.1", FarmPorts.free(), List.of("127.0.0.1:" + port),
                        dir.resolve("cache-" + a), Duration.ofSeconds(30), ConfigFactory.parseString("pekko.loglevel = WARNING")),
                        List.of(new PerRunLatency(kind, n, Duration.ofMillis(runMillis)))));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.store().agents().list().stream().filter(x -> x.state().name().equals("UP")).count() < agents) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("bench agents did not register");
                Thread.sleep(50);
            }
            String body = Json.compact(Map.of("name", "bench-" + runMillis, "models", List.of(model), "kinds", List.of(kind),
                    "cuts", Map.of("mode", "all"), "spec", Map.of("warmupRuns", 1, "timedRuns", 4), "reprofile", true));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(c.httpUrl() + "/api/campaigns"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            long start = System.nanoTime();
            if (r.statusCode() != 201) throw new IllegalStateException("bench campaign refused: " + r.body());
            long id = Json.MAPPER.readTree(r.body()).path("created").path("campaignId").asLong();
            CampaignStore.Status s;
            while (true) {
                s = c.store().campaigns().status(id, System.currentTimeMillis(), Duration.ofSeconds(5));
                if (s.open() == 0) break;
                Thread.sleep(200);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return new Phase(s.total(), s.count(JobState.DONE), s.count(JobState.FAILED), secs);
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                try {
                    nodes.get(i).close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    /** Fixed-latency devices where every invocation (warm-up and timed) takes the run time. */
    static final class PerRunLatency implements io.pipefarm.agent.device.DeviceRuntime {
        private final FixedLatencyRuntime inner;
        private final long runNs;

        PerRunLatency(String kind, int n, Duration run) {
            this.inner = new FixedLatencyRuntime(kind, n, Duration.ZERO);
            this.runNs = run.toNanos();
        }

        @Override public String name() { return inner.name(); }
        @Override public List<io.pipefarm.agent.device.DeviceInfo> discover() { return inner.discover(); }

        @Override
        public io.pipefarm.agent.device.RunOutcome profile(io.pipefarm.agent.device.DeviceInfo d, String key, byte[] seg,
                                                         io.pipefarm.proto.farm.ProfileSpec spec) {
            long total = runNs * (Math.max(0, spec.getWarmupRuns()) + Math.max(1, spec.getTimedRuns()));
            if (total > 0) {
                long end = System.nanoTime() + total;
                for (long left = total; left > 0; left = end - System.nanoTime()) java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
            return inner.profile(d, key, seg, spec);
        }
    }
}
