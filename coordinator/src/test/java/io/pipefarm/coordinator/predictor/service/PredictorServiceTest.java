package io.pipefarm.coordinator.predictor.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.model.features.SegmentFeatures;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The predictor service on an in-memory store with profiles stored through the job path (XGBoost only, small data). */
class PredictorServiceTest {
    static final String KIND = "sim-edgetpu-usb";
    static final AtomicInteger DBS = new AtomicInteger();

    FarmStore store;
    PredictorService service;

    static PredictorService.Settings settings(int retrainAfter, XgbPredictor.Params xgb) {
        PredictorTrainer.Options d = PredictorTrainer.Options.defaults();
        PredictorTrainer.Options o = new PredictorTrainer.Options(
                0.25, 0.2, 7, 60, 5, new LinkedHashSet<>(List.of(XgbPredictor.FAMILY)), xgb, d.transformer());
        return new PredictorService.Settings(Duration.ofHours(1), retrainAfter, o);
    }

    static XgbPredictor.Params good() {
        return new XgbPredictor.Params(300, 30, 0.1, 4, 2, 42);
    }

    static XgbPredictor.Params crippled() {
        return new XgbPredictor.Params(1, 1, 0.001, 1, 1, 42);
    }

    @BeforeEach
    void open() {
        store = FarmStore.open(Database.memUrl("predictor-service-" + DBS.incrementAndGet()));
    }

    @AfterEach
    void close() {
        if (service != null) service.close();
        store.close();
    }

    @Test
    void unknownKindNoPredictorAndTooLittleData() {
        service = new PredictorService(store, null, settings(500, good()));
        PredictorException unknown = assertThrows(PredictorException.class, () -> service.predictor("no-such-kind"));
        assertEquals(PredictorException.Kind.UNKNOWN_KIND, unknown.kind());
        assertEquals(
                PredictorException.Kind.UNKNOWN_KIND,
                assertThrows(PredictorException.class, () -> service.submit("no-such-kind"))
                        .kind());

        FarmData.profile(store, FarmData.refs(2, 0), KIND, 1.0, FarmData.T0);
        PredictorException none = assertThrows(PredictorException.class, () -> service.predictor(KIND));
        assertEquals(PredictorException.Kind.NO_PREDICTOR, none.kind());
        assertTrue(none.getMessage().contains("pipefarm predictor train --kind " + KIND), none.getMessage());

        PredictorException little = assertThrows(PredictorException.class, () -> service.trainNow(KIND));
        assertEquals(PredictorException.Kind.TOO_LITTLE_DATA, little.kind());
        long have = service.dataset().counts(KIND).profiles();
        assertTrue(
                little.getMessage()
                        .contains("need at least 60 profiles of kind " + KIND + " from at least 5 architectures; have "
                                + have + " of 2"),
                little.getMessage());
    }

    @Test
    void trainsStoresServesAndPromotesOnlyWhenBetter() {
        FarmData.profile(store, FarmData.refs(8, 0), KIND, 1.0, FarmData.T0);
        service = new PredictorService(store, null, settings(500, good()));
        PredictorService.Outcome first = service.trainNow(KIND);
        assertTrue(first.promoted(), first.reason());
        assertEquals(1, first.version().version());
        assertTrue(first.version().serving());
        assertFalse(first.version().heldOut().isEmpty());
        LatencyPredictor p = service.predictor(KIND);
        assertEquals(1, p.version());
        assertTrue(first.metrics().mape() < 15, first.metrics().toString());

        // a much worse model (one shallow tree) is stored but does not replace the serving one
        PredictorService worse = new PredictorService(store, null, settings(500, crippled()));
        try {
            PredictorService.Outcome second = worse.trainNow(KIND);
            assertFalse(second.promoted(), second.reason());
            assertEquals(2, second.version().version());
            assertNotNull(second.servingMetrics());
            assertFalse(
                    second.metrics().betterThan(second.servingMetrics()),
                    second.metrics() + " vs " + second.servingMetrics());
            // compared on the same held-out architectures as the serving version
            assertEquals(first.version().heldOut(), second.version().heldOut());
        } finally {
            worse.close();
        }
        PredictorStore ps = service.store();
        assertEquals(first.version().id(), ps.serving(KIND).orElseThrow().id());
        assertEquals(2, ps.list(KIND).size());
        assertEquals(1, service.predictor(KIND).version());

        PredictorService.Evaluation eval = service.evaluateServing(KIND);
        assertEquals(first.version().id(), eval.version().id());
        assertFalse(eval.heldOut().perFamily().isEmpty());
        assertTrue(service.plotSvg(first.version().id()).startsWith("<svg"));
    }

