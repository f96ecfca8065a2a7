/* Copying a reference field to another skips rgc_store's SATB record and
 * copies a color that may be stale. */
#include "common.h"

void copy_next(rgc_thread *t, struct node *a, struct node *b)
{
    rgc_store(t, &a->next, rgc_load(t, &b->next)); /* the right way */
#ifdef RGC_FORBIDDEN
    a->next = b->next;
#endif
}
