package io.hlsfleet.encode;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides which variants a source gets. Never upscales: rungs whose short side is above the
 * source's are dropped; a source below the lowest rung still gets one variant at its own size
 * (with the lowest rung's bitrates). Sizes keep the displayed aspect ratio and are rounded to even
 * numbers, as 4:2:0 video requires, never above the source's own size. With a profile that keeps HDR,
 * an HLG or PQ source gets every variant twice: tone-mapped SDR H.264 first, then HEVC HDR.
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
        if (settings.profile().keepHdr() && media.picture().hdr()) {
            // The HDR ladder has the SDR ladder's rungs: the same sizes at the same bitrates, which
            // HEVC spends on 10-bit pictures. Players choose between the two by VIDEO-RANGE.
            List<PlannedVariant> hdr = variants.stream().map(v -> new PlannedVariant(v.name() + "-hdr", v.width(),
                    v.height(), v.videoKbps(), v.maxKbps(), v.bufferKbits(), v.preset(), "", media.picture().transfer()))
                    .toList();
            variants.addAll(hdr);
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
                settings.presetFor(rung), settings.x264ParamsFor(rung));
    }

    private static int even(double value) {
        return Math.max(2, (int) Math.round(value / 2) * 2);
    }

    /** Rounds down to even, so an odd-sized source is never enlarged by a pixel. */
    private static int evenDown(int value) {
        return Math.max(2, value & ~1);
    }
}
