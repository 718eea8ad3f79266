package io.hlsfleet.job;

import java.util.Optional;

/**
 * The three stages a job passes through, in order. Each stage has its own durable queue; the
 * download queue doubles as the fleet's intake.
 */
public enum Stage {
    DOWNLOAD("download"),
    ENCODE("encode"),
    UPLOAD("upload");

    private final String id;

    Stage(String id) {
        this.id = id;
    }

    /** Lower-case name used in queue names, metric tags and configuration. */
    public String id() {
        return id;
    }

    /** The stage that consumes this stage's output, or empty for the last one. */
    public Optional<Stage> next() {
        return ordinal() + 1 < values().length ? Optional.of(values()[ordinal() + 1]) : Optional.empty();
    }

    public static Stage fromId(String id) {
        for (Stage stage : values()) {
            if (stage.id.equalsIgnoreCase(id) || stage.name().equalsIgnoreCase(id)) {
                return stage;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + id + "' (expected download, encode or upload)");
    }
}
