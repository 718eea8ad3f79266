package io.hlsfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Static checks of deploy/docker/Dockerfile: pinned bases, non-root users, health checks, tools. */
class DockerfileTest {

    private static final Pattern ARG = Pattern.compile("(?m)^ARG (\\w+)=(\\S+)$");
    private static final Pattern FROM = Pattern.compile("(?m)^FROM (\\S+)(?: AS (\\S+))?$");

    private final String text = DeployFiles.read("docker/Dockerfile");
    /** Stage name -> the lines of that stage (continuations joined). */
    private final Map<String, String> stages = new LinkedHashMap<>();
    private final Map<String, String> stageBase = new HashMap<>();
    private final Map<String, String> args = new HashMap<>();

    DockerfileTest() {
        Matcher a = ARG.matcher(text);
        while (a.find()) {
            args.put(a.group(1), a.group(2));
        }
        Matcher f = FROM.matcher(text);
        List<MatchResult> froms = f.results().map(MatchResult::new).toList();
        for (int i = 0; i < froms.size(); i++) {
            MatchResult from = froms.get(i);
            int end = i + 1 < froms.size() ? froms.get(i + 1).start : text.length();
            String name = from.name == null ? "stage" + i : from.name;
            stages.put(name, text.substring(from.start, end).replace("\\\n", " "));
            stageBase.put(name, from.image);
        }
    }

    private record MatchResult(int start, String image, String name) {
        MatchResult(java.util.regex.MatchResult m) {
            this(m.start(), m.group(1), m.group(2));
        }
    }

    private String resolve(String image) {
        Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
        return m.replaceAll(r -> Matcher.quoteReplacement(args.getOrDefault(r.group(1), r.group())));
    }

    /** Follows FROM <stage> links to the image a stage finally runs on, collecting its lines. */
    private String effective(String stage, String directive) {
        String body = stages.get(stage);
        assertThat(body).as("Dockerfile stage %s", stage).isNotNull();
        Matcher m = Pattern.compile("(?m)^" + directive + " .*$").matcher(body);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        if (last == null && stages.containsKey(stageBase.get(stage))) {
            return effective(stageBase.get(stage), directive);
        }
        return last;
    }

    @Test
    void everyBaseImageIsPinned() {
        assertThat(stages).containsKeys("build", "download-worker", "encode-worker", "upload-worker", "cli");
        stageBase.forEach((stage, base) -> {
            if (!stages.containsKey(base)) {
                DeployFiles.assertPinned(resolve(base), "Dockerfile stage " + stage);
            }
        });
        assertThat(resolve(stageBase.get("build"))).as("build image").matches("eclipse-temurin:25[0-9._]*-jdk.*");
        assertThat(resolve(args.get("JRE_IMAGE"))).as("runtime image").matches("eclipse-temurin:25[0-9._]*-jre.*");
    }

    @Test
    void buildUsesTheMavenWrapperAndProducesEveryJar() {
        String build = stages.get("build");
        assertThat(build).contains("./mvnw").contains("package").contains("cp producer/target/hlsfleet.jar /out/")
                .contains("for worker in download-worker encode-worker upload-worker;")
                .contains("-jar \"$worker/target/$worker.jar\" extract").contains("--destination \"/out/$worker\"");
    }

    @Test
    void everyImageRunsAsNonRoot() {
        for (String stage : List.of("download-worker", "encode-worker", "upload-worker", "cli")) {
            String user = effective(stage, "USER");
            assertThat(user).as("USER of %s", stage).isNotNull();
            String uid = user.substring("USER ".length()).split(":")[0].strip();
            assertThat(uid).as("user of %s", stage).isNotIn("0", "root");
        }
    }

    @Test
    void workersHaveAnActuatorHealthcheckAndForwardSignals() {
        for (String stage : List.of("download-worker", "encode-worker", "upload-worker")) {
            String healthcheck = effective(stage, "HEALTHCHECK");
            assertThat(healthcheck).as("HEALTHCHECK of %s", stage).isNotNull().contains("/actuator/health/");
            // The health check's client must be installed in the image it runs in.
            String client = healthcheck.contains("curl") ? "curl" : "wget";
            assertThat(stages.get("worker-base")).contains("install").contains(client);
            String entrypoint = effective(stage, "ENTRYPOINT");
            assertThat(entrypoint).as("ENTRYPOINT of %s is exec form with an init", stage).startsWith("ENTRYPOINT [").contains("tini");
            assertThat(stages.get(stage)).as("%s copies its own extracted jar", stage).contains("/out/" + stage + "/");
        }
    }

    @Test
    void eachWorkerImageStartsFromTheAheadOfTimeCacheItRecorded() {
        String build = stages.get("build");
        assertThat(build).contains("-Djarmode=tools").contains("extract").contains("--application-filename app.jar");
        String recorder = stages.get("worker-base");
        assertThat(recorder).contains("COPY --chmod=755 <<'EOF' /usr/local/bin/record-aot-cache")
                .contains("-XX:AOTCacheOutput=/opt/hlsfleet/app.aot").contains("-Dspring.context.exit=onRefresh")
                .contains("-jar /opt/hlsfleet/app.jar");
        for (String stage : List.of("download-worker", "encode-worker", "upload-worker")) {
            assertThat(effective(stage, "ENTRYPOINT")).as("ENTRYPOINT of %s", stage)
                    .contains("\"-XX:AOTCache=/opt/hlsfleet/app.aot\", \"-jar\", \"/opt/hlsfleet/app.jar\"");
            // Recorded after the stage's own jar is in place, as root, before the image drops to its user.
            String body = stages.get(stage);
            assertThat(body.indexOf("RUN record-aot-cache")).as("%s records its cache", stage)
                    .isGreaterThan(body.indexOf("/out/" + stage + "/")).isLessThan(body.indexOf("USER 10001"));
        }
    }

    @Test
    void encodeImageHasFfmpeg() {
        assertThat(stages.get("encode-worker")).containsPattern("apt-get install[^\\n]*ffmpeg");
    }

    @Test
    void dockerignoreKeepsBuildOutputOutOfTheContext() {
        String ignore = DeployFiles.read("docker/Dockerfile.dockerignore");
        assertThat(ignore).contains("**/target/").contains(".git/");
    }
}