    @Test
    void retrainsAutomaticallyAfterEnoughNewProfiles() {
        List<String> refs = FarmData.refs(8, 0);
        int n = FarmData.profile(store, refs, KIND, 1.0, FarmData.T0);
        service = new PredictorService(store, null, settings(n, good()));
        List<PredictorService.Outcome> first = service.checkOnce();
        assertEquals(1, first.size(), "first training once retrain-after profiles exist");
        assertTrue(service.checkOnce().isEmpty(), "nothing new: no retraining");

        // fewer than retrain-after new profiles: nothing
        FarmData.profile(store, refs.subList(0, 2), KIND, 1.0, FarmData.T0 + 1000);
        assertTrue(service.checkOnce().isEmpty());
        // enough new profiles (re-profiled segments, same data): retrained and stored as version 2
        FarmData.profile(store, refs, KIND, 1.0, FarmData.T0 + 2000);
        List<PredictorService.Outcome> again = service.checkOnce();
        assertEquals(1, again.size());
        assertEquals(2, again.get(0).version().version());
        assertEquals(2, service.store().list(KIND).size());
        assertTrue(service.checkOnce().isEmpty());

        // a new service (restart) counts from the newest stored version, not from zero
        PredictorService restarted = new PredictorService(store, null, settings(n, good()));
        try {
            assertTrue(restarted.checkOnce().isEmpty());
        } finally {
            restarted.close();
        }
    }

    @Test
    void retrainingErrorsAreLoggedNotThrown() {
        FarmData.profile(store, FarmData.refs(2, 0), KIND, 1.0, FarmData.T0); // too few architectures
        service = new PredictorService(store, null, settings(1, good()));
        assertTrue(service.checkOnce().isEmpty());
        assertTrue(service.store().list(KIND).isEmpty());
    }

    @Test
    void submittedJobsRunOnTheServiceThread() throws Exception {
        FarmData.profile(store, FarmData.refs(8, 0), KIND, 1.0, FarmData.T0);
        service = new PredictorService(store, null, settings(500, good()));
        PredictorService.Job job = service.submit(KIND);
        long deadline = System.currentTimeMillis() + 60_000;
        while (service.job(job.id()).orElseThrow().state() != TrainingState.DONE
                && System.currentTimeMillis() < deadline) {
            assertFalse(
                    service.job(job.id()).orElseThrow().state() == TrainingState.FAILED,
                    String.valueOf(service.job(job.id())));
            Thread.sleep(50);
        }
        PredictorService.Job done = service.job(job.id()).orElseThrow();
        assertEquals(TrainingState.DONE, done.state());
        // the fetched artifact loads and predicts on its own
        byte[] bytes = service.store().artifact(done.outcome().version().id()).orElseThrow();
        LatencyPredictor alone = PredictorArtifact.read(bytes);
        assertEquals(KIND, alone.deviceKind());
        assertEquals(1, alone.version());
        SegmentFeatures f = service.dataset().samples(KIND).get(0).features();
        assertEquals(service.predictor(KIND).predictNanos(f), alone.predictNanos(f), 1e-6);
    }
}
