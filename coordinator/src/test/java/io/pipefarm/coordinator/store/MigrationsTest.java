package io.pipefarm.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {

    /** The scripts the hand-written runner before Flyway applied, as it named them. */
    private static final List<String> LEGACY_SCRIPTS = List.of("V1__init", "V2__predictors", "V3__partitions");

    @TempDir
    Path dir;

    @TempDir
    Path scripts;

    @Test
    void appliesFromEmptyAndReRunIsNoOp() {
        Migrations m = Migrations.fromClasspath();
        try (Database db = Database.openDir(dir)) {
            assertEquals(MigrationVersion.EMPTY, m.currentVersion(db));
            List<String> applied = m.migrate(db);
            assertEquals("1", applied.get(0));
            assertEquals(m.latestVersion(db), m.currentVersion(db));
            assertTrue(m.latestVersion(db).isAtLeast("3"), "V1..V3 are on the classpath");
            assertEquals(List.of(), m.migrate(db), "second run applies nothing");
        }
        try (Database db = Database.openDir(dir)) {
            assertEquals(List.of(), Migrations.fromClasspath().migrate(db), "restart applies nothing");
            // the schema is usable
            FarmStore store = FarmStore.open(db);
            assertEquals(0, store.profiles().count());
        }
    }

    @Test
    void appliesNewMigrationsInOrder() throws IOException {
        try (Database db = Database.openDir(dir)) {
            Migrations shipped = Migrations.fromClasspath();
            shipped.migrate(db);
            int next = Integer.parseInt(shipped.latestVersion(db).getVersion()) + 1;
            script(
                    "V" + (next + 1) + "__second.sql",
                    "ALTER TABLE test_extra ADD COLUMN IF NOT EXISTS b INT; -- needs the table below first\n");
            script(
                    "V" + next + "__first.sql",
                    "CREATE TABLE IF NOT EXISTS test_extra (a INT);\nINSERT INTO test_extra (a) VALUES (1);\n");
            Migrations more = withScripts();
            assertEquals(List.of(Integer.toString(next), Integer.toString(next + 1)), more.migrate(db));
            assertEquals(MigrationVersion.fromVersion(Integer.toString(next + 1)), more.currentVersion(db));
        }
    }

    @Test
    void opensDatabaseOfTheRunnerBeforeFlyway() {
        try (Database db = Database.openDir(dir)) {
            legacySchema(db, LEGACY_SCRIPTS.size());
            db.tx(tx -> {
                try (Statement s = tx.conn.createStatement()) {
                    s.execute("INSERT INTO models (name, source, op_count, created) VALUES ('old', 'zoo:old', 3, 1)");
                }
                return null;
            });
        }
        try (FarmStore store = FarmStore.openDir(dir)) {
            Database db = store.database();
            Migrations m = Migrations.fromClasspath();
            assertEquals("zoo:old", store.models().byName("old").orElseThrow().source(), "the old rows are kept");
            assertEquals(m.latestVersion(db), m.currentVersion(db));
            assertFalse(hasTable(db, Migrations.LEGACY_TABLE), "the old version table is dropped");
            assertEquals(List.of(), m.migrate(db), "nothing to re-run");
        }
    }

    @Test
    void refusesDatabaseOfTheRunnerBeforeFlywayNewerThanCode() {
        try (Database db = Database.openDir(dir)) {
            Migrations m = Migrations.fromClasspath();
            int future = Integer.parseInt(m.latestVersion(db).getVersion()) + 1;
            legacySchema(db, LEGACY_SCRIPTS.size());
            db.tx(tx -> {
                try (Statement s = tx.conn.createStatement()) {
                    s.execute("INSERT INTO schema_version VALUES (" + future + ", 'future', 0, 0)");
                }
                return null;
            });
            StoreException e = assertThrows(StoreException.class, () -> m.migrate(db));
            assertEquals(StoreException.Kind.UNAVAILABLE, e.kind());
            assertTrue(
                    e.getMessage().contains("schema version " + future + ", newer than this pipefarm"), e.getMessage());
            assertTrue(hasTable(db, Migrations.LEGACY_TABLE), "a refused database is left as it was");
            assertEquals(MigrationVersion.EMPTY, m.currentVersion(db));
        }
    }

    @Test
    void refusesDatabaseNewerThanCode() throws IOException {
        try (Database db = Database.openDir(dir)) {
            Migrations shipped = Migrations.fromClasspath();
            int future = Integer.parseInt(shipped.latestVersion(db).getVersion()) + 1;
            script("V" + future + "__future.sql", "CREATE TABLE IF NOT EXISTS future_t (a INT);\n");
            withScripts().migrate(db);
            StoreException e = assertThrows(StoreException.class, () -> shipped.migrate(db));
            assertEquals(StoreException.Kind.UNAVAILABLE, e.kind());
            assertTrue(
                    e.getMessage().contains("schema version " + future + ", newer than this pipefarm"), e.getMessage());
        }
    }

    @Test
    void refusesChangedScript() throws IOException {
        Path before = Files.createDirectories(scripts.resolve("before"));
        Path after = Files.createDirectories(scripts.resolve("after"));
        Files.writeString(before.resolve("V1__t.sql"), "CREATE TABLE IF NOT EXISTS t1 (a INT);\n");
        Files.writeString(after.resolve("V1__t.sql"), "CREATE TABLE IF NOT EXISTS t1 (a INT);\n-- edit\n");
        try (Database db = Database.openDir(dir)) {
            new Migrations(List.of("filesystem:" + before)).migrate(db);
            Migrations changed = new Migrations(List.of("filesystem:" + after));
            StoreException e = assertThrows(StoreException.class, () -> changed.migrate(db));
            assertEquals(StoreException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("migration V1__t changed after it was applied"), e.getMessage());
        }
    }

    @Test
    void failedMigrationSaysWhichScriptAndIsReRunNextTime() throws IOException {
        script("V1__bad.sql", "CREATE TABLE IF NOT EXISTS t1 (a INT);\nSELEKT nonsense;\n");
        try (Database db = Database.openDir(dir)) {
            Migrations bad = new Migrations(List.of("filesystem:" + scripts));
            StoreException e = assertThrows(StoreException.class, () -> bad.migrate(db));
            assertEquals(StoreException.Kind.UNAVAILABLE, e.kind());
            assertTrue(
                    e.getMessage().contains("V1__bad.sql: Syntax error in SQL statement \"[*]SELEKT nonsense\""),
                    e.getMessage());
            StoreException again = assertThrows(StoreException.class, () -> bad.migrate(db));
            assertEquals(e.getMessage(), again.getMessage(), "the failed script is run again, not skipped");
            script(
                    "V1__bad.sql",
                    "CREATE TABLE IF NOT EXISTS t1 (a INT);\nALTER TABLE t1 ADD COLUMN IF NOT EXISTS b INT;\n");
            assertEquals(List.of("1"), bad.migrate(db), "the fixed script runs from the start");
            assertEquals(MigrationVersion.fromVersion("1"), bad.currentVersion(db));
        }
    }

    private void script(String name, String sql) throws IOException {
        Files.writeString(scripts.resolve(name), sql);
    }

    /** The shipped migrations plus the test's scripts. */
    private Migrations withScripts() {
        return new Migrations(List.of(Migrations.LOCATION, "filesystem:" + scripts));
    }

    /** The schema and version table as the runner before Flyway left them after its first {@code n} scripts. */
    private static void legacySchema(Database db, int n) {
        db.tx(tx -> {
            try (Statement s = tx.conn.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
                        + "name VARCHAR(256) NOT NULL, checksum BIGINT NOT NULL, applied BIGINT NOT NULL)");
                for (int i = 0; i < n; i++) {
                    String script = LEGACY_SCRIPTS.get(i);
                    s.execute("RUNSCRIPT FROM 'classpath:/db/migration/" + script + ".sql'");
                    s.execute("INSERT INTO schema_version VALUES (" + (i + 1) + ", '"
                            + script.substring(script.indexOf("__") + 2) + "', 12345, 1)");
                }
            }
            return null;
        });
    }

    private static boolean hasTable(Database db, String name) {
        return db.tx(tx -> {
            try (Statement s = tx.conn.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE UPPER(TABLE_NAME) = '"
                                    + name.toUpperCase(Locale.ROOT) + "'")) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        });
    }
}
