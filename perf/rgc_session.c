/* rgc_session.c — heap setup and teardown for the rgc runs. */
#include "rgc_session.h"

#include <stdio.h>
#include <string.h>

#include "timeline.h"

bool rgc_options_valid(const char *options, char *err, size_t errlen)
{
    rgc_config cfg;
    rgc_config_init(&cfg);
    if (!options || !*options)
        return true;
    if (rgc_config_parse(&cfg, options) == RGC_OK)
        return true;
    snprintf(err, errlen, "%s", rgc_last_error());
    return false;
}

bool rgc_session_open_heap(struct rgc_session *s, const char *options,
                           struct run_result *r)
{
    memset(s, 0, sizeof *s);
    s->gc = &r->gc;
    rgc_config cfg;
    rgc_config_init(&cfg);
    if (options && *options && rgc_config_parse(&cfg, options) != RGC_OK) {
        run_fail(r, "%s", rgc_last_error());
        return false;
    }
    s->heap = rgc_heap_create(&cfg);
    if (!s->heap) {
        run_fail(r, "rgc_heap_create: %s", rgc_last_error());
        return false;
    }
    timeline_heap(s->heap);
    rgc_heap_stats st;
    rgc_stats(s->heap, &st);
    s->seen_pauses = st.pause_count;
    s->seen_pause_ns = st.pause_total_ns;
    s->gc_cpu0_ns = st.gc_cpu_ns;
    s->process_cpu0_ns = proc_cpu_ns();
    r->gc.present = true;
    return true;
}

bool rgc_session_open(struct rgc_session *s, const char *options,
                      struct run_result *r)
{
    if (!rgc_session_open_heap(s, options, r))
        return false;
    s->thread = rgc_thread_attach(s->heap);
    if (!s->thread) {
        run_fail(r, "rgc_thread_attach: %s", rgc_last_error());
        timeline_heap(NULL);
        rgc_heap_destroy(s->heap);
        s->heap = NULL;
        r->gc.present = false;
        return false;
    }
    return true;
}

void rgc_session_record(struct rgc_session *s, struct run_result *r)
{
    if (!s->heap)
        return;
    rgc_session_poll(s);
    rgc_stats(s->heap, &r->gc.stats);
    r->gc.gc_cpu_ns = r->gc.stats.gc_cpu_ns - s->gc_cpu0_ns;
    r->gc.process_cpu_ns = proc_cpu_ns() - s->process_cpu0_ns;
    rgc_pause_percentiles(s->heap, &r->gc.pauses);
    rgc_ttsp_percentiles(s->heap, &r->gc.ttsp);
    for (int k = 0; k < RGC_PAUSE_KINDS; k++)
    {
        rgc_pause_kind_percentiles(s->heap, (rgc_pause_kind)k,
                                   &r->gc.kinds[k]);
        rgc_pause_work_percentiles(s->heap, (rgc_pause_kind)k,
                                   &r->gc.work[k]);
    }
    rgc_stall_percentiles(s->heap, &r->gc.stalls);
}

void rgc_session_close(struct rgc_session *s, struct run_result *r)
{
    if (!s->heap)
        return;
    rgc_session_record(s, r);
    timeline_release(s->heap, s->thread); /* after the figures are taken */
    if (s->thread && rgc_thread_detach(s->thread) != RGC_OK) {
        run_fail(r, "rgc_thread_detach: %s", rgc_last_error());
    } else {
        timeline_heap(NULL);
        rgc_heap_destroy(s->heap);
    }
    s->heap = NULL;
    s->thread = NULL;
}
