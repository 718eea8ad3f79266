package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.hlsfleet.net.RefusedDestination;
import io.hlsfleet.net.SsrfGuard;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a job asks of the fleet beyond the operator's settings, under {@code "options"} in a JSON
 * job. Every key must be one the operator allows ({@code HLSFLEET_INTAKE_ALLOWED_OPTIONS}); the
 * intake refuses a job with an unknown or forbidden key, or a value it cannot take, with the reason
 * ({@link Policy#refusal}), so the job ends dead and says why rather than being made otherwise.
 *
 * @param profile a built-in ladder profile ({@code default}, {@code cmaf}, {@code cmaf-hdr}, {@code uhd}) in place of
 *     {@code HLSFLEET_ENCODE_PROFILE}
 * @param rungs rungs in the form of {@code HLSFLEET_ENCODE_RUNGS}, in place of the profile's
 * @param encryption AES-128 on or off for this job; on needs a fleet whose encryption is configured
 * @param container {@code ts} or {@code fmp4}, in place of the profile's
 * @param callbackUrl where this job's webhooks go, in place of {@code HLSFLEET_WEBHOOK_URL}
 * @param metadata the submitter's own keys and values, passed through to every event of the job
 * @param unknown keys the fleet does not know, gathered when the job was read; never written
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobOptions(String profile, String rungs, Boolean encryption, String container, String callbackUrl,
        Map<String, String> metadata, List<String> unknown) {

    /** A job that asks for nothing. */
    public static final JobOptions NONE = new JobOptions(null, null, null, null, null, null, null);

    /** The option keys, as JSON and {@code HLSFLEET_INTAKE_ALLOWED_OPTIONS} name them. */
    public static final List<String> KEYS = List.of("profile", "rungs", "encryption", "container", "callbackUrl",
            "metadata");

    static final int MAX_METADATA_ENTRIES = 32;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 1024;
    static final int MAX_URL = 2048;
    private static final Pattern PROFILE = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern RUNGS = Pattern.compile("[0-9A-Za-z:.,]{1,256}");
    private static final Set<String> CONTAINERS = Set.of("ts", "mpegts", "fmp4", "cmaf", "mp4");

    public JobOptions {
        metadata = metadata == null || metadata.isEmpty() ? null : java.util.Collections.unmodifiableMap(
                new LinkedHashMap<>(metadata));
        unknown = unknown == null || unknown.isEmpty() ? null : List.copyOf(unknown);
    }

    /** Options from {@code key=value} pairs, as {@code hlsfleet submit --option} takes them. */
    public static JobOptions parse(Map<String, String> pairs) {
        String profile = null;
        String rungs = null;
        Boolean encryption = null;
        String container = null;
        String callbackUrl = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            String value = pair.getValue();
            switch (pair.getKey()) {
                case "profile" -> profile = value;
                case "rungs" -> rungs = value;
                case "encryption" -> encryption = switch (value.strip().toLowerCase(Locale.ROOT)) {
                    case "on", "true", "aes-128" -> true;
                    case "off", "false", "none" -> false;
                    default -> throw new IllegalArgumentException("encryption=" + value + " is not on or off");
                };
                case "container" -> container = value;
                case "callbackUrl" -> callbackUrl = value;
                default -> {
                    if (pair.getKey().startsWith("metadata.")) {
                        metadata.put(pair.getKey().substring("metadata.".length()), value);
                    } else {
                        unknown.add(pair.getKey());
                    }
                }
            }
        }
        return new JobOptions(profile, rungs, encryption, container, callbackUrl, metadata, unknown);
    }

    /** The keys this job sets. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        if (profile != null) {
            keys.add("profile");
        }
        if (rungs != null) {
            keys.add("rungs");
        }
        if (encryption != null) {
            keys.add("encryption");
        }
        if (container != null) {
            keys.add("container");
        }
        if (callbackUrl != null) {
            keys.add("callbackUrl");
        }
        if (metadata != null) {
            keys.add("metadata");
        }
        return keys;
    }

    /**
     * What the operator lets jobs ask for: the allowed keys, and the guard that callback URLs pass.
     *
     * @param allowed the keys of {@code HLSFLEET_INTAKE_ALLOWED_OPTIONS}
     * @param callbackGuard the SSRF guard of webhooks ({@code HLSFLEET_WEBHOOK_ALLOWED_NETWORKS})
     */
    public record Policy(Set<String> allowed, SsrfGuard callbackGuard) {

        /** The name of the allow-list setting, named in refusals. */
        public static final String SETTING = "HLSFLEET_INTAKE_ALLOWED_OPTIONS";

        public Policy {
            for (String key : allowed) {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException(SETTING + " names '" + key + "', which is not an option; the"
                            + " options are " + String.join(", ", KEYS));
                }
            }
            allowed = Set.copyOf(allowed);
        }

        /** Why {@code options} are refused, for a person to read, or null when they are accepted. */
        public String refusal(JobOptions options) {
            if (options == null) {
                return null;
            }
            if (options.unknown() != null) {
                return "unknown option" + (options.unknown().size() == 1 ? " " : "s ")
                        + quoted(options.unknown()) + "; the options are " + String.join(", ", KEYS);
            }
            List<String> forbidden = options.keys().stream().filter(key -> !allowed.contains(key)).toList();
            if (!forbidden.isEmpty()) {
                return (forbidden.size() == 1 ? "option " + quoted(forbidden) + " is" : "options " + quoted(forbidden)
                        + " are") + " not allowed by this fleet's operator (" + SETTING
                        + (allowed.isEmpty() ? " is empty)"
                                : " allows " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            return valueRefusal(options);
        }

        private String valueRefusal(JobOptions options) {
            if (options.profile() != null && !PROFILE.matcher(options.profile()).matches()) {
                return "option profile='" + JobCodec.abbreviate(options.profile()) + "' is not a profile name";
            }
            if (options.rungs() != null && !RUNGS.matcher(options.rungs()).matches()) {
                return "option rungs='" + JobCodec.abbreviate(options.rungs()) + "' is not a rung list such as"
                        + " 360:500k,720:1.5M";
            }
            if (options.container() != null
                    && !CONTAINERS.contains(options.container().strip().toLowerCase(Locale.ROOT))) {
                return "option container='" + JobCodec.abbreviate(options.container()) + "' is not ts or fmp4";
            }
            if (options.callbackUrl() != null) {
                String why = callbackRefusal(options.callbackUrl());
                if (why != null) {
                    return "option callbackUrl refused: " + why;
                }
            }
            Map<String, String> metadata = options.metadata();
            if (metadata != null) {
                if (metadata.size() > MAX_METADATA_ENTRIES) {
                    return "option metadata has " + metadata.size() + " entries; at most " + MAX_METADATA_ENTRIES;
                }
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    if (entry.getKey().isEmpty() || entry.getKey().length() > MAX_METADATA_KEY
                            || entry.getValue() == null || entry.getValue().length() > MAX_METADATA_VALUE) {
                        return "option metadata entry '" + JobCodec.abbreviate(entry.getKey())
                                + "' needs a key of 1 to "
                                + MAX_METADATA_KEY + " characters and a value of at most " + MAX_METADATA_VALUE;
                    }
                }
            }
            return null;
        }

        private String callbackRefusal(String url) {
            if (url.length() > MAX_URL) {
                return "longer than " + MAX_URL + " characters";
            }
            try {
                callbackGuard.checkUrl(new URI(url.strip()));
                return null;
            } catch (URISyntaxException e) {
                return "not a URL: " + e.getMessage();
            } catch (RefusedDestination e) {
                return e.getMessage();
            }
        }

        private static String quoted(List<String> keys) {
            return String.join(", ", keys.stream().map(key -> "'" + JobCodec.abbreviate(key) + "'").toList());
        }
    }
}
