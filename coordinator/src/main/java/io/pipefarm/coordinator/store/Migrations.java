package io.pipefarm.coordinator.store;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Versioned schema migrations: classpath resources {@code db/migration/V<n>__<name>.sql}, applied
 * in order of {@code n}, each in its own transaction, and recorded in {@code schema_version}
 * (version, name, checksum, applied). Re-running is a no-op. Opening a database whose schema is
 * newer than the newest migration this code knows, or whose recorded checksum differs from the
 * script's, fails with {@link StoreException.Kind#UNAVAILABLE} and says what to do.
 *
 * <p>Script format: statements end with a {@code ;} (outside string literals); {@code --}
 * comments run to the end of the line. H2 commits DDL implicitly, so scripts must be idempotent
 * ({@code IF NOT EXISTS}) to be safely re-run after a crash in the middle of a migration.
 */
public final class Migrations {

    public static final String LOCATION = "db/migration";
    private static final Pattern NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    /** One migration script. */
    public record Migration(int version, String name, String sql) {
        public long checksum() {
            CRC32 crc = new CRC32();
            crc.update(sql.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return crc.getValue();
        }
    }

    private final List<Migration> migrations;

    public Migrations(List<Migration> migrations) {
        List<Migration> sorted = new ArrayList<>(migrations);
        sorted.sort(Comparator.comparingInt(Migration::version));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).version() == sorted.get(i - 1).version()) {
                throw StoreException.badInput("two migrations with version " + sorted.get(i).version() + ": "
                        + sorted.get(i - 1).name() + " and " + sorted.get(i).name());
            }
        }
        this.migrations = List.copyOf(sorted);
    }

    /** The migrations shipped on the classpath under {@link #LOCATION}. */
    public static Migrations fromClasspath() {
        return new Migrations(discover(Migrations.class.getClassLoader(), LOCATION));
    }

    public List<Migration> migrations() {
        return migrations;
    }

    /** Newest version these migrations reach (0 when there are none). */
    public int latestVersion() {
        return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    }

    /**
     * Brings the database up to {@link #latestVersion()}.
     *
     * @return the versions applied now (empty when the schema was already current)
     */
    public List<Integer> migrate(Database db) {
        db.tx(tx -> {
            try (Statement s = tx.conn.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
                        + "name VARCHAR(256) NOT NULL, checksum BIGINT NOT NULL, applied BIGINT NOT NULL)");
            }
            return null;
        });
        Map<Integer, long[]> applied = db.tx(tx -> {
            Map<Integer, long[]> m = new HashMap<>();
            try (Statement s = tx.conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT version, checksum FROM schema_version")) {
                while (rs.next()) {
                    m.put(rs.getInt(1), new long[] {rs.getLong(2)});
                }
            }
            return m;
        });
        int newestApplied = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (newestApplied > latestVersion()) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "the database " + db.url()
                    + " has schema version " + newestApplied + ", newer than this pipefarm knows ("
                    + latestVersion() + "); run a newer pipefarm or point it at another database");
        }
        List<Integer> done = new ArrayList<>();
        for (Migration m : migrations) {
            long[] recorded = applied.get(m.version());
            if (recorded != null) {
                if (recorded[0] != m.checksum()) {
                    throw new StoreException(StoreException.Kind.UNAVAILABLE, "migration V" + m.version() + "__"
                            + m.name() + " changed after it was applied to " + db.url()
                            + "; restore the script or start from a fresh database");
                }
                continue;
            }
            db.tx(tx -> {
                try (Statement s = tx.conn.createStatement()) {
                    for (String stmt : split(m.sql())) {
                        try {
                            s.execute(stmt);
                        } catch (SQLException e) {
                            throw new StoreException(StoreException.Kind.UNAVAILABLE, "migration V" + m.version()
                                    + "__" + m.name() + " failed at: " + abbreviate(stmt) + ": " + e.getMessage(), e);
                        }
                    }
                }
                try (var ps = tx.conn.prepareStatement(
                        "INSERT INTO schema_version (version, name, checksum, applied) VALUES (?, ?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.name());
                    ps.setLong(3, m.checksum());
                    ps.setLong(4, System.currentTimeMillis());
                    ps.executeUpdate();
                }
                return null;
            });
            done.add(m.version());
        }
        return done;
    }

    /** The schema version recorded in the database (0 for an empty database). */
    public static int currentVersion(Database db) {
        return db.tx(tx -> {
            try (Statement s = tx.conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                         + "WHERE UPPER(TABLE_NAME) = 'SCHEMA_VERSION'")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return 0;
                }
            }
            try (Statement s = tx.conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }

    /** Splits a script into statements at {@code ;} outside quotes, dropping {@code --} comments. */
    static List<String> split(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inString = false;
        boolean inQuotedId = false;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (!inString && !inQuotedId && c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                cur.append('\n');
                continue;
            }
            if (c == '\'' && !inQuotedId) {
                inString = !inString;
            } else if (c == '"' && !inString) {
                inQuotedId = !inQuotedId;
            }
            if (c == ';' && !inString && !inQuotedId) {
                addIfNotBlank(out, cur);
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        addIfNotBlank(out, cur);
        return out;
    }

    private static void addIfNotBlank(List<String> out, StringBuilder sb) {
        String s = sb.toString().trim();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }

    /** Finds {@code V<n>__<name>.sql} resources under {@code location} in directories and jars. */
    static List<Migration> discover(ClassLoader cl, String location) {
        Map<String, String> found = new TreeMap<>();
        try {
            Enumeration<URL> roots = cl.getResources(location);
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                if ("file".equals(root.getProtocol())) {
                    File[] files = new File(root.toURI()).listFiles();
                    if (files != null) {
                        for (File f : files) {
                            if (NAME.matcher(f.getName()).matches()) {
                                found.putIfAbsent(f.getName(), location + "/" + f.getName());
                            }
                        }
                    }
                } else if ("jar".equals(root.getProtocol())) {
                    JarURLConnection conn = (JarURLConnection) root.openConnection();
                    conn.setUseCaches(false);
                    try (JarFile jar = conn.getJarFile()) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            String entry = entries.nextElement().getName();
                            if (entry.startsWith(location + "/")) {
                                String file = entry.substring(location.length() + 1);
                                if (NAME.matcher(file).matches()) {
                                    found.putIfAbsent(file, entry);
                                }
                            }
                        }
                    }
                }
            }
            List<Migration> out = new ArrayList<>();
            for (Map.Entry<String, String> e : found.entrySet()) {
                Matcher m = NAME.matcher(e.getKey());
                if (!m.matches()) {
                    continue;
                }
                try (InputStream in = cl.getResourceAsStream(e.getValue())) {
                    if (in == null) {
                        throw new IOException("cannot read resource " + e.getValue());
                    }
                    out.add(new Migration(Integer.parseInt(m.group(1)), m.group(2),
                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
            return out;
        } catch (IOException | URISyntaxException e) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE,
                    "cannot read schema migrations from the classpath (" + location + "): " + e.getMessage(), e);
        }
    }
}
