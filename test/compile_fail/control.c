/* What must keep compiling: the ways of making a null reference, the
 * barriers, handles and roots. */
#include <string.h>

#include "common.h"

static rgc_ref global_root;           /* zero-initialised: null */
static rgc_ref other_root = {0};

void *control(rgc_heap *heap, rgc_thread *t, rgc_type type)
{
    rgc_ref local = {0};
    struct node *n = (struct node *)rgc_alloc(t, type); /* next: null */
    memset((void *)&local, 0, sizeof local); /* C++: (void *) or it warns */
    rgc_root_register(heap, &global_root);
    rgc_root_register(heap, &other_root);
    rgc_root_store(t, &global_root, n);
    rgc_store(t, &n->next, rgc_load(t, &local));
    void *refs = rgc_alloc_refs(t, 2);
    rgc_store_elem(t, refs, 1, rgc_load_elem(t, refs, 0));
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, n);
    void *p = rgc_load(t, h);
    rgc_scope_close(t, s);
    return p;
}
