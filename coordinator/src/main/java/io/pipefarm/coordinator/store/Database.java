package io.pipefarm.coordinator.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;

/**
 * A JDBC database (H2 by default) behind a HikariCP connection pool. All store work runs through
 * {@link #tx}: one transaction, committed on return, rolled back on any exception, and retried a
 * few times when the database reports a lock timeout, deadlock or concurrent-update conflict (so
 * work passed to {@code tx} must have no side effects outside the database).
 *
 * <p>Pool: embedded H2 (a file or in-memory database in this JVM) keeps a fixed pool of
 * {@link #DEFAULT_POOL_SIZE} sessions that never expire: they cost no socket or server process,
 * and an in-memory database lives only while one of them is open. A database server (H2 server
 * mode, PostgreSQL) gets {@link #SERVER_POOL_SIZE} connections at most, a few kept idle, recycled
 * by HikariCP's defaults (so connections cut by a failover or a firewall are replaced). For H2 the
 * pool asks for a larger per-session query cache, so the statements every transaction prepares
 * again are parsed once per session.
 *
 * <p>Durability: embedded H2 writes committed changes to its file in the background (within
 * {@code WRITE_DELAY}, 500 ms by default), which is what plain {@link #tx} gives: fine for leases,
 * heartbeats and registrations, whose loss a restart repairs. Work whose success is acknowledged to
 * someone (a stored result, a created campaign) uses {@link #txDurable}: after the commit it waits
 * until the database file holds that commit ("group commit": one write covers every transaction
 * that committed before it started, so concurrent callers share the cost). A {@code kill -9} of
 * the JVM after {@code txDurable} returned loses nothing (the OS holds the written pages); a power
 * loss may still lose the last commits, as H2 does not fsync them. For H2 server mode the flush is
 * a {@code CHECKPOINT}; other databases are assumed durable at commit.
 */
public final class Database implements AutoCloseable {

    /** Connection pool size for embedded H2. */
    public static final int DEFAULT_POOL_SIZE = 16;
    /** Connection pool size for a database server. */
    public static final int SERVER_POOL_SIZE = 10;

    private static final int MAX_RETRIES = 8;
    private static final long BORROW_TIMEOUT_MS = 30_000;
    /** Idle connections kept open to a database server. */
    private static final int SERVER_MIN_IDLE = 2;
    /** H2's per-session cache of parsed statements (H2's default is 8, fewer than the store uses). */
    private static final String H2_QUERY_CACHE_SIZE = "64";

    private final String url;
    private final String user;
    private final String password;
    private final int poolSize;
    private final HikariDataSource pool;
    private volatile boolean closed;

    private final Object flushLock = new Object();
    private final AtomicLong commits = new AtomicLong();
    private long flushed;
    private final AtomicLong flushCount = new AtomicLong();
    /** Embedded H2's store, flushed directly; null when not embedded H2. */
    private volatile MVStore mvStore;

