package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    void controlAndFormatCharactersAreShownEscaped() {
        assertThat(Printable.of("a\u001b[2Jb\u0007c\u009bd\u202ee\nf\tg")).isEqualTo(
                "a\\u001b[2Jb\\u0007c\\u009bd\\u202ee\\u000af\\u0009g");
        assertThat(Printable.of("plain text, ünïcode ✓")).isEqualTo("plain text, ünïcode ✓");
    }

    @Test
    void statusPrintsNoEscapeSequenceAFieldCarries() {
        JobStatus status = new JobStatus("job-1", "video-1", "https://o.example/a.mp4?REDACTED\u001b]0;x\u0007",
                JobState.DEAD, -1, "failed at download", 1, "bad\u001b[31m red\nsecond line", Instant.EPOCH,
                Instant.EPOCH, "A page title\u001b[8m hidden");
        String printed = StatusCommand.describe(status);
        assertThat(printed).doesNotContain("\u001b", "\u0007")
                .contains("\\u001b]0;x\\u0007", "\\u001b[31m red\\u000asecond", "title\\u001b[8m hidden");
        assertThat(printed.lines()).hasSize(3);
    }
}
