package io.hlsfleet.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the built jars are, and the Java that runs them. */
final class Project {

    /**
     * JVM options for the workers and CLI runs the tests start: each lives for minutes at most and
     * its heavy work runs in ffmpeg, so the client compiler alone and the serial collector start it
     * on about half the CPU time, which matters on a build machine running many at once.
     */
    static final List<String> SHORT_LIVED_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private Project() {
    }

    static Path root() {
        String configured = System.getProperty("hlsfleet.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml"))) {
            throw new IllegalStateException("cannot find the project root from " + root);
        }
        return root;
    }

    static Path jar(String module) {
        String name = module.equals("producer") ? "hlsfleet" : module;
        Path jar = root().resolve(module).resolve("target").resolve(name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is not built; run the build with 'verify'");
        }
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
