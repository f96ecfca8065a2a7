/* Assigning a whole object that holds a reference field copies the field
 * past the barriers, as field_copy.c does. */
#include "common.h"

void copy_node(rgc_thread *t, struct node *a, struct node *b)
{
    a->value = b->value; /* the right way: field by field */
    rgc_store(t, &a->next, rgc_load(t, &b->next));
#ifdef RGC_FORBIDDEN
    *a = *b;
#endif
}
