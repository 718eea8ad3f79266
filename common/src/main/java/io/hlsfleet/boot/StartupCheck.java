package io.hlsfleet.boot;

import java.util.Map;

/**
 * Something a worker verifies before it takes jobs: that its stores accept what it will write,
 * that its broker has the features it relies on. A check that fails keeps the worker from
 * consuming and its readiness down, with the reason, until it passes.
 */
public interface StartupCheck {

    /** The name under which readiness shows the check. */
    String name();

    /**
     * Runs the check.
     *
     * @return what readiness shows of a passed check (what was found, a warning a person should read)
     * @throws Exception with a reason a person understands when the worker must not take jobs
     */
    Map<String, Object> run() throws Exception;
}
