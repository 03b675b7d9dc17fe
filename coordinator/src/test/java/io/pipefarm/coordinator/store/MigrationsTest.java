package io.pipefarm.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {

    @TempDir
    Path dir;

    @Test
    void appliesFromEmptyAndReRunIsNoOp() {
        Migrations m = Migrations.fromClasspath();
        assertTrue(m.latestVersion() >= 1, "V1 is on the classpath");
        try (Database db = Database.openDir(dir)) {
            assertEquals(0, Migrations.currentVersion(db));
            List<Integer> applied = m.migrate(db);
            assertEquals(1, applied.get(0));
            assertEquals(m.latestVersion(), Migrations.currentVersion(db));
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
    void appliesNewMigrationsInOrder() {
        try (Database db = Database.openDir(dir)) {
            Migrations v1 = Migrations.fromClasspath();
            v1.migrate(db);
            List<Migrations.Migration> more = new ArrayList<>(v1.migrations());
            int next = v1.latestVersion() + 1;
            more.add(new Migrations.Migration(next + 1, "second",
                    "ALTER TABLE test_extra ADD COLUMN IF NOT EXISTS b INT; -- needs the table below first"));
            more.add(new Migrations.Migration(next, "first",
                    "CREATE TABLE IF NOT EXISTS test_extra (a INT);\nINSERT INTO test_extra (a) VALUES (1);"));
            assertEquals(List.of(next, next + 1), new Migrations(more).migrate(db));
            assertEquals(next + 1, Migrations.currentVersion(db));
        }
    }

    @Test
    void refusesDatabaseNewerThanCode() {
        try (Database db = Database.openDir(dir)) {
            Migrations v1 = Migrations.fromClasspath();
            List<Migrations.Migration> more = new ArrayList<>(v1.migrations());
            more.add(new Migrations.Migration(v1.latestVersion() + 1, "future", "CREATE TABLE IF NOT EXISTS future_t (a INT);"));
            new Migrations(more).migrate(db);
            StoreException e = assertThrows(StoreException.class, () -> v1.migrate(db));
            assertEquals(StoreException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("newer than this pipefarm"), e.getMessage());
        }
    }

    @Test
    void refusesChangedScript() {
        try (Database db = Database.openDir(dir)) {
            Migrations all = Migrations.fromClasspath();
            all.migrate(db);
            // Every migration the code knows, with V1 edited after it was applied.
            List<Migrations.Migration> edited = new java.util.ArrayList<>(all.migrations());
            Migrations.Migration m = edited.get(0);
            edited.set(0, new Migrations.Migration(m.version(), m.name(), m.sql() + "\n-- edit"));
            Migrations changed = new Migrations(edited);
            StoreException e = assertThrows(StoreException.class, () -> changed.migrate(db));
            assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
        }
    }

    @Test
    void failedMigrationIsNotRecorded() {
        try (Database db = Database.openDir(dir)) {
            Migrations bad = new Migrations(List.of(new Migrations.Migration(1, "bad", "CREATE TABLE t1 (a INT);\nSELEKT nonsense;")));
            StoreException e = assertThrows(StoreException.class, () -> bad.migrate(db));
            assertTrue(e.getMessage().contains("V1__bad failed"), e.getMessage());
            assertEquals(0, Migrations.currentVersion(db));
        }
    }

    @Test
    void splitsStatements() {
        List<String> s = Migrations.split("-- header; not a statement\nCREATE TABLE a (x VARCHAR(3) DEFAULT ';');\n"
                + "INSERT INTO a VALUES ('--'); -- trailing\n\n");
        assertEquals(2, s.size(), s.toString());
        assertEquals("CREATE TABLE a (x VARCHAR(3) DEFAULT ';')", s.get(0));
        assertEquals("INSERT INTO a VALUES ('--')", s.get(1));
    }
}
