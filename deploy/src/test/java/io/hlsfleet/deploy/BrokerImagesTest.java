package io.hlsfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.boot.BrokerVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every broker image the deployment pins is a version the workers support without a warning:
 * RabbitMQ with the management plugin at 3.12 or newer (the per-queue consumer timeout), Redis at
 * 6.2 or newer, by the same rules the workers apply at start ({@link BrokerVersions}).
 */
class BrokerImagesTest {

    private static final Pattern IMAGE = Pattern.compile("image:\\s*\"?(?:\\$\\{[A-Z_]+:-)?(?:docker\\.io/)?(?:library/)?"
            + "(rabbitmq|redis):([0-9][^\\s\"}]*)");

    /** Every {@code rabbitmq:} and {@code redis:} image named in docker-compose and the Kubernetes manifests. */
    private static List<String[]> brokerImages() throws IOException {
        List<Path> files = new ArrayList<>(List.of(DeployFiles.path("docker-compose.yml")));
        try (Stream<Path> k8s = Files.walk(DeployFiles.path("k8s"))) {
            k8s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).forEach(files::add);
        }
        List<String[]> images = new ArrayList<>();
        for (Path file : files) {
            Matcher m = IMAGE.matcher(Files.readString(file));
            while (m.find()) {
                images.add(new String[] {m.group(1), m.group(2), DeployFiles.DIR.relativize(file).toString()});
            }
        }
        return images;
    }

    @Test
    void everyPinnedBrokerImageIsAVersionTheWorkersSupport() throws IOException {
        List<String[]> images = brokerImages();
        assertThat(images).extracting(i -> i[0]).contains("rabbitmq", "redis");
        long consumerTimeout = Duration.ofHours(24).toMillis();
        for (String[] image : images) {
            String version = image[1];
            String where = image[0] + ":" + version + " in " + image[2];
            if (image[0].equals("rabbitmq")) {
                assertThat(version).as("%s has the management plugin (queue metrics)", where).endsWith("-management");
                assertThat(BrokerVersions.rabbit(version, "HLSFLEET_CONSUMER_TIMEOUT", consumerTimeout)).as(where)
                        .isEqualTo(BrokerVersions.Verdict.FINE);
            } else {
                assertThat(BrokerVersions.redis(version, List.of())).as(where).isEqualTo(BrokerVersions.Verdict.FINE);
            }
        }
    }
}
