package io.hlsfleet.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Undelivered webhooks kept in this process's memory, for tests of the sender without a broker. */
class InMemoryUndeliveredWebhooks implements UndeliveredWebhooks {

    private final List<UndeliveredWebhook> kept = new ArrayList<>();

    @Override
    public synchronized void keep(UndeliveredWebhook webhook) {
        kept.add(webhook);
    }

    @Override
    public synchronized List<UndeliveredWebhook> list(int limit) {
        return kept.stream().limit(limit).toList();
    }

    @Override
    public synchronized int update(UnaryOperator<UndeliveredWebhook> visit) {
        int changed = 0;
        for (UndeliveredWebhook webhook : List.copyOf(kept)) {
            UndeliveredWebhook result = visit.apply(webhook);
            if (result != webhook) {
                changed++;
                if (result != null) {
                    kept.add(result);
                }
                kept.remove(webhook);
            }
        }
        return changed;
    }
}
