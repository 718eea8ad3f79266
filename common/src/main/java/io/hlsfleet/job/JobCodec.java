package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON form of jobs and dead letters on every transport.
 *
 * <p>The intake queue also takes a bare URL as the whole body, so that
 * {@code rabbitmqadmin publish routing_key=hlsfleet.download payload=https://…} and
 * {@code redis-cli XADD hlsfleet:download '*' body https://…} work without writing JSON by hand.
 */
public final class JobCodec {

    /** The largest message body a worker reads; a larger one is dead-lettered unread. */
    public static final int MAX_BODY = 64 * 1024;
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private JobCodec() {
    }

    public static byte[] encode(Job job) {
        return MAPPER.writeValueAsBytes(job);
    }

    public static String toJson(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    public static byte[] encode(DeadLetter deadLetter) {
        return MAPPER.writeValueAsBytes(deadLetter);
    }

    public static DeadLetter decodeDeadLetter(byte[] body) {
        return MAPPER.readValue(body, DeadLetter.class);
    }

    public static <T> T fromJson(String json, Class<T> type) {
        return MAPPER.readValue(json, type);
    }

    /**
     * Reads a message body queued for {@code stage}.
     *
     * @throws MalformedJobException if the body is neither a job nor (on the intake) a bare URL
     */
    public static Job decode(byte[] body, Stage stage) {
        if (body == null || body.length == 0) {
            throw new MalformedJobException("empty message body");
        }
        if (body.length > MAX_BODY) {
            throw new MalformedJobException("message body of " + body.length + " bytes is larger than " + MAX_BODY);
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.startsWith("{")) {
            try {
                Job job = stage == Stage.DOWNLOAD ? readSubmission(text) : MAPPER.readValue(text, Job.class);
                if (job.schemaVersion() > Job.SCHEMA_VERSION) {
                    throw new MalformedJobException("job schema version " + job.schemaVersion()
                            + " is newer than this worker understands (" + Job.SCHEMA_VERSION + ")");
                }
                return job;
            } catch (JacksonException e) {
                throw new MalformedJobException("not a valid job: " + e.getOriginalMessage());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new MalformedJobException("not a valid job: " + e.getMessage());
            }
        }
        if (stage == Stage.DOWNLOAD && isBareUrl(text)) {
            return Job.submit(text, false);
        }
        throw new MalformedJobException("body is neither a JSON job nor an http(s) or s3 URL: "
                + abbreviate(text));
    }

    /**
     * The job an intake message asks to cancel ({@code {"cancel": "<jobId>"}}), or null when the
     * body is something else (a job, a URL, or not readable: {@link #decode} says why).
     *
     * @throws MalformedJobException if it is a cancel message whose job id is not a safe one
     */
    public static String cancelTarget(byte[] body) {
        if (body == null || body.length == 0 || body.length > MAX_BODY) {
            return null;
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (!text.startsWith("{") || !text.contains("\"cancel\"")) {
            return null;
        }
        try {
            if (!(MAPPER.readTree(text) instanceof ObjectNode message) || !message.has("cancel")) {
                return null;
            }
            String jobId = message.path("cancel").isString() ? message.path("cancel").asString() : null;
            if (jobId == null || !VideoId.isSafe(jobId)) {
                throw new MalformedJobException("cancel message without a valid job id: " + abbreviate(text));
            }
            return jobId;
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * A JSON job on the intake, read without trusting its identity: {@link Intake#admit} replaces
     * an unsealed job's ids anyway, so ids that are not safe path segments (say {@code ../x}) do
     * not make the submission unreadable, and outputs are never taken from a submitter.
     */
    private static Job readSubmission(String text) {
        if (!(MAPPER.readTree(text) instanceof ObjectNode job)) {
            throw new MalformedJobException("not a valid job: not a JSON object");
        }
        if (!job.path("jobId").isString() || !VideoId.isSafe(job.path("jobId").asString())) {
            job.put("jobId", UUID.randomUUID().toString());
        }
        if (!job.path("videoId").isString() || !VideoId.isSafe(job.path("videoId").asString())) {
            job.remove("videoId");
        }
        job.remove("outputs");
        job.put("stage", Stage.DOWNLOAD.name());
        if (job.get("options") instanceof ObjectNode options) {
            // Keys the fleet does not know are kept by name, so the intake can refuse them saying which.
            List<String> unknown = new ArrayList<>();
            for (String key : options.propertyNames()) {
                if (!JobOptions.KEYS.contains(key)) {
                    unknown.add(key);
                }
            }
            options.remove(unknown);
            options.remove("unknown");
            if (!unknown.isEmpty()) {
                unknown.forEach(options.putArray("unknown")::add);
            }
        } else if (job.has("options") && !job.get("options").isNull()) {
            throw new MalformedJobException("not a valid job: options must be a JSON object of option keys");
        }
        return MAPPER.treeToValue(job, Job.class);
    }

    private static boolean isBareUrl(String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        return (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("s3://"))
                && text.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    }

    static String abbreviate(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 77) + "...";
    }

    /**
     * A message body that cannot become a job; such messages are dead-lettered, never retried. The
     * message quotes the body, so URLs in it are {@linkplain SourceUrls#redactText redacted}.
     */
    public static final class MalformedJobException extends RuntimeException {
        public MalformedJobException(String message) {
            super(SourceUrls.redactText(message));
        }
    }
}
