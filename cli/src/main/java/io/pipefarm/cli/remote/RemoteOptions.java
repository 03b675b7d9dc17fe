package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.CliException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of commands that talk to the coordinator. */
public final class RemoteOptions {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "coordinator HTTP API (default: $PIPEFARM_URL or " + FarmClient.DEFAULT_URL + ")")
    String url;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "per-request timeout (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    /** A client for these options (token from $PIPEFARM_TOKEN). */
    public FarmClient client() {
        if (timeoutSeconds < 1) throw CliException.usage("--timeout must be at least 1 second");
        return new FarmClient(
                FarmClient.resolveUrl(url), System.getenv(FarmClient.TOKEN_ENV), Duration.ofSeconds(timeoutSeconds));
    }
}
