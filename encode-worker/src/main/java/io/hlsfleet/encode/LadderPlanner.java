package io.hlsfleet.encode;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides which variants a source gets. Never upscales: rungs whose short side is above the
 * source's are dropped; a source below the lowest rung still gets one variant at its own size
 * (with the lowest rung's bitrates). Sizes keep the displayed aspect ratio and are rounded to even
 * numbers, as 4:2:0 video requires, never above the source's own size.
 */
public final class LadderPlanner {

    private LadderPlanner() {
    }

    public static List<PlannedVariant> plan(MediaInfo media, EncodeSettings settings) {
        LadderProfile profile = settings.profile();
        List<PlannedVariant> variants = new ArrayList<>();
        for (Rung rung : profile.rungs()) {
            if (rung.height() <= media.shortSide()) {
                variants.add(variant(rung.name(), rung, rung.height(), media, settings));
            }
        }
        if (variants.isEmpty()) {
            Rung lowest = profile.rungs().getFirst();
            int shortSide = evenDown(media.shortSide());
            variants.add(variant(shortSide + "p", lowest, shortSide, media, settings));
        }
        return variants;
    }

    private static PlannedVariant variant(String name, Rung rung, int shortSide, MediaInfo media,
            EncodeSettings settings) {
        int sourceLong = Math.max(media.width(), media.height());
        int longSide = Math.min(even((double) shortSide * sourceLong / media.shortSide()), evenDown(sourceLong));
        int width = media.portrait() ? shortSide : longSide;
        int height = media.portrait() ? longSide : shortSide;
        return new PlannedVariant(name, even(width), even(height), rung.videoKbps(), rung.maxKbps(), rung.bufferKbits(),
                settings.presetFor(rung));
    }

    private static int even(double value) {
        return Math.max(2, (int) Math.round(value / 2) * 2);
    }

    /** Rounds down to even, so an odd-sized source is never enlarged by a pixel. */
    private static int evenDown(int value) {
        return Math.max(2, value & ~1);
    }
}
