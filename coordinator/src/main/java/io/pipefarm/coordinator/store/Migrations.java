package io.pipefarm.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * Versioned schema migrations, run by Flyway: classpath scripts {@code db/migration/V<n>__<name>.sql},
 * applied in order of {@code n} and recorded in Flyway's history table. Re-running is a no-op.
 * Opening a database whose schema is newer than the newest migration this code knows, or whose
 * recorded checksum differs from the script's, fails with {@link StoreException.Kind#UNAVAILABLE}
 * and says what to do.
 *
 * <p>Databases made before Flyway recorded their versions in {@code schema_version}: such a
 * database is baselined at the highest version recorded there (its scripts ran already), and that
 * table is then dropped so the schema version has one source.
 *
 * <p>H2 commits DDL implicitly, so scripts must be idempotent ({@code IF NOT EXISTS}): a migration
 * interrupted by a crash is not recorded and is re-run from the start on the next open.
 */
public final class Migrations {

    public static final String LOCATION = "classpath:db/migration";
    /** Where the hand-written runner before Flyway recorded applied versions. */
    static final String LEGACY_TABLE = "schema_version";

    private final List<String> locations;

    /** Migrations found at Flyway locations ({@code classpath:...} or {@code filesystem:...}). */
    public Migrations(List<String> locations) {
        if (locations.isEmpty()) {
            throw StoreException.badInput("no migration locations given");
        }
        this.locations = List.copyOf(locations);
    }

    /** The migrations shipped on the classpath under {@link #LOCATION}. */
    public static Migrations fromClasspath() {
        return new Migrations(List.of(LOCATION));
    }

    /** Newest version these migrations reach ({@link MigrationVersion#EMPTY} when there are none). */
    public MigrationVersion latestVersion(Database db) {
        return latestResolved(run(db, () -> flyway(db).info()));
    }

    /** The schema version recorded in the database ({@link MigrationVersion#EMPTY} for an empty database). */
    public MigrationVersion currentVersion(Database db) {
        MigrationInfo current = run(db, () -> flyway(db).info()).current();
        return current == null || current.getVersion() == null ? MigrationVersion.EMPTY : current.getVersion();
    }

    /**
     * Brings the database up to the newest migration.
     *
     * @return the versions applied now (empty when the schema was already current)
     */
    public List<String> migrate(Database db) {
        Flyway flyway = flyway(db);
        adoptLegacy(db, flyway);
        MigrationInfoService info = run(db, flyway::info);
        MigrationInfo current = info.current();
        if (current != null
                && (current.getState() == MigrationState.FUTURE_SUCCESS
                        || current.getState() == MigrationState.FUTURE_FAILED)) {
            throw newer(db, current.getVersion().getVersion(), latestResolved(info));
        }
        ValidateResult valid = run(db, flyway::validateWithResult);
        if (!valid.validationSuccessful) {
            if (!onlyFailed(valid)) {
                throw invalid(db, valid);
            }
            // On a database without DDL transactions Flyway records a failed script; ours are
            // idempotent, so it is re-run from the start, as after a crash in the middle of it.
            run(db, flyway::repair);
        }
        List<String> done = new ArrayList<>();
        for (MigrateOutput m : run(db, flyway::migrate).migrations) {
            done.add(m.version);
        }
        return done;
    }

    private FluentConfiguration configure(Database db) {
        return Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(db.url(), db.user(), db.password())
                .locations(locations.toArray(String[]::new))
                // pending: migrate applies them; future: migrate refuses them first, with its own message
                .ignoreMigrationPatterns("*:pending", "*:future");
    }

    private Flyway flyway(Database db) {
        return configure(db).load();
    }

