package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's configuration table against Spring Boot's configuration metadata, generated from
 * the {@code @ConfigurationProperties} records of every module: each {@code hlsfleet.*} property
 * has a row under its environment variable name, each row names a real setting, and a default the
 * metadata knows is the default the README gives.
 */
class ConfigurationTableTest {

    private static final Pattern CODE = Pattern.compile("`([^`]*)`");
    private static final Pattern VARIABLE = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)+");

    /** One documented variable with the default the README gives for it (null if none in code quotes). */
    record Row(String variable, String readmeDefault) {
    }

    @Test
    void readmeTableAndMetadataNameTheSameSettingsWithTheSameDefaults() throws IOException {
        Map<String, JsonNode> metadata = metadata();
        assertThat(metadata).as("metadata of common, download, encode and upload modules")
                .containsKeys("hlsfleet.broker", "hlsfleet.download.connect-timeout", "hlsfleet.encode.profile",
                        "hlsfleet.upload.parallelism");
        Map<String, String> variables = new LinkedHashMap<>();
        metadata.keySet().forEach(property -> variables.put(Settings.variableName(property), property));

        List<Row> rows = readmeRows();
        Set<String> documented = rows.stream().map(Row::variable).collect(Collectors.toCollection(TreeSet::new));
        Set<String> rabbit = recordVariables(FleetConfig.RabbitSettings.PREFIX, FleetConfig.RabbitSettings.class);

        assertThat(new TreeSet<>(variables.keySet())).as("settings in the metadata but not in the README's table")
                .isSubsetOf(documented);
        List<String> unknown = documented.stream()
                .filter(v -> !variables.containsKey(v) && !rabbit.contains(v) && !v.startsWith("AWS_")).toList();
        assertThat(unknown).as("README rows that name no setting of the metadata").isEmpty();
        assertThat(documented).as("RabbitMQ connection settings").containsAll(rabbit);

        List<String> wrongDefaults = new ArrayList<>();
        for (Row row : rows) {
            JsonNode property = metadata.get(variables.get(row.variable()));
            if (property == null || !property.has("defaultValue")) {
                continue;
            }
            String expected = property.get("defaultValue").asString().toLowerCase(Locale.ROOT);
            if (row.readmeDefault() == null || !row.readmeDefault().toLowerCase(Locale.ROOT).equals(expected)) {
                wrongDefaults.add(row.variable() + ": README says " + row.readmeDefault() + ", the code " + expected);
            }
        }
        assertThat(wrongDefaults).as("defaults that differ between README and code").isEmpty();
    }

    /** Every {@code hlsfleet.*} property of the metadata files on the class path, by name. */
    private static Map<String, JsonNode> metadata() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        for (URL url : Collections.list(ConfigurationTableTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                for (JsonNode property : json.readTree(in).path("properties")) {
                    String name = property.path("name").asString();
                    if (name.startsWith("hlsfleet.")) {
                        properties.put(name, property);
                    }
                }
            }
        }
        return properties;
    }

    /**
     * The rows of the README's configuration table, one per variable: a row naming several
     * variables gives their defaults in the same order, separated by {@code /}.
     */
    private static List<Row> readmeRows() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("\n## Configuration"));
        section = section.substring(0, section.indexOf("\n## ", 1));
        List<Row> rows = new ArrayList<>();
        for (String line : section.lines().filter(l -> l.startsWith("| `")).toList()) {
            String[] cells = line.split("\\|");
            List<String> names = new ArrayList<>();
            Matcher code = CODE.matcher(cells[1]);
            while (code.find()) {
                if (VARIABLE.matcher(code.group(1)).matches()) {
                    names.add(code.group(1));
                }
            }
            String[] defaults = cells[2].split(" / ");
            for (int i = 0; i < names.size(); i++) {
                String part = names.size() == defaults.length ? defaults[i] : names.size() == 1 ? cells[2] : "";
                Matcher value = CODE.matcher(part);
                rows.add(new Row(names.get(i), value.find() ? value.group(1) : null));
            }
        }
        assertThat(rows).as("rows of the README's configuration table").hasSizeGreaterThan(20);
        return rows;
    }

    /** The variables of a record bound under {@code prefix}, nested records' components included. */
    private static Set<String> recordVariables(String prefix, Class<?> type) {
        Set<String> variables = new TreeSet<>();
        for (var component : type.getRecordComponents()) {
            String property = prefix + "." + kebab(component.getName());
            if (component.getType().isRecord()) {
                variables.addAll(recordVariables(property, component.getType()));
            } else {
                variables.add(Settings.variableName(property));
            }
        }
        return variables;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
