package io.hlsfleet.encode;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test of the real encode stage starts from: a folder of its own for clips and staging,
 * the stage's {@link EncodeHarness} on it, and the ladder of small rungs that lets tiny clips have
 * several.
 */
abstract class EncodeStageFixture {

    /** Test settings with {@link EncodeHarness#SMALL_RUNGS}. */
    protected final EncodeSettings small = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS);

    @TempDir
    protected Path dir;

    protected EncodeHarness harness;

    @BeforeEach
    void startHarness() throws Exception {
        harness = new EncodeHarness(dir);
    }
}
