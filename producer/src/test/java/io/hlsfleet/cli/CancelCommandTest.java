package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which jobs {@code hlsfleet cancel} refuses, and the reason it gives. */
class CancelCommandTest {

    private static Optional<JobStatus> in(JobState state, String reason) {
        return Optional.of(new JobStatus("job-1", "talk-3fa2b1c0", "https://example.org/talk.mp4", state, -1, "", 1,
                reason, Instant.now(), Instant.now(), null));
    }

    @Test
    void jobsStillWaitingOrRunningMayBeCancelled() {
        for (JobState state : new JobState[] {JobState.QUEUED, JobState.DOWNLOADING, JobState.ENCODING,
                JobState.UPLOADING, JobState.RETRYING}) {
            assertThat(CancelCommand.refusal("job-1", in(state, null))).as(state.name()).isEmpty();
        }
    }

    @Test
    void endedOrUnknownJobsAreRefusedWithTheReason() {
        assertThat(CancelCommand.refusal("job-1", in(JobState.PUBLISHED, null)))
                .hasValueSatisfying(r -> assertThat(r).contains("already published as talk-3fa2b1c0")
                        .contains("'hlsfleet unpublish talk-3fa2b1c0' removes it"));
        assertThat(CancelCommand.refusal("job-1", in(JobState.DEAD, "the origin answered HTTP 404")))
                .hasValueSatisfying(r -> assertThat(r).contains("already dead").contains("HTTP 404"));
        assertThat(CancelCommand.refusal("job-1", in(JobState.CANCELLED, null)))
                .hasValueSatisfying(r -> assertThat(r).contains("already cancelled"));
        assertThat(CancelCommand.refusal("job-1", Optional.empty()))
                .hasValueSatisfying(r -> assertThat(r).contains("no such job"));
    }
}
