/*
 * Json.java — just enough of a JSON writer for one result line: objects,
 * arrays, keys, numbers, strings escaped as perf/report_json.c escapes
 * them.  Commas are placed by the writer, not by the caller.
 */
package rgcpeer;

final class Json {
    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true; /* nothing written yet in this container */

    private void comma() {
        if (!first)
            out.append(',');
        first = false;
    }

    Json key(String k) {
        comma();
        string(k);
        out.append(':');
        first = true; /* the value that follows needs no comma */
        return this;
    }

    Json open() {
        comma();
        out.append('{');
        first = true;
        return this;
    }

    Json close() {
        out.append('}');
        first = false;
        return this;
    }

    Json openArray() {
        comma();
        out.append('[');
        first = true;
        return this;
    }

    Json closeArray() {
        out.append(']');
        first = false;
        return this;
    }

    Json num(long v) {
        comma();
        out.append(v);
        return this;
    }

    Json bool(boolean v) {
        comma();
        out.append(v);
        return this;
    }

    Json nul() {
        comma();
        out.append("null");
        return this;
    }

    Json str(String s) {
        comma();
        string(s);
        return this;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\')
                out.append('\\').append(c);
            else if (c == '\n')
                out.append("\\n");
            else if (c < 0x20 || c == 0x7f)
                out.append(String.format("\\u%04x", (int) c));
            else
                out.append(c);
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
