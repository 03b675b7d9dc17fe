package io.pipefarm.cli.farm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The happy path with separate OS processes: {@code pipefarm coordinator} and two {@code pipefarm agent}s. */
class FarmProcessesTest {
    @TempDir
    Path dir;

    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    Process pipefarm(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "io.pipefarm.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        processes.add(p);
        return p;
    }

    @Test
    void coordinatorAndTwoAgentProcessesCompleteACampaign() throws Exception {
        int port = FarmClusterTest.freePort();
        int http = FarmClusterTest.freePort();
        pipefarm(
                "coordinator",
                "coordinator",
                "--port",
                "" + port,
                "--http-port",
                "" + http,
                "--data",
                dir.resolve("data").toString());
        for (int i = 1; i <= 2; i++) {
            pipefarm(
                    "agent" + i,
                    "agent",
                    "--seed",
                    "127.0.0.1:" + port,
                    "--port",
                    "0",
                    "--id",
                    "proc-agent-" + i,
                    "--sim-usb",
                    "2",
                    "--time-scale",
                    "0",
                    "--cpu-threads",
                    "none",
                    "--cache",
                    dir.resolve("cache" + i).toString());
        }
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + http;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String agents = "";
        while (System.nanoTime() < deadline) {
            try {
                agents = client.send(
                                HttpRequest.newBuilder(URI.create(base + "/api/agents"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                if (agents.contains("proc-agent-1") && agents.contains("proc-agent-2")) break;
            } catch (IOException notYet) {
                // coordinator still starting
            }
            Thread.sleep(250);
        }
        assertTrue(
                agents.contains("proc-agent-1") && agents.contains("proc-agent-2"),
                "agents registered: " + agents + logs());
        String body = """
                {"name": "processes", "models": ["fc:64,128,6"], "kinds": ["sim-edgetpu-usb"], "cuts": {"mode": "all"}}""";
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create(base + "/api/campaigns"))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        long id = FarmClusterTest.campaignId(r.body());
        String status = "";
        while (System.nanoTime() < deadline + Duration.ofSeconds(60).toNanos()) {
            status = client.send(
                            HttpRequest.newBuilder(URI.create(base + "/api/campaigns/" + id))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            if (status.contains("\"state\":\"done\"")) break;
            Thread.sleep(250);
        }
        assertTrue(status.contains("\"state\":\"done\""), status + logs());
        assertTrue(status.contains("\"failed\":0") || !status.contains("\"failed\""), status);
        String profiles = client.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/profiles?kind=sim-edgetpu-usb"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                profiles.contains("proc-agent-1") && profiles.contains("proc-agent-2"),
                "both agent processes measured");
    }

    String logs() throws Exception {
        StringBuilder b = new StringBuilder();
        for (File f : dir.toFile().listFiles((d, n) -> n.endsWith(".log"))) {
            List<String> lines = Files.readAllLines(f.toPath());
            b.append("\n--- ")
                    .append(f.getName())
                    .append('\n')
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        return b.toString();
    }
}
