package io.hlsfleet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortsTest {

    @Test
    void portsHandedOutInOneJvmAreAllDifferent() throws Exception {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertThat(ports.add(FreePorts.pick())).isTrue();
        }
    }

    /** Maven's test forks are JVMs of their own: one must not be handed a port another just got. */
    @Test
    void anotherJvmCannotClaimAPortThisOneHandedOut(@TempDir Path dir) throws Exception {
        int port = FreePorts.pick();
        Path probe = dir.resolve("Probe.java");
        Files.writeString(probe, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                class Probe {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel file = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                            System.out.print(file.tryLock(Long.parseLong(args[1]), 1, false) == null ? "held" : "free");
                        }
                    }
                }
                """);
        assertThat(probe(probe, port)).isEqualTo("held");
        // Below the range nobody claims anything: the probe can tell a free byte from a held one.
        assertThat(probe(probe, 19_999)).isEqualTo("free");
    }

    /** Whether another JVM finds the byte at {@code offset} of the shared claims file locked. */
    private static String probe(Path probe, int offset) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Processes.check(java, probe.toString(), FreePorts.CLAIMS.toString(), Integer.toString(offset)).strip();
    }
}
