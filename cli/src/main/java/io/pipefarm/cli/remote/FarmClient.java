package io.pipefarm.cli.remote;

import com.fasterxml.jackson.core.type.TypeReference;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.coordinator.api.AgentInfo;
import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.CampaignStatus;
import io.pipefarm.coordinator.api.JobRecord;
import io.pipefarm.coordinator.api.ProfileRecord;
import io.pipefarm.coordinator.api.StartCampaignReply;
import io.pipefarm.coordinator.api.StartCampaignRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A small client of the coordinator's HTTP JSON API (java.net.http + {@link ApiJson}): answers are read
 * into the API's records. Every failure is a {@link FarmException} with a one-line message: a 4xx
 * answer's {@code error.message} (exit 2), "no coordinator at URL" when nothing listens (exit 1), a
 * timeout or a server error (exit 1).
 */
public final class FarmClient {
    public static final String DEFAULT_URL = "http://127.0.0.1:8080";
    public static final String URL_ENV = "PIPEFARM_URL";
    public static final String TOKEN_ENV = "PIPEFARM_TOKEN";

    private final String base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param url coordinator base URL, e.g. {@code http://127.0.0.1:8080} (a trailing slash is ignored)
     * @param token bearer token sent as {@code Authorization}, or null
     * @param timeout per-request timeout
     */
    public FarmClient(String url, String token, Duration timeout) {
        this.base = checkUrl(url);
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(Math.min(timeout.toMillis(), 5_000)))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A client for {@link #resolveUrl} of {@code urlOption}, token from {@code PIPEFARM_TOKEN}, 30 s timeout. */
    public static FarmClient of(String urlOption) {
        return new FarmClient(resolveUrl(urlOption), System.getenv(TOKEN_ENV), Duration.ofSeconds(30));
    }

    /** The option if given, else {@code $PIPEFARM_URL}, else {@value #DEFAULT_URL}. */
    public static String resolveUrl(String option) {
        if (option != null && !option.isBlank()) return option.trim();
        String env = System.getenv(URL_ENV);
        if (env != null && !env.isBlank()) return env.trim();
        return DEFAULT_URL;
    }

    public String url() {
        return base;
    }

    // ---- API calls ---------------------------------------------------------------------------

    /** POST /api/campaigns. */
    public StartCampaignReply startCampaign(StartCampaignRequest request) {
        return post("/api/campaigns", request, StartCampaignReply.class);
    }

    /** GET /api/campaigns: statuses of all campaigns. */
    public List<CampaignStatus> campaigns() {
        return get("/api/campaigns", new TypeReference<List<CampaignStatus>>() {});
    }

    /** GET /api/campaigns/{id}. */
    public CampaignStatus campaign(long id) {
        return get("/api/campaigns/" + id, CampaignStatus.class);
    }

    /** GET /api/campaigns/{id}/jobs, only the jobs in {@code state} when it is not null. */
    public List<JobRecord> jobs(long id, String state) {
        return get(
                "/api/campaigns/" + id + "/jobs" + (state == null ? "" : "?state=" + state),
                new TypeReference<List<JobRecord>>() {});
    }

    /** POST /api/campaigns/{id}/{action} for pause, resume or cancel; the answer is the new status. */
    public CampaignStatus campaignAction(long id, String action) {
        if (!action.equals("pause") && !action.equals("resume") && !action.equals("cancel")) {
            throw new IllegalArgumentException("unknown campaign action " + action);
        }
        return post("/api/campaigns/" + id + "/" + action, null, CampaignStatus.class);
    }

    /** GET /api/profiles with the non-null query parameters. */
    public List<ProfileRecord> profiles(Map<String, String> query) {
        return get("/api/profiles" + query(query), new TypeReference<List<ProfileRecord>>() {});
    }

    /** GET /api/agents. */
    public List<AgentInfo> agents() {
        return get("/api/agents", new TypeReference<List<AgentInfo>>() {});
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** GET {@code path}, the answer read as {@code type}. */
    public <T> T get(String path, Class<T> type) {
        return decode(send(request(path).GET().build()), path, type, null);
    }

    public <T> T get(String path, TypeReference<T> type) {
        return decode(send(request(path).GET().build()), path, null, type);
    }

    /** POST {@code body} (a record, or null for none) to {@code path}, the answer read as {@code type}. */
    public <T> T post(String path, Object body, Class<T> type) {
        HttpRequest.BodyPublisher p = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(ApiJson.bytes(body));
        return decode(
                send(request(path)
                        .header("Content-Type", "application/json")
                        .POST(p)
                        .build()),
                path,
                type,
                null);
    }

    /** {@code ?a=1&b=2} of the non-null entries (URL-encoded), or "" when there are none. */
    public static String query(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        for (var e : params.entrySet()) {
            if (e.getValue() == null) continue;
            j.add(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return j.toString();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Accept", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private String send(HttpRequest req) {
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new FarmException(
                    CliException.FAILURE,
                    "no coordinator at " + base
                            + " (connection timed out; start one with `pipefarm coordinator` or `pipefarm demo`)",
                    0,
                    null,
                    e);
        } catch (ConnectException e) {
            throw new FarmException(
                    CliException.FAILURE,
                    "no coordinator at " + base + " (start one with `pipefarm coordinator` or `pipefarm demo`)",
                    0,
                    null,
                    e);
        } catch (HttpTimeoutException e) {
            throw new FarmException(
                    CliException.FAILURE,
                    "the coordinator at " + base + " did not answer " + req.method() + " "
                            + req.uri().getPath() + " within " + timeout.toSeconds() + " s",
                    0,
                    null,
                    e);
        } catch (IOException e) {
            if (hasCause(e, UnresolvedAddressException.class) || hasCause(e, UnknownHostException.class)) {
                throw new FarmException(
                        CliException.FAILURE, "no coordinator at " + base + " (unknown host)", 0, null, e);
            }
            throw new FarmException(
                    CliException.FAILURE,
                    "talking to the coordinator at " + base + " failed: "
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    0,
                    null,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarmException(CliException.FAILURE, "interrupted", 0, null, e);
        }
        int status = resp.statusCode();
        String body = resp.body() == null ? "" : resp.body();
        if (status >= 200 && status < 300) return body;
        ApiError.Detail error = null;
        try {
            ApiError e = body.isBlank() ? null : ApiJson.read(body, ApiError.class);
            error = e == null ? null : e.error();
        } catch (IOException e) {
            error = null;
        }
        String kind =
                error == null || error.kind() == null ? null : error.kind().id();
        String message = error != null && error.message() != null
                ? error.message()
                : body.isBlank() ? "HTTP " + status : snippet(body);
        if (status == 401 || status == 403) {
            throw new FarmException(
                    CliException.USAGE, message + " (HTTP " + status + "; set " + TOKEN_ENV + ")", status, kind, null);
        }
        if (status >= 400 && status < 500) {
            if (status == 404 && kind == null)
                message = "not found: " + req.method() + " " + req.uri().getPath() + " (" + message + ")";
            throw new FarmException(CliException.USAGE, message, status, kind, null);
        }
        throw new FarmException(
                CliException.FAILURE, "coordinator error (HTTP " + status + "): " + message, status, kind, null);
    }

    private <T> T decode(String body, String path, Class<T> type, TypeReference<T> ref) {
        try {
            return type != null ? ApiJson.read(body, type) : ApiJson.read(body, ref);
        } catch (IOException e) {
            throw new FarmException(
                    CliException.FAILURE,
                    "the coordinator at " + base + " answered " + path
                            + " with something that is not the JSON this client expects: " + snippet(body),
                    200,
                    null,
                    null);
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) if (type.isInstance(t)) return true;
        return false;
    }

    private static String snippet(String body) {
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String checkUrl(String url) {
        String u = url == null ? "" : url.trim();
        while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
        try {
            URI uri = new URI(u);
            if (uri.getScheme() == null
                    || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw CliException.usage(
                        "bad coordinator URL '" + url + "': expected http://HOST:PORT (e.g. " + DEFAULT_URL + ")");
            }
        } catch (URISyntaxException e) {
            throw CliException.usage("bad coordinator URL '" + url + "': " + e.getMessage());
        }
        return u;
    }
}
