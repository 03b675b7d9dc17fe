package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.service.PredictorService.Job;
import io.pipefarm.coordinator.predictor.service.PredictorService.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one training thread and the training requests queued on it, with their states. One thread, so that
 * two trainings never compete for the cores or race to promote, and never an actor's thread, since a training
 * takes minutes.
 */
final class TrainingQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingQueue.class);
    private static final String THREAD_NAME = "pipefarm-predictor";
    /** Finished requests kept for {@link #job}. */
    private static final int KEEP_JOBS = 200;

    private final TrainingRun run;
    private final ScheduledExecutorService thread;
    private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong jobIds = new AtomicLong();

    TrainingQueue(TrainingRun run) {
        this.run = run;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a training of {@code kind}; its job goes queued, running, then done or failed. */
    Job submit(String kind) {
        long id = jobIds.incrementAndGet();
        Job queued = new Job(id, kind, TrainingState.QUEUED, System.currentTimeMillis(), null, null, null, null);
        jobs.put(id, queued);
        trimJobs();
        thread.execute(() -> {
            jobs.put(id, new Job(id, kind, TrainingState.RUNNING, queued.createdMs(), null, null, null, null));
            try {
                Outcome o = run.run(kind);
                jobs.put(
                        id,
                        new Job(
                                id,
                                kind,
                                TrainingState.DONE,
                                queued.createdMs(),
                                System.currentTimeMillis(),
                                o,
                                null,
                                null));
            } catch (PredictorException e) {
                jobs.put(
                        id,
                        new Job(
                                id,
                                kind,
                                TrainingState.FAILED,
                                queued.createdMs(),
                                System.currentTimeMillis(),
                                null,
                                e.kind(),
                                e.getMessage()));
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("training a predictor for {} failed", kind, e);
                jobs.put(
                        id,
                        new Job(
                                id,
                                kind,
                                TrainingState.FAILED,
                                queued.createdMs(),
                                System.currentTimeMillis(),
                                null,
                                PredictorException.Kind.FAILED,
                                String.valueOf(e)));
            }
        });
        return queued;
    }

    /** A training job by id (recent ones only). */
    Optional<Job> job(long id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Trains {@code kind} after whatever is queued and waits for it; its exception is rethrown as is. */
    Outcome trainNow(String kind) {
        try {
            return CompletableFuture.supplyAsync(() -> run.run(kind), thread).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /**
     * Trains {@code kind} here when called on the training thread, else queued there and awaited (a failure then
     * arrives as a {@link CompletionException}).
     */
    Outcome trainOnTrainingThread(String kind) {
        return Thread.currentThread().getName().equals(THREAD_NAME)
                ? run.run(kind)
                : CompletableFuture.supplyAsync(() -> run.run(kind), thread).join();
    }

    /** Runs {@code task} on the training thread every {@code interval}. */
    void every(Duration interval, Runnable task) {
        long ms = Math.max(1, interval.toMillis());
        thread.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void trimJobs() {
        if (jobs.size() <= KEEP_JOBS) return;
        long min = jobIds.get() - KEEP_JOBS;
        jobs.keySet().removeIf(k -> k < min && jobs.get(k).state().finished());
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