    /**
     * Baselines a database that the runner before Flyway migrated (its {@code schema_version} exists
     * and Flyway's history does not), then drops that table.
     */
    private void adoptLegacy(Database db, Flyway flyway) {
        if (!db.tx(tx -> tableExists(tx.conn, LEGACY_TABLE))) {
            return;
        }
        MigrationInfoService info = run(db, flyway::info);
        if (info.applied().length == 0) {
            int legacy = db.tx(tx -> {
                try (Statement s = tx.conn.createStatement();
                        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + LEGACY_TABLE)) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            if (legacy > 0) {
                MigrationVersion latest = latestResolved(info);
                if (MigrationVersion.fromVersion(Integer.toString(legacy)).compareTo(latest) > 0) {
                    throw newer(db, Integer.toString(legacy), latest);
                }
                run(
                        db,
                        () -> configure(db)
                                .baselineVersion(Integer.toString(legacy))
                                .baselineDescription("migrated before Flyway (" + LEGACY_TABLE + ")")
                                .load()
                                .baseline());
            }
            // legacy == 0: the old runner stopped inside V1, whose idempotent script Flyway re-runs
        }
        db.tx(tx -> {
            try (Statement s = tx.conn.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + LEGACY_TABLE);
            }
            return null;
        });
    }

    private static boolean tableExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                + "WHERE UPPER(TABLE_NAME) = ? AND UPPER(TABLE_SCHEMA) = UPPER(CURRENT_SCHEMA)")) {
            ps.setString(1, name.toUpperCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    private static MigrationVersion latestResolved(MigrationInfoService info) {
        return Arrays.stream(info.all())
                .filter(m ->
                        m.getVersion() != null && m.getState().isResolved() && m.getState() != MigrationState.BASELINE)
                .map(MigrationInfo::getVersion)
                .max(MigrationVersion::compareTo)
                .orElse(MigrationVersion.EMPTY);
    }

    private static boolean onlyFailed(ValidateResult result) {
        return !result.invalidMigrations.isEmpty()
                && result.invalidMigrations.stream()
                        .allMatch(m -> m.errorDetails != null
                                && m.errorDetails.errorCode == CoreErrorCode.FAILED_VERSIONED_MIGRATION);
    }

    private static StoreException newer(Database db, String version, MigrationVersion latest) {
        return new StoreException(
                StoreException.Kind.UNAVAILABLE,
                "the database " + db.url()
                        + " has schema version " + version + ", newer than this pipefarm knows ("
                        + (latest == MigrationVersion.EMPTY ? "none" : latest.getVersion())
                        + "); run a newer pipefarm or point it at another database");
    }

    private static StoreException invalid(Database db, ValidateResult result) {
        for (ValidateOutput m : result.invalidMigrations) {
            if (m.errorDetails != null && m.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH) {
                return new StoreException(
                        StoreException.Kind.UNAVAILABLE,
                        "migration " + name(m)
                                + " changed after it was applied to " + db.url()
                                + "; restore the script or start from a fresh database");
            }
        }
        return new StoreException(
                StoreException.Kind.UNAVAILABLE,
                "the schema of " + db.url()
                        + " does not match this pipefarm's migrations (" + oneLine(result.getAllErrorMessages())
                        + "); run the pipefarm that created it or start from a fresh database");
    }

    /** {@code V<n>__<name>} of a migration, as its script is named. */
    private static String name(ValidateOutput m) {
        String path = m.filepath == null ? "" : m.filepath.replace('\\', '/');
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (file.endsWith(".sql")) {
            return file.substring(0, file.length() - ".sql".length());
        }
        return "V" + m.version + "__" + String.valueOf(m.description).replace(' ', '_');
    }

    private static String oneLine(String s) {
        return String.valueOf(s)
                .replaceAll("\\s*\\n[\\s-]*", "; ")
                .replaceAll("\\s+", " ")
                .trim();
    }

    private static String firstLine(String s) {
        String m = String.valueOf(s).trim();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).trim();
    }

    /** Runs a Flyway operation, mapping its failure to the store's closed set of error kinds. */
    private static <T> T run(Database db, Supplier<T> call) {
        try {
            return call.get();
        } catch (FlywayException e) {
            // Flyway's own message spans lines and ends in advice for its command line: keep its
            // first line (which script) and the database's reason.
            String message = firstLine(e.getMessage());
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof SQLException sql) {
                    message += ": " + firstLine(sql.getMessage());
                    break;
                }
            }
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE,
                    "schema migration of " + db.url() + " failed: " + message
                            + "; fix the cause or start from a fresh database",
                    e);
        }
    }
}
