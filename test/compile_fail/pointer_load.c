/* Reading a reference field as a pointer skips rgc_load's repair of a
 * stale reference. */
#include "common.h"

void *get_next(rgc_thread *t, struct node *a)
{
    void *p = rgc_load(t, &a->next); /* the right way */
#ifdef RGC_FORBIDDEN
    p = a->next;
#endif
    return p;
}
