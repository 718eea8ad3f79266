package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A requeued dead job carries on from the latest stage whose inputs are still staged. */
class StagedInputsTest {

    @TempDir
    Path tmp;

    @Test
    void resumesFromTheEarliestStageWhoseInputsExist() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        Job submitted = Job.submit("https://videos.example/talk.mp4", false);
        String source = StagingKeys.source(submitted, "s1");
        String ladder = StagingKeys.ladder(submitted, "l1");
        Job deadUpload = submitted.advance(Stage.UPLOAD, StageOutputs.NONE.withSource(source, 10).withLadder(ladder, 2))
                .nextAttempt().nextAttempt();

        assertThat(StagedInputs.resume(deadUpload, staging).stage()).as("nothing staged").isEqualTo(Stage.DOWNLOAD);
        assertThat(StagedInputs.resume(deadUpload, staging).outputs()).isEqualTo(StageOutputs.NONE);

        Path sourceFile = staging.newScratch(submitted.jobId()).resolve("source");
        Files.writeString(sourceFile, "video");
        staging.store(source, sourceFile);
        Job encodeAgain = StagedInputs.resume(deadUpload, staging);
        assertThat(encodeAgain.stage()).as("only the source staged").isEqualTo(Stage.ENCODE);
        assertThat(encodeAgain.outputs().source()).isEqualTo(source);
        assertThat(encodeAgain.outputs().ladder()).isNull();

        Path ladderDir = Files.createDirectories(staging.newScratch(submitted.jobId()).resolve("ladder"));
        Files.writeString(ladderDir.resolve("master.m3u8"), "#EXTM3U\n");
        staging.store(ladder, ladderDir);
        Job uploadAgain = StagedInputs.resume(deadUpload, staging);
        assertThat(uploadAgain.stage()).isEqualTo(Stage.UPLOAD);
        assertThat(uploadAgain.attempt()).isEqualTo(1);
        assertThat(uploadAgain.outputs().ladder()).isEqualTo(ladder);

        Job deadEncode = submitted.advance(Stage.ENCODE, StageOutputs.NONE.withSource(source, 10));
        assertThat(StagedInputs.resume(deadEncode, staging).stage()).isEqualTo(Stage.ENCODE);
        assertThat(StagedInputs.resume(submitted, staging).stage()).isEqualTo(Stage.DOWNLOAD);
    }
}
