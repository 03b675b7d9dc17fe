package io.pipefarm.cli.farm;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log levels for commands whose output is a live display (demo, benchmarks): only real problems. */
public final class FarmLogs {
    private FarmLogs() {}

    public static void quiet() {
        if (LoggerFactory.getLogger("io.pipefarm") instanceof Logger l) l.setLevel(Level.WARN);
        // Node shutdown makes Pekko's remoting warn about closed connections: not news to a demo user.
        if (LoggerFactory.getLogger("org.apache.pekko") instanceof Logger l) l.setLevel(Level.ERROR);
        if (LoggerFactory.getLogger("ml.dmlc") instanceof Logger l) l.setLevel(Level.WARN);
    }
}
