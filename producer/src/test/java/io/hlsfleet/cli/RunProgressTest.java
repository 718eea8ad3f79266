package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunProgressTest {

    private final Job job = Job.submit("https://x.example/talk.mp4", false).advance(Stage.ENCODE, StageOutputs.NONE);

    /** Encode spans 200–950 thousandths of a job's bar. */
    @Test
    void chunksReportedOutOfOrderNeverMoveTheBarBack() {
        try (RunProgress progress = interactive()) {
            progress.started(Stage.ENCODE, job);
            progress.partDone(Stage.ENCODE, job, 0.6, "6 of 10 parts encoded");
            assertThat(progress.shownThousandths(job.jobId())).isEqualTo(650);
            progress.partDone(Stage.ENCODE, job, 0.4, "4 of 10 parts encoded");
            assertThat(progress.shownThousandths(job.jobId())).isEqualTo(650);
            progress.partDone(Stage.ENCODE, job, 0.8, "8 of 10 parts encoded");
            assertThat(progress.shownThousandths(job.jobId())).isEqualTo(800);

            // A retry's start begins the stage again.
            progress.started(Stage.ENCODE, job.nextAttempt());
            assertThat(progress.shownThousandths(job.jobId())).isEqualTo(200);
        }
    }

    @Test
    void anEndedJobGetsNoBarFromLateWork() {
        try (RunProgress progress = interactive()) {
            progress.started(Stage.ENCODE, job);
            progress.dead(Stage.ENCODE, job, JobFailure.permanent("chunk 3 of 10: not a video"));
            progress.partDone(Stage.ENCODE, job, 0.9, "9 of 10 parts encoded");
            assertThat(progress.shownThousandths(job.jobId())).isEqualTo(-1);
        }
    }

    private RunProgress interactive() {
        return new RunProgress(List.of(job), List.of(job.sourceUrl()), new PrintWriter(new StringWriter()), true);
    }
}
