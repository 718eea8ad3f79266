package io.hlsfleet.e2e;

import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A size-limited tmpfs mounted for one test, to give the fleet a disk that really fills up
 * (ENOSPC, as a full volume gives, rather than a per-process file size limit). Mounting needs
 * CAP_SYS_ADMIN, which a root shell or a CI container running as root has; elsewhere the test
 * that needs it is skipped.
 */
final class Tmpfs implements AutoCloseable {

    private final Path path;

    private Tmpfs(Path path) {
        this.path = path;
    }

    static Tmpfs mount(Path path, String size) throws IOException, InterruptedException {
        Files.createDirectories(path);
        Processes.Result mount = Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
                path.toString()));
        Assumptions.assumeTrue(mount.succeeded(), "cannot mount a tmpfs here (needs CAP_SYS_ADMIN): " + mount.err()
                + mount.out());
        return new Tmpfs(path);
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Processes.check(List.of("umount", "--lazy", path.toString()));
    }
}
