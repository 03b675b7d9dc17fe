package io.pipefarm.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.agent.device.FixedLatencyRuntime;
import io.pipefarm.agent.device.RunOutcome;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.CampaignCuts;
import io.pipefarm.coordinator.api.ProfileSettings;
import io.pipefarm.coordinator.api.StartCampaignReply;
import io.pipefarm.coordinator.api.StartCampaignRequest;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelRef;
import io.pipefarm.proto.farm.ProfileSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * The farm's own overhead. A coordinator (embedded H2 file store) and agents with fixed-latency devices in one
 * process on loopback; every job goes the whole way (lease, blob fetch by key with hash check, run, result stored in
 * the transaction that closes the job). Phase 1: runs take 0 ms, so the rate is pure overhead. Phase 2: every
 * invocation takes 20 ms (a job is 1 warm-up + 4 timed invocations, 100 ms), and utilisation is device busy time
 * over devices x wall time.
 */
public final class FarmExperiment {
    /** Invocations per job: 1 warm-up + 4 timed. */
    static final int RUNS_PER_JOB = 5;

    static final long SLOW_RUN_MILLIS = 20;
    static final String KIND = "bench-fixed";
    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    private FarmExperiment() {}

    /**
     * @param devices devices in all
     * @param agents  agent nodes sharing the devices
     * @param depth   depth of the {@code fc:16,16,DEPTH} model of phase 1 (all its segments are jobs)
     * @param depth20 depth of the model of phase 2
     * @param dir     where the nodes keep their store and blob caches
     */
    public record Options(int devices, int agents, int depth, int depth20, Path dir) {
        public Options {
            if (agents < 1 || devices < agents)
                throw new IllegalArgumentException(
                        "need 1 <= agents <= devices, got " + agents + " agents, " + devices + " devices");
            if (depth < 1 || depth20 < 1) throw new IllegalArgumentException("model depths must be >= 1");
        }
    }

    /** One campaign: its jobs, how many ended done and failed, and its wall time from creation to the last result. */
    public record Phase(long total, long done, long failed, double seconds) {
        public double jobsPerSecond() {
            return done / seconds;
        }
    }

    /** Both phases; {@code utilisation} = device busy time of phase 2 over devices x its wall time (a fraction). */
    public record Result(int devices, int agents, Phase zeroMs, Phase twentyMs, double utilisation) {
        public long failed() {
            return zeroMs.failed() + twentyMs.failed();
        }
    }

    public static Result run(Options o) throws IOException, InterruptedException {
        Phase p0 = phase(o, o.dir().resolve("p0"), 0, "fc:16,16," + o.depth());
        Phase p20 = phase(o, o.dir().resolve("p20"), SLOW_RUN_MILLIS, "fc:16,16," + o.depth20());
        double busy = p20.done() * RUNS_PER_JOB * SLOW_RUN_MILLIS / 1000.0;
        return new Result(o.devices(), o.agents(), p0, p20, busy / (o.devices() * p20.seconds()));
    }

    private static Phase phase(Options o, Path dir, long runMillis, String model)
            throws IOException, InterruptedException {
        List<AutoCloseable> nodes = new ArrayList<>();
        try {
            int port = freePort();
            Segmenter segmenter = new Segmenter();
            // the campaign names its model by reference and the bench's kind registers with its agents: no zoo list
            // needed
            CoordinatorNode c = CoordinatorNode.start(
                    new CoordinatorNode.Settings(
                            "127.0.0.1",
                            port,
                            0,
                            Database.fileUrl(dir.resolve("db")),
                            List.of(),
                            Duration.ofMinutes(5),
                            QUIET),
                    ModelRef::resolve,
                    (g, i, j) -> segmenter.segment(g, i, j).bytes(),
                    Set.of(),
                    List::of);
            nodes.add(c);
            for (int a = 0; a < o.agents(); a++) {
                int n = o.devices() / o.agents() + (a < o.devices() % o.agents() ? 1 : 0);
                nodes.add(AgentNode.start(
                        new AgentNode.Settings(
                                "bench-" + a,
                                "127.0.0.1",
                                freePort(),
                                List.of("127.0.0.1:" + port),
                                dir.resolve("cache-" + a),
                                Duration.ofSeconds(30),
                                QUIET),
                        List.of(new PerRunLatency(KIND, n, Duration.ofMillis(runMillis)))));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.store().agents().list().stream()
                            .filter(x -> x.state().name().equals("UP"))
                            .count()
                    < o.agents()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("bench agents did not register");
                Thread.sleep(50);
            }
            String body = ApiJson.compact(new StartCampaignRequest(
                    "bench-" + runMillis,
                    List.of(model),
                    List.of(KIND),
                    CampaignCuts.all(),
                    new ProfileSettings(1, RUNS_PER_JOB - 1, null, null, null, null, null),
                    true,
                    null));
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(c.httpUrl() + "/api/campaigns"))
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .header("Content-Type", "application/json")
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            long start = System.nanoTime();
            if (r.statusCode() != 201) throw new IllegalStateException("bench campaign refused: " + r.body());
            long id = ApiJson.read(r.body(), StartCampaignReply.class).campaignId();
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
                    // best effort: the next phase starts fresh nodes on fresh ports
                }
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Fixed-latency devices where every invocation (warm-up and timed) takes the run time. */
    static final class PerRunLatency implements DeviceRuntime {
        private final FixedLatencyRuntime inner;
        private final long runNs;

        PerRunLatency(String kind, int n, Duration run) {
            this.inner = new FixedLatencyRuntime(kind, n, Duration.ZERO);
            this.runNs = run.toNanos();
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public List<DeviceInfo> discover() {
            return inner.discover();
        }

        @Override
        public RunOutcome profile(DeviceInfo d, String key, byte[] seg, ProfileSpec spec) {
            long total = runNs * (Math.max(0, spec.getWarmupRuns()) + Math.max(1, spec.getTimedRuns()));
            if (total > 0) {
                long end = System.nanoTime() + total;
                for (long left = total; left > 0; left = end - System.nanoTime()) LockSupport.parkNanos(left);
            }
            return inner.profile(d, key, seg, spec);
        }
    }
}
