package io.hlsfleet.job;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.IntakeProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.config.WebhookProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where a job's identity is decided. Whoever can write to the intake queue is not trusted with
 * identity: a message that the fleet did not seal itself is a new submission, and gets a fresh job
 * id, the video id derived from its URL and no outputs, whatever its JSON said. So a submitter can
 * neither overwrite another video's ladder nor share another job's staging folder.
 *
 * <p>The fleet's own messages on the intake queue (jobs queued by {@code hlsfleet submit} or
 * {@code run}, retries, requeued dead letters) carry an HMAC over their identity, so they keep it.
 * The key is {@code HLSFLEET_INTAKE_SECRET}, or else one derived from the fleet's broker passwords:
 * a submitter with a broker account of their own knows neither.
 */
public final class Intake {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final boolean acceptVideoId;
    private final JobOptions.Policy options;

    /**
     * @param secret the key of the seal
     * @param acceptVideoId keep a safe {@code videoId} a submission names instead of deriving it
     *     from the URL: for operators whose own tools choose the ids
     */
    public Intake(byte[] secret, boolean acceptVideoId) {
        this(secret, acceptVideoId, new JobOptions.Policy(Set.of(), WebhookProperties.guard(List.of())));
    }

    /** @param options the per-job options the operator allows, and how callback URLs are checked */
    public Intake(byte[] secret, boolean acceptVideoId, JobOptions.Policy options) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.acceptVideoId = acceptVideoId;
        this.options = options;
    }

    /** From {@link IntakeProperties}; without a secret, the key is derived from the broker passwords. */
    public static Intake from(Settings settings, FleetConfig config) {
        IntakeProperties properties = settings.bind(IntakeProperties.class);
        String secret = properties.secret();
        if (secret == null) {
            secret = "hlsfleet intake\n" + config.rabbit().username() + ":" + config.rabbit().password() + "\n"
                    + config.redisUrl();
        }
        WebhookProperties webhook = settings.bind(WebhookProperties.class);
        return new Intake(sha256(secret), properties.acceptVideoId(), new JobOptions.Policy(
                Set.copyOf(properties.allowedOptions()), WebhookProperties.guard(webhook.allowedNetworks())));
    }

    /**
     * Why the intake refuses {@code job}, for a person to read, or null when it takes it: options
     * the fleet does not know or its operator does not allow ({@link JobOptions.Policy#refusal}).
     */
    public String refusal(Job job) {
        String why = options.refusal(job.options());
        return why == null ? null : "refused at intake: " + why;
    }

    /** {@code job} with the seal that lets it keep its identity on the intake queue. */
    public Job seal(Job job) {
        return job.admitted(job.jobId(), job.videoId(),
                sealOf(job.jobId(), job.videoId(), job.sourceUrl(), job.parentJobId()), job.parentJobId());
    }

    /**
     * The job as the download stage may work on it: unchanged if the fleet sealed it, otherwise a
     * new submission with the identity the fleet gives it.
     */
    public Job admit(Job job) {
        if (isSealed(job)) {
            return job;
        }
        String videoId = acceptVideoId && VideoId.isSafe(job.videoId()) && job.videoId().length() <= VideoId.MAX_LENGTH
                ? job.videoId()
                : VideoId.fromSource(job.sourceUrl());
        String jobId = UUID.randomUUID().toString();
        // A parent named by an outsider is not believed either.
        return job.admitted(jobId, videoId, sealOf(jobId, videoId, job.sourceUrl(), null), null);
    }

    public boolean isSealed(Job job) {
        return job.intakeSeal() != null && MessageDigest.isEqual(
                job.intakeSeal().getBytes(StandardCharsets.US_ASCII),
                sealOf(job.jobId(), job.videoId(), job.sourceUrl(), job.parentJobId())
                        .getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Over the redacted URL, so that dead letters (which keep only that) can be requeued as they are,
     * and over the parent job, when there is one, so that a listed job's link to its list is the fleet's.
     */
    private String sealOf(String jobId, String videoId, String sourceUrl, String parentJobId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            String identity = jobId + "\n" + videoId + "\n" + SourceUrls.redact(sourceUrl)
                    + (parentJobId == null ? "" : "\nparent " + parentJobId);
            return HexFormat.of().formatHex(mac.doFinal(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
