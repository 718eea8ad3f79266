package io.hlsfleet.cli;

/**
 * Text from queues and the status store made safe for a terminal. Message bodies, reasons and
 * URLs come from whoever wrote to the intake queue; an escape sequence among them could move the
 * cursor, retitle the window or hide a line. Control and format characters (C0, C1, DEL, bidi
 * overrides) are shown as {@code \\uXXXX} instead, line breaks included, so one field stays one line.
 */
final class Printable {

    private Printable() {
    }

    static String of(Object value) {
        if (value == null) {
            return "null";
        }
        String text = value.toString();
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
