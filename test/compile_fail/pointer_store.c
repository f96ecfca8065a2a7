/* Assigning a pointer to a reference field stores no color and records
 * nothing. */
#include "common.h"

void set_next(rgc_thread *t, struct node *a, void *p)
{
    rgc_store(t, &a->next, p); /* the right way */
#ifdef RGC_FORBIDDEN
    a->next = p;
#endif
}
