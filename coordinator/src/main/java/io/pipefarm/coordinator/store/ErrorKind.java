package io.pipefarm.coordinator.store;

import java.util.Locale;

/**
 * The closed list of ways a job fails (maps by name to {@code pipefarm.farm.ErrorKind}, whose
 * constants carry an {@code ERROR_KIND_} prefix). Stored by {@link #name()}.
 */
public enum ErrorKind {
    COMPILE, LOAD, RUN, TIMEOUT, CRASH, BAD_INPUT, UNAVAILABLE;

    /** Parses "bad-input", "BAD_INPUT" or "ERROR_KIND_BAD_INPUT". */
    public static ErrorKind parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.startsWith("ERROR_KIND_")) {
            n = n.substring("ERROR_KIND_".length());
        }
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw StoreException.badInput("unknown error kind '" + s + "'; expected one of "
                    + java.util.Arrays.toString(values()));
        }
    }
}
