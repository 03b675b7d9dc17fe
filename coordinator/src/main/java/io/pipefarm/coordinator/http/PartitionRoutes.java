package io.pipefarm.coordinator.http;

import io.pipefarm.coordinator.api.PartitionSummary;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.partition.service.PartitionRequest;
import io.pipefarm.coordinator.partition.service.PartitionService;
import io.pipefarm.coordinator.partition.service.StageChart;
import io.pipefarm.coordinator.store.PartitionStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.partition.PartitionDescriptor;
import io.pipefarm.proto.partition.Stage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code /api/partitions}: partition searches through the coordinator (mounted inside {@code /api} by
 * {@link FarmHttpApi#routes()}).
 * <ul>
 *   <li>{@code POST /api/partitions} {@link io.pipefarm.coordinator.api.PartitionSearchRequest}: 202 with the
 *       {@link PartitionSummary} (state running); 400 for bad input</li>
 *   <li>{@code GET /api/partitions}: the newest searches</li>
 *   <li>{@code GET /api/partitions/{id}}: the summary, with the partition as {@code result} when done</li>
 *   <li>{@code GET /api/partitions/{id}/descriptor}: JSON, or protobuf with {@code Accept: application/x-protobuf}</li>
 *   <li>{@code GET /api/partitions/{id}/segments/{i}}: stage {@code i}'s segment .tflite bytes</li>
 *   <li>{@code GET /api/partitions/{id}/chart.svg}: the stage chart</li>
 * </ul>
 */
public final class PartitionRoutes extends AllDirectives {
    public static final String PROTOBUF = "application/x-protobuf";
    static final ContentType.Binary PROTOBUF_TYPE =
            ContentTypes.create(MediaTypes.applicationBinary("x-protobuf", false, "pb"));

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
        return pathPrefix(
                "partitions",
                () -> concat(
                        pathEnd(() -> concat(
                                post(() -> entity(Unmarshaller.entityToString(), body -> async(() -> create(body)))),
                                get(() -> async(this::list)))),
                        pathPrefix(
                                PathMatchers.longSegment(),
                                id -> concat(
                                        pathEnd(() ->
                                                get(() -> async(() -> ApiReplies.ok(ApiRecords.partition(row(id)))))),
                                        path(
                                                "descriptor",
                                                () -> get(() -> optionalHeaderValueByName(
                                                        "Accept", accept -> async(() -> descriptor(id, accept))))),
                                        path(
                                                PathMatchers.segment("segments").slash(PathMatchers.integerSegment()),
                                                i -> get(() -> async(() -> segment(id, i)))),
                                        path("chart.svg", () -> get(() -> async(() -> chart(id))))))));
    }

    private PartitionService service() {
        return service;
    }

    private HttpResponse create(String body) {
        PartitionStore.Partition p = service().submit(PartitionRequest.parse(body));
        return ApiReplies.json(StatusCodes.ACCEPTED, ApiRecords.partition(p));
    }

    private HttpResponse list() {
        return ApiReplies.ok(
                service().store().list(100).stream().map(ApiRecords::partition).toList());
    }

    private PartitionStore.Partition row(long id) {
        return service().store().get(id).orElseThrow(() -> StoreException.notFound("no partition " + id));
    }

    private HttpResponse descriptor(long id, Optional<String> accept) {
        PartitionDescriptor d = service().descriptor(id);
        if (accept.isPresent() && accept.get().contains(PROTOBUF)) {
            return HttpResponse.create()
                    .withStatus(StatusCodes.OK)
                    .withEntity(HttpEntities.create(PROTOBUF_TYPE, d.toByteArray()));
        }
        return ApiReplies.ok(Descriptors.record(d));
    }

    private HttpResponse segment(long id, int i) {
        PartitionDescriptor d = service().descriptor(id);
        if (i < 0 || i >= d.getStagesCount()) {
            throw StoreException.notFound(
                    "partition " + id + " has stages 0.." + (d.getStagesCount() - 1) + ", not " + i);
        }
        Stage s = d.getStages(i);
        byte[] b = service.farmStore()
                .segments()
                .blob(s.getSegmentKey())
                .orElseThrow(() -> StoreException.notFound(
                        "the segment blob " + s.getSegmentKey() + " of partition " + id + " is gone"));
        if (!SegmentStore.keyOf(b).equals(s.getSegmentKey())) {
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE, "segment blob " + s.getSegmentKey() + " does not match its key");
        }
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .addHeader(RawHeader.create("Content-Disposition", "attachment; filename=\"" + s.getFile() + "\""))
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, b));
    }

    private HttpResponse chart(long id) {
        String svg = StageChart.svg(Descriptors.result(service().descriptor(id)));
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(
                        ContentTypes.create(MediaTypes.IMAGE_SVG_XML), svg.getBytes(StandardCharsets.UTF_8)));
    }

    private Route async(Supplier<HttpResponse> work) {
        return completeWithFuture(ApiReplies.async(blocking, work));
    }
}
