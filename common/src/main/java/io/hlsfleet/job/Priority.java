package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How soon a job is taken compared with others waiting for the same stage. Every stage has a
 * queue per priority and its workers always take from the highest one that holds anything, so a
 * fresh upload queued {@code high} (or {@code normal}) overtakes a bulk import queued {@code low}
 * at every stage, and never waits behind it for more than the job in hand.
 */
public enum Priority {
    HIGH,
    NORMAL,
    LOW;

    /** Lower-case name used in JSON, queue names and on the command line. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code high}, {@code normal} or {@code low}, in any case; null is normal. */
    @JsonCreator
    public static Priority fromId(String id) {
        if (id == null) {
            return NORMAL;
        }
        for (Priority priority : values()) {
            if (priority.name().equalsIgnoreCase(id.strip())) {
                return priority;
            }
        }
        throw new IllegalArgumentException("unknown priority '" + id + "' (expected high, normal or low)");
    }
}
