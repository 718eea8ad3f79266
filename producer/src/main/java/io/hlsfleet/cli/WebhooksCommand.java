package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.webhook.UndeliveredWebhook;
import io.hlsfleet.webhook.WebhookSender;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hlsfleet webhooks}: the webhooks the fleet's senders gave up after all their tries, kept
 * on the broker ({@link io.hlsfleet.webhook.UndeliveredWebhooks}); list, replay or purge them, as
 * {@code hlsfleet dlq} does for jobs.
 */
@Command(name = "webhooks", description = "List, replay or purge the webhooks the fleet could not deliver.",
        subcommands = {WebhooksCommand.ListUndelivered.class, WebhooksCommand.Replay.class,
                WebhooksCommand.Purge.class})
final class WebhooksCommand {

    @Command(name = "list", description = "Show the undelivered webhooks with their target, tries and last failure.")
    static final class ListUndelivered extends CliCommand {

        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Option(names = "--limit", defaultValue = "100", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            List<UndeliveredWebhook> webhooks;
            try (Transport transport = DlqCommand.connect()) {
                webhooks = transport.events().undeliveredWebhooks().list(limit);
            }
            for (UndeliveredWebhook webhook : webhooks) {
                if (json) {
                    out.println(JobCodec.toJson(webhook));
                } else {
                    out.printf("%s  %s  tries=%d  %s%n    target: %s%n    reason: %s%n", Printable.of(webhook.id()),
                            webhook.event().routingKey(), webhook.tries(), webhook.at(), Printable.of(webhook.target()),
                            Printable.of(webhook.reason()));
                }
            }
            if (!json) {
                out.println(webhooks.size() + " undelivered webhook" + (webhooks.size() == 1 ? "" : "s"));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "replay", description = "Send undelivered webhooks again, one try each, signed afresh, to the job's"
            + " callback URL or else HLSFLEET_WEBHOOK_URL as it is set now; the delivered ones are removed, the others"
            + " stay with the new failure. Exits 1 if any was not delivered.")
    static final class Replay extends CliCommand {

        @Parameters(paramLabel = "ID", arity = "0..*",
                description = "Deliveries to replay (<jobId>.<event>, as listed) or job ids; all when none is given.")
        List<String> ids = new ArrayList<>();

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            Settings settings = Settings.fromEnvironment();
            Set<String> matched = new HashSet<>();
            List<WebhookSender.Replayed> results;
            try (Transport transport = Transports.connect(FleetConfig.from(settings));
                 WebhookSender sender = WebhookSender.forReplay(settings, transport.events())) {
                results = sender.replay(webhook -> {
                    if (ids.isEmpty()) {
                        return true;
                    }
                    for (String id : List.of(webhook.id(), webhook.event().jobId())) {
                        if (ids.contains(id)) {
                            matched.add(id);
                            return true;
                        }
                    }
                    return false;
                });
            }
            int delivered = 0;
            for (WebhookSender.Replayed result : results) {
                if (result.failure() == null) {
                    delivered++;
                    out.println(Printable.of(result.webhook().id()) + "  delivered");
                } else {
                    out.println(Printable.of(result.webhook().id()) + "  not delivered: " + Printable.of(result.failure()));
                }
            }
            for (String id : ids) {
                if (!matched.contains(id)) {
                    err.println("hlsfleet: no undelivered webhook " + Printable.of(id));
                }
            }
            out.println("delivered " + delivered + " of " + results.size() + " webhook" + (results.size() == 1 ? "" : "s"));
            out.flush();
            err.flush();
            return delivered == results.size() && matched.containsAll(ids) ? 0 : 1;
        }
    }

    @Command(name = "purge", description = "Delete every undelivered webhook for good.")
    static final class Purge extends CliCommand {

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            int purged;
            try (Transport transport = DlqCommand.connect()) {
                purged = transport.events().undeliveredWebhooks().purge();
            }
            out.println("purged " + purged + " undelivered webhook" + (purged == 1 ? "" : "s"));
            return 0;
        }
    }
}
