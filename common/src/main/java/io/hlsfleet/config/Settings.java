package io.hlsfleet.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PlaceholdersResolver;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * Where the fleet's configuration comes from, bound into the {@code @ConfigurationProperties}
 * records of each concern ({@link FleetProperties}, {@code DownloadProperties}, ...) by Spring
 * Boot's {@link Binder}. The workers bind from Spring's {@code Environment}; the CLI, which has no
 * Spring context, from the system environment and system properties. Relaxed binding keeps the
 * environment variable names working: {@code HLSFLEET_DOWNLOAD_CONNECT_TIMEOUT} sets
 * {@code hlsfleet.download.connect-timeout}. A value that does not convert fails with the name of
 * the setting, where it came from and why.
 */
public final class Settings {

    private static final ApplicationConversionService CONVERSION = conversionService();

    private final Iterable<ConfigurationPropertySource> sources;
    private final PlaceholdersResolver placeholders;
    private final Binder binder;

    private Settings(Iterable<ConfigurationPropertySource> sources, PlaceholdersResolver placeholders) {
        this.sources = sources;
        this.placeholders = placeholders;
        this.binder = new Binder(sources, placeholders, CONVERSION);
    }

    /** The CLI's configuration: the process environment and {@code -D} system properties. */
    public static Settings fromEnvironment() {
        return of(new StandardEnvironment());
    }

    /** A worker's configuration: everything Spring's environment sees. */
    public static Settings of(Environment environment) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            throw new IllegalArgumentException("not a configurable environment: " + environment);
        }
        return new Settings(ConfigurationPropertySources.get(configurable),
                new PropertySourcesPlaceholdersResolver(configurable));
    }

    /**
     * Configuration given as environment variables ({@code HLSFLEET_BROKER=redis}) or property
     * names ({@code hlsfleet.broker=redis}), for tests and for values a command line adds.
     */
    public static Settings of(Map<String, ?> variables) {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new SystemEnvironmentPropertySource(
                "given-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new HashMap<>(variables)));
        return new Settings(ConfigurationPropertySources.from(sources), null);
    }

    /** These settings with {@code variables} (environment-style names) taking precedence. */
    public Settings with(Map<String, ?> variables) {
        List<ConfigurationPropertySource> all = new ArrayList<>();
        of(variables).sources.forEach(all::add);
        sources.forEach(all::add);
        return new Settings(all, placeholders);
    }

    /**
     * The record of {@code type}, bound under the prefix of its {@link ConfigurationProperties}
     * annotation; defaults fill what is not set.
     */
    public <T> T bind(Class<T> type) {
        ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
        if (annotation == null) {
            throw new IllegalArgumentException(type.getName() + " is not a @ConfigurationProperties record");
        }
        return bind(annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix(), type);
    }

    /** The record of {@code type} bound under {@code prefix}, for records that are not the fleet's own. */
    public <T> T bind(String prefix, Class<T> type) {
        try {
            return binder.bindOrCreate(prefix, type);
        } catch (BindException e) {
            throw new IllegalArgumentException(describe(e), e);
        }
    }

    /** Which setting was wrong, what it was set to and where, and why it was refused. */
    private static String describe(BindException e) {
        ConfigurationProperty property = e.getProperty();
        // The first cause that is not Spring's binding machinery says what was wrong with the value.
        Throwable reason = e;
        while (reason.getCause() != null && reason.getClass().getName().startsWith("org.springframework.")) {
            reason = reason.getCause();
        }
        String why = reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
        if (property == null) {
            return "invalid settings under " + e.getName() + ": " + why;
        }
        String name = property.getName().toString();
        return name + "=" + property.getValue() + " (" + variableName(name) + ", from "
                + property.getOrigin() + ") is not valid: " + why;
    }

    /** The environment variable of a property: {@code hlsfleet.s3.path-style} is {@code HLSFLEET_S3_PATH_STYLE}. */
    public static String variableName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ApplicationConversionService conversionService() {
        ApplicationConversionService service = new ApplicationConversionService();
        service.addConverter(String.class, DataSize.class, new ShortDataSize());
        return service;
    }

    /**
     * Boot's sizes ({@code 512KB}, {@code 20GB}) plus the short forms the fleet has always taken
     * ({@code 512k}, {@code 20g}, {@code 20GiB}); all are binary multiples, as in Boot.
     */
    static final class ShortDataSize implements Converter<String, DataSize> {

        private static final Pattern SHORT = Pattern.compile("^\\s*([+-]?\\d+)\\s*([kmgt])(i?b)?\\s*$",
                Pattern.CASE_INSENSITIVE);

        @Override
        public DataSize convert(String value) {
            Matcher m = SHORT.matcher(value);
            if (m.matches()) {
                return DataSize.parse(m.group(1) + m.group(2).toUpperCase(Locale.ROOT) + "B");
            }
            return DataSize.parse(value.strip().toUpperCase(Locale.ROOT));
        }
    }
}
