package io.hlsfleet.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the built jars are, and the Java that runs them. */
final class Project {

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
