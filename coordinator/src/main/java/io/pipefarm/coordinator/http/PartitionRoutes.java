package io.pipefarm.coordinator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.partition.service.PartitionRequest;
import io.pipefarm.coordinator.partition.service.PartitionService;
import io.pipefarm.coordinator.partition.service.StageChart;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PartitionStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.partition.PartitionDescriptor;
import io.pipefarm.proto.partition.Stage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code /api/partitions}: partition searches through the coordinator (mounted inside {@code /api} by
 * {@link FarmHttpApi#routes()}).
 * <ul>
 *   <li>{@code POST /api/partitions {"model", "tpus", "method", "kind"}}: 202 with the status (state running);
 *       400 for bad input</li>
 *   <li>{@code GET /api/partitions}: the newest searches</li>
 *   <li>{@code GET /api/partitions/{id}}: status, and the descriptor as {@code result} when done</li>
 *   <li>{@code GET /api/partitions/{id}/descriptor}: JSON, or protobuf with {@code Accept: application/x-protobuf}</li>
 *   <li>{@code GET /api/partitions/{id}/segments/{i}}: stage {@code i}'s segment .tflite bytes</li>
 *   <li>{@code GET /api/partitions/{id}/chart.svg}: the stage chart</li>
 * </ul>
 */
public final class PartitionRoutes extends AllDirectives {
    public static final String PROTOBUF = "application/x-protobuf";
    static final ContentType.Binary PROTOBUF_TYPE = ContentTypes.create(MediaTypes.applicationBinary("x-protobuf", false, "pb"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PartitionService service;
    private final Executor blocking;

    private PartitionRoutes(PartitionService service, Executor blocking) {
        this.service = service;
        this.blocking = blocking;
    }

    /** The routes of a coordinator's {@link PartitionService}. */
    public static Route route(PartitionService service, Executor blocking) {
        return new PartitionRoutes(service, blocking).route();
    }

    Route route() {
        return pathPrefix("partitions", () -> concat(
                pathEnd(() -> concat(
                        post(() -> entity(Unmarshaller.entityToString(), body -> async(() -> create(body)))),
                        get(() -> async(this::list)))),
                pathPrefix(PathMatchers.longSegment(), id -> concat(
                        pathEnd(() -> get(() -> async(() -> FarmHttpApi.json(StatusCodes.OK, status(row(id)))))),
                        path("descriptor", () -> get(() -> optionalHeaderValueByName("Accept", accept ->
                                async(() -> descriptor(id, accept))))),
                        path(PathMatchers.segment("segments").slash(PathMatchers.integerSegment()), i -> get(() -> async(() -> segment(id, i)))),
                        path("chart.svg", () -> get(() -> async(() -> chart(id))))))));
    }

    private PartitionService service() {
        return service;
    }

    private HttpResponse create(String body) {
        PartitionStore.Partition p = service().submit(PartitionRequest.parse(body));
        return FarmHttpApi.json(StatusCodes.ACCEPTED, status(p));
    }

    private HttpResponse list() {
        return FarmHttpApi.json(StatusCodes.OK, service().store().list(100).stream().map(this::status).toList());
    }

    private PartitionStore.Partition row(long id) {
        return service().store().get(id).orElseThrow(() -> StoreException.notFound("no partition " + id));
    }

    /** Status JSON: id, model, kind, tpus, method, state, error, times, and the descriptor as {@code result} when done. */
    private Map<String, Object> status(PartitionStore.Partition p) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", p.id());
        o.put("model", p.modelRef());
        o.put("kind", p.kind());
        o.put("tpus", p.k());
        o.put("method", p.method());
        o.put("state", p.state().db());
        if (p.error() != null) o.put("error", p.error());
        o.put("createdMs", p.createdMs());
        o.put("finishedMs", p.finishedMs());
        if (p.resultJson() != null) {
            try {
                o.put("result", JSON.readTree(p.resultJson()));
            } catch (Exception e) {
                o.put("result", null);
            }
        }
        return o;
    }

    private HttpResponse descriptor(long id, Optional<String> accept) {
        PartitionDescriptor d = service().descriptor(id);
        if (accept.isPresent() && accept.get().contains(PROTOBUF)) {
            return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(PROTOBUF_TYPE, d.toByteArray()));
        }
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Descriptors.json(d)));
    }

    private HttpResponse segment(long id, int i) {
        PartitionDescriptor d = service().descriptor(id);
        if (i < 0 || i >= d.getStagesCount()) {
            throw StoreException.notFound("partition " + id + " has stages 0.." + (d.getStagesCount() - 1) + ", not " + i);
        }
        Stage s = d.getStages(i);
        byte[] b = service.farmStore().segments().blob(s.getSegmentKey())
                .orElseThrow(() -> StoreException.notFound("the segment blob " + s.getSegmentKey() + " of partition " + id + " is gone"));
        if (!SegmentStore.keyOf(b).equals(s.getSegmentKey())) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "segment blob " + s.getSegmentKey() + " does not match its key");
        }
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .addHeader(org.apache.pekko.http.javadsl.model.headers.RawHeader.create("Content-Disposition",
                        "attachment; filename=\"" + s.getFile() + "\""))
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, b));
    }

    private HttpResponse chart(long id) {
        String svg = StageChart.svg(Descriptors.result(service().descriptor(id)));
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.IMAGE_SVG_XML), svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private Route async(Supplier<HttpResponse> work) {
        return completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return work.get();
            } catch (StoreException e) {
                return FarmHttpApi.error(e);
            } catch (RuntimeException e) {
                return FarmHttpApi.json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "INTERNAL", "message", String.valueOf(e)));
            }
        }, blocking));
    }
}
