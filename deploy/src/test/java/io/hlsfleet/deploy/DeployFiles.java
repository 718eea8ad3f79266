package io.hlsfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.testing.Processes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Locations of the deployment files, YAML loading, and running the external checkers. */
final class DeployFiles {

    /** The deploy/ folder (Surefire runs with it as the working directory). */
    static final Path DIR = Path.of(System.getProperty("hlsfleet.deploy.dir", ".")).toAbsolutePath().normalize();

    static final List<String> STAGES = List.of("download", "encode", "upload");

    private DeployFiles() {
    }

    static Path path(String relative) {
        Path p = DIR.resolve(relative);
        assertThat(p).as("deploy file %s", relative).exists();
        return p;
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads one YAML document with SnakeYAML, which also resolves anchors and merge keys. */
    static Map<String, Object> yaml(String relative) {
        return yamlText(read(relative));
    }

    static Map<String, Object> yamlText(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object loaded = new Yaml(options).load(text);
        assertThat(loaded).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) loaded;
        return map;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    /** Finds an executable on the PATH. */
    static Optional<Path> which(String name) {
        String pathVar = System.getenv("PATH");
        if (pathVar == null) {
            return Optional.empty();
        }
        for (String dir : pathVar.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Skips the calling test (reported as skipped, not passed) when {@code tool} is not installed. */
    static Path requireTool(String name) {
        Optional<Path> tool = which(name);
        assumeTrue(tool.isPresent(), name + " is not on the PATH; this check needs it");
        return tool.get();
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command in {@code workDir} within {@code timeout}; its output is stdout followed by stderr. */
    static Result run(Path workDir, Duration timeout, String... command) {
        try {
            Processes.Result result = Processes.run(new ProcessBuilder(command).directory(workDir.toFile()), null,
                    timeout);
            return new Result(result.exitCode(), result.out() + result.err());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
    }

    /** Runs a command and fails the test, with its output, unless it exits 0. */
    static String runOk(Path workDir, Duration timeout, String... command) {
        Result result = run(workDir, timeout, command);
        assertThat(result.exitCode())
                .as("%s exited %d:%n%s", String.join(" ", command), result.exitCode(), result.output())
                .isZero();
        return result.output();
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Seconds in a Go / compose / hlsfleet style duration: {@code 90s}, {@code 5m}, {@code 1m30s}. */
    static long seconds(String text) {
        String value = text.strip();
        if (value.matches("\\d+")) {
            return Long.parseLong(value);
        }
        Matcher m = DURATION.matcher(value);
        long total = 0;
        int end = 0;
        while (m.find()) {
            assertThat(m.start()).as("duration %s", text).isEqualTo(end);
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> n / 1000;
                case "s" -> n;
                case "m" -> n * 60;
                default -> n * 3600;
            };
            end = m.end();
        }
        assertThat(end).as("duration %s", text).isEqualTo(value.length()).isPositive();
        return total;
    }

    /** Replaces compose-style {@code ${VAR:-default}} / {@code ${VAR-default}} with the default. */
    static String withDefaults(String text) {
        return text.replaceAll("\\$\\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)}", "$1");
    }

    /** An image reference has an explicit tag or digest, and the tag is not "latest". */
    static void assertPinned(String image, String where) {
        assertThat(image).as("image of %s", where).isNotBlank().doesNotContain("${");
        if (image.contains("@sha256:")) {
            return;
        }
        String lastPart = image.substring(image.lastIndexOf('/') + 1);
        assertThat(lastPart).as("image %s of %s has a tag", image, where).contains(":");
        String tag = lastPart.substring(lastPart.indexOf(':') + 1);
        assertThat(tag).as("tag of image %s of %s", image, where).isNotBlank().isNotEqualToIgnoringCase("latest");
    }

    /** Environment variable names that hold credentials and so must never be literal values. */
    static boolean isCredential(String envName) {
        return envName.matches(".*(PASSWORD|PASS|SECRET|ACCESS_KEY|TOKEN|USERNAME|_USER|CREDENTIAL).*")
                || envName.equals("HLSFLEET_REDIS_URL");
    }

    static List<Path> files(String relativeDir, String suffix) {
        try (var stream = Files.list(path(relativeDir))) {
            List<Path> result = new ArrayList<>(stream.filter(p -> p.toString().endsWith(suffix)).sorted().toList());
            assertThat(result).as("%s files in %s", suffix, relativeDir).isNotEmpty();
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
