package io.hlsfleet.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the workers export (or are about to), for catching typos in queries. */
final class Metrics {

    static final Set<String> FLEET = Set.of(
            "hlsfleet_stage_started_total",
            "hlsfleet_stage_jobs_total",
            "hlsfleet_stage_duration_seconds_bucket",
            "hlsfleet_stage_duration_seconds_count",
            "hlsfleet_stage_duration_seconds_sum",
            "hlsfleet_stage_inflight",
            "hlsfleet_job_latency_seconds_bucket",
            "hlsfleet_job_latency_seconds_count",
            "hlsfleet_job_latency_seconds_sum",
            "hlsfleet_stage_bytes_sum",
            "hlsfleet_stage_bytes_count",
            "hlsfleet_queue_depth",
            "hlsfleet_queue_unacked",
            "hlsfleet_queue_oldest_age_seconds",
            "hlsfleet_dead_letters",
            "hlsfleet_encode_speed_ratio",
            "hlsfleet_encode_speed_ratio_sum",
            "hlsfleet_encode_speed_ratio_count",
            "hlsfleet_encode_cpu_seconds_total",
            "hlsfleet_encode_video_seconds_total",
            "hlsfleet_download_bytes_total");

    private static final Pattern HLSFLEET_NAME = Pattern.compile("\\bhlsfleet_[a-z_]+\\b");

    private Metrics() {
    }

    /** hlsfleet_* names used in a PromQL expression that the workers do not export. */
    static Set<String> unknownIn(String promql) {
        Set<String> unknown = new TreeSet<>();
        Matcher m = HLSFLEET_NAME.matcher(promql);
        while (m.find()) {
            if (!FLEET.contains(m.group())) {
                unknown.add(m.group());
            }
        }
        return unknown;
    }
}
