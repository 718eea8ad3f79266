package io.hlsfleet.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Appends one row per scenario and transport to {@code producer/target/fault-report.md}: how many
 * jobs were submitted, published, dead, and published more than once, and how long it took.
 */
final class FaultReport {

    private static final String HEADER = """
            | scenario | transport | submitted | published | dead | duplicated | seconds |
            | --- | --- | ---: | ---: | ---: | ---: | ---: |
            """;

    private FaultReport() {
    }

    static synchronized void record(String scenario, FleetBroker.Kind transport, FleetChecker.Counts counts,
            long seconds) throws IOException {
        Path report = Project.root().resolve("producer/target/fault-report.md");
        Files.createDirectories(report.getParent());
        if (!Files.exists(report)) {
            Files.writeString(report, HEADER);
        }
        String row = String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %d |%n", scenario,
                transport.name().toLowerCase(Locale.ROOT), counts.submitted(), counts.published(), counts.dead(),
                counts.duplicated(), seconds);
        Files.writeString(report, row, StandardOpenOption.APPEND);
    }
}
