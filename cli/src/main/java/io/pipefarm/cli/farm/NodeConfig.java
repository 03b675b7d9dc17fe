package io.pipefarm.cli.farm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The HOCON file a node reads (DESIGN.md §9): {@code --config FILE}, else {@code $PIPEFARM_CONFIG},
 * else {@code ./pipefarm.conf}, else {@code /etc/pipefarm/pipefarm.conf}; none of them is fine
 * (defaults run embedded). Environment overrides such as {@code PIPEFARM_TOKEN} apply on top through
 * the {@code ${?VAR}} substitutions of the shared cluster config.
 */
final class NodeConfig {
    private NodeConfig() {}

    static Config load(Path explicit) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit))
                throw new IllegalArgumentException("config file " + explicit + " does not exist");
            return parse(explicit);
        }
        String env = System.getenv("PIPEFARM_CONFIG");
        if (env != null && !env.isBlank()) return load(Path.of(env));
        for (Path p : new Path[] {Path.of("pipefarm.conf"), Path.of("/etc/pipefarm/pipefarm.conf")}) {
            if (Files.isRegularFile(p)) return parse(p);
        }
        return ConfigFactory.empty();
    }

    private static Config parse(Path p) {
        try {
            return ConfigFactory.parseFile(p.toFile());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("config file " + p + ": " + e.getMessage(), e);
        }
    }
}
