package io.hlsfleet.storage;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import java.io.IOException;

/**
 * Where a dead job can carry on: the earliest stage whose inputs are still staged. A dead upload
 * whose ladder is staged is uploaded again; one whose ladder is gone but whose source is staged is
 * encoded again; anything else is downloaded again.
 */
public final class StagedInputs {

    private StagedInputs() {
    }

    /** {@code dead} queued again, as a first attempt, at the latest stage it can resume from. */
    public static Job resume(Job dead, StagingArea staging) throws IOException {
        StageOutputs outputs = dead.outputs();
        boolean ladderStaged = outputs.ladder() != null && staging.exists(outputs.ladder());
        boolean sourceStaged = outputs.source() != null && staging.exists(outputs.source());
        if (dead.stage() == Stage.UPLOAD && ladderStaged) {
            return dead.advance(Stage.UPLOAD, outputs);
        }
        if (dead.stage() != Stage.DOWNLOAD && sourceStaged) {
            return dead.advance(Stage.ENCODE,
                    new StageOutputs(outputs.source(), null, outputs.sourceBytes(), null, outputs.page(), null));
        }
        return dead.advance(Stage.DOWNLOAD, StageOutputs.NONE);
    }
}