    private Database(String url, String user, String password, int poolSize, HikariDataSource pool) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.poolSize = poolSize;
        this.pool = pool;
    }

    /**
     * Embedded H2 file database {@code <dir>/pipefarm.mv.db}. The JVM shutdown hook does not close
     * it ({@link #close} does), so actors still running during shutdown do not hit a closed database.
     */
    public static String fileUrl(Path dir) {
        return "jdbc:h2:file:" + dir.toAbsolutePath().normalize().resolve("pipefarm")
                + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000";
    }

    /** Private in-memory H2 database (lives as long as this {@code Database} is open). */
    public static String memUrl(String name) {
        return "jdbc:h2:mem:" + name + ";LOCK_TIMEOUT=10000";
    }

    /** Opens a database at a JDBC URL (H2 file, mem or server mode). Checks it can connect. */
    public static Database open(String url, String user, String password, int poolSize) {
        if (poolSize < 1) {
            throw StoreException.badInput("pool size must be >= 1, got " + poolSize);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("pipefarm-store");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setAutoCommit(false);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(BORROW_TIMEOUT_MS);
        if (isEmbeddedH2(url)) {
            config.setMinimumIdle(poolSize);
            config.setMaxLifetime(0);
            config.setIdleTimeout(0);
        } else {
            config.setMinimumIdle(Math.min(SERVER_MIN_IDLE, poolSize));
        }
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(Locale.ROOT).contains("QUERY_CACHE_SIZE=")) {
            config.addDataSourceProperty("QUERY_CACHE_SIZE", H2_QUERY_CACHE_SIZE);
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            throw e.getCause() instanceof SQLException sql
                    ? translate(sql)
                    : new StoreException(
                            StoreException.Kind.UNAVAILABLE,
                            "cannot open the database " + url + ": " + e.getMessage(),
                            e);
        }
        Database db = new Database(url, user, password, poolSize, pool);
        try (Connection first = db.borrow()) {
            db.mvStore = embeddedStore(first);
        } catch (SQLException e) {
            db.close();
            throw translate(e);
        }
        return db;
    }

    /** Opens a database with the pool size for its kind (embedded H2 or a server). */
    public static Database open(String url) {
        return open(url, "sa", "", isEmbeddedH2(url) ? DEFAULT_POOL_SIZE : SERVER_POOL_SIZE);
    }

    /** Opens (creating if needed) the embedded file database in {@code dir}. */
    public static Database openDir(Path dir) {
        return open(fileUrl(dir));
    }

    public String url() {
        return url;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    /** An H2 database in this JVM (file or in-memory), not one reached over TCP. */
    static boolean isEmbeddedH2(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
    }

    private static MVStore embeddedStore(Connection c) {
        try {
            if (c.isWrapperFor(JdbcConnection.class)
                    && c.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal local) {
                return local.getDatabase().getStore().getMvStore();
            }
        } catch (SQLException | RuntimeException | LinkageError e) {
            // not embedded H2, or another H2 version: fall back to CHECKPOINT
        }
        return null;
    }

    /** Number of durability flushes so far (for tests and metrics). */
    public long flushCount() {
        return flushCount.get();
    }

    /** Like {@link #tx}, and the commit is in the database file when this returns. */
    <T> T txDurable(Work<T> work) {
        T result = tx(work);
        flush(commits.incrementAndGet());
        return result;
    }

    /** Writes every commit numbered up to {@code mine} (at least) to the database file. */
    private void flush(long mine) {
        synchronized (flushLock) {
            if (flushed >= mine) {
                return; // someone else's flush started after our commit
            }
            long upTo = commits.get();
            MVStore store = mvStore;
            if (store != null) {
                if (!store.isClosed()) {
                    store.commit();
                }
            } else if (url.startsWith("jdbc:h2:")) {
                tx(tx -> {
                    try (Statement s = tx.conn.createStatement()) {
                        s.execute("CHECKPOINT");
                    }
                    return null;
                });
            }
            flushed = upTo;
            flushCount.incrementAndGet();
        }
    }

    /**
     * {@link #txDurable} for check-then-insert work: when a concurrent transaction inserts the same
     * unique key between this one's check and its insert, the insert fails as a CONFLICT; the work
     * then runs again (at most {@code attempts} times in all), and its check sees the other's row.
     */
    <T> T txDurableRetryingConflicts(int attempts, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return txDurable(work);
            } catch (StoreException e) {
                if (e.kind() != StoreException.Kind.CONFLICT || attempt >= attempts) throw e;
            }
        }
    }

    /** Work done in one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    /** Runs {@code work} in one transaction; see the class comment for retries. */
    <T> T tx(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            Tx tx = new Tx(borrow());
            boolean broken = false;
            try {
                T result = work.run(tx);
                tx.conn.commit();
                return result;
            } catch (SQLException e) {
                broken = rollback(tx);
                if (isTransient(e) && attempt < MAX_RETRIES) {
                    backoff(attempt);
                    continue;
                }
                throw translate(e);
            } catch (RuntimeException | Error e) {
                broken = rollback(tx);
                throw e;
            } finally {
                if (broken) {
                    // a connection that cannot roll back is not handed out again
                    pool.evictConnection(tx.conn);
                }
                tx.close();
            }
        }
    }

    private static boolean rollback(Tx tx) {
        try {
            tx.conn.rollback();
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    private static void backoff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2L << Math.min(attempt, 6)));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "interrupted while retrying a transaction");
        }
    }

    static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                int code = s.getErrorCode();
                // H2: DEADLOCK_1, LOCK_TIMEOUT_1, CONCURRENT_UPDATE_1, ROW_NOT_FOUND_WHEN_DELETING_1
                if (code == 40001
                        || code == 50200
                        || code == 90131
                        || code == 90112
                        || "40001".equals(s.getSQLState())
                        || "40P01".equals(s.getSQLState())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Maps a JDBC error to the store's closed set of error kinds, with an actionable message. */
    static StoreException translate(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        int code = e.getErrorCode();
        if (code == 90020) {
            return new StoreException(
                    StoreException.Kind.UNAVAILABLE,
                    "the database is open in another process (" + firstLine(e) + "); stop that process "
                            + "or point pipefarm at another database directory",
                    e);
        }
        if (code == 23506 || code == 23503) {
            return new StoreException(
                    StoreException.Kind.BAD_INPUT, "reference to something that does not exist: " + firstLine(e), e);
        }
        if (code == 23505) {
            return new StoreException(StoreException.Kind.CONFLICT, "already exists: " + firstLine(e), e);
        }
        if (state.startsWith("23") || state.startsWith("22")) {
            return new StoreException(StoreException.Kind.BAD_INPUT, "invalid data: " + firstLine(e), e);
        }
        if (isTransient(e)) {
            return new StoreException(
                    StoreException.Kind.UNAVAILABLE,
                    "the database stayed busy (lock contention); retry later: " + firstLine(e),
                    e);
        }
        return new StoreException(StoreException.Kind.UNAVAILABLE, "database error: " + firstLine(e), e);
    }

    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private Connection borrow() {
        if (closed) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "the database " + url + " is closed");
        }
        try {
            return pool.getConnection();
        } catch (SQLTransientConnectionException e) {
            if (e.getCause() instanceof SQLException cause) {
                throw translate(cause);
            }
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE,
                    "no free database connection within " + BORROW_TIMEOUT_MS + " ms (pool size " + poolSize + ")",
                    e);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
    }

    /** One pooled connection inside a transaction, with the statements it prepared. */
    static final class Tx {
        final Connection conn;
        private final Map<String, PreparedStatement> statements = new HashMap<>();

        Tx(Connection conn) {
            this.conn = conn;
        }

        /** A prepared statement for {@code sql}, shared within the transaction (parameters are overwritten by the caller). */
        PreparedStatement ps(String sql) throws SQLException {
            PreparedStatement ps = statements.get(sql);
            if (ps == null) {
                ps = conn.prepareStatement(sql);
                statements.put(sql, ps);
            }
            return ps;
        }

        /** A prepared statement returning generated keys (shared as well). */
        PreparedStatement psKeys(String sql) throws SQLException {
            String cacheKey = "#keys#" + sql;
            PreparedStatement ps = statements.get(cacheKey);
            if (ps == null) {
                ps = conn.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS);
                statements.put(cacheKey, ps);
            }
            return ps;
        }

        /** Closes the statements and gives the connection back to the pool. */
        void close() {
            for (PreparedStatement ps : statements.values()) {
                try {
                    ps.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
            statements.clear();
            try {
                conn.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
