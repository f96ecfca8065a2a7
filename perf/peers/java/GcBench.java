/*
 * GcBench.java — Hans Boehm's GCBench (after John Ellis and Pete Kovac) as
 * perf/gcbench.c runs it:
 *
 *   1. stretch:    build one bottom-up tree of depth 17 and drop it;
 *   2. long-lived: build a top-down tree of depth 16 and an array of
 *                  500,000 doubles (a[i] = 1/i for the first half), both
 *                  kept until the end;
 *   3. for d = 4, 6, ... 16: numIters(d) top-down trees (Populate: parents
 *      first), then as many bottom-up trees (MakeTree: children first),
 *      numIters(d) = 2 * treeSize(17) / treeSize(d).
 *
 * A node is two references and two ints; its first int holds its height,
 * so after each timed phase (untimed) its last tree, and at the end the
 * long-lived tree and the array, are checked node by node as the C
 * version checks them.  Each phase is timed; the total is their sum.
 */
package rgcpeer;

final class GcBench {
    static final int STRETCH_DEPTH = 17;
    static final int LONG_LIVED_DEPTH = 16;
    static final int MIN_DEPTH = 4, MAX_DEPTH = 16, DEPTH_STEP = 2;
    static final int ARRAY_SIZE = 500000;

    static final class Node {
        Node left, right;
        int height, pad;

        Node(int height) {
            this.height = height;
        }
    }

    /* Thrown by a check; the run fails with its message. */
    static final class Corrupt extends Exception {
        Corrupt(String message) {
            super(message);
        }
    }

    private GcBench() {
    }

    static long treeSize(int depth) {
        return (1L << (depth + 1)) - 1;
    }

    static long numIters(int depth) {
        return 2 * treeSize(STRETCH_DEPTH) / treeSize(depth);
    }

    /* Give node (of height depth) its subtrees, parents first. */
    static void populate(int depth, Node node) {
        if (depth <= 0)
            return;
        depth--;
        node.left = new Node(depth);
        node.right = new Node(depth);
        populate(depth, node.left);
        populate(depth, node.right);
    }

    /* A tree of the given depth, children first. */
    static Node makeTree(int depth) {
        if (depth <= 0)
            return new Node(0);
        Node l = makeTree(depth - 1);
        Node r = makeTree(depth - 1);
        Node n = new Node(depth);
        n.left = l;
        n.right = r;
        return n;
    }

    /* A depth-first walk with a bounded explicit stack, as check_tree. */
    static void checkTree(Node root, int depth, String what) throws Corrupt {
        if (root == null)
            throw new Corrupt("gcbench: " + what + ": the tree is missing");
        long count = 0, want = treeSize(depth);
        Node[] stack = new Node[depth + 8];
        int top = 0;
        stack[top++] = root;
        while (top > 0) {
            Node n = stack[--top];
            if (++count > want)
                break;
            int h = n.height;
            Node l = n.left, r = n.right;
            if (h < 0 || h > depth || (h == 0) != (l == null) || (h == 0) != (r == null))
                throw new Corrupt("gcbench: " + what + ": node " + count + " has height "
                                  + h + " and children " + l + ", " + r);
            if (h == 0)
                continue;
            if (l.height != h - 1 || r.height != h - 1)
                throw new Corrupt("gcbench: " + what + ": a node of height " + h
                                  + " has children of heights " + l.height + " and "
                                  + r.height);
            if (top + 2 > stack.length)
                throw new Corrupt("gcbench: " + what + ": the tree is deeper than " + depth);
            stack[top++] = r;
            stack[top++] = l;
        }
        if (count != want)
            throw new Corrupt("gcbench: " + what + ": " + count + (count > want ? "+" : "")
                              + " nodes, expected " + want);
    }

    static void checkArray(double[] a) throws Corrupt {
        if (a.length != ARRAY_SIZE)
            throw new Corrupt("gcbench: the array has " + a.length + " elements, expected "
                              + ARRAY_SIZE);
        for (int i = 0; i < a.length; i++) {
            double want = i < a.length / 2 ? 1.0 / i : 0.0;
            if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(want))
                throw new Corrupt("gcbench: array[" + i + "] is " + a[i] + ", expected "
                                  + want);
        }
    }

    private static Result.Phase begin(Result r, String name, int depth, long trees) {
        Result.Phase ph = new Result.Phase(name, depth, trees);
        r.phases.add(ph);
        return ph;
    }

    /* One phase of short-lived trees; the last one is returned. */
    private static Node phase(Result r, String name, int depth, boolean topDown) {
        long iters = numIters(depth);
        Result.Phase ph = begin(r, name, depth, iters);
        Node keep = null;
        long t0 = System.nanoTime();
        for (long i = 0; i < iters; i++) {
            if (topDown) {
                keep = new Node(depth);
                populate(depth, keep);
            } else {
                keep = makeTree(depth);
            }
        }
        ph.ns = System.nanoTime() - t0;
        return keep;
    }

    /* An OutOfMemoryError is caught here, once body's frame, which holds
     * the trees, is gone: the message needs a little heap. */
    static void run(Result r) {
        try {
            body(r);
        } catch (Corrupt e) {
            r.fail(e.getMessage());
        } catch (OutOfMemoryError e) {
            r.fail("gcbench: " + e);
        }
    }

    /* A method of its own, so that the tree is garbage once it returns:
     * an interpreted frame keeps its locals reachable until it ends. */
    private static void stretch(Result r) throws Corrupt {
        Result.Phase ph = begin(r, "stretch", STRETCH_DEPTH, 1);
        long t0 = System.nanoTime();
        Node tree = makeTree(STRETCH_DEPTH);
        ph.ns = System.nanoTime() - t0;
        checkTree(tree, STRETCH_DEPTH, "the stretch tree");
    }

    private static void body(Result r) throws Corrupt {
        /* 1. stretch */
        stretch(r);

        /* 2. long-lived tree and array */
        Result.Phase ph = begin(r, "long-lived", LONG_LIVED_DEPTH, 1);
        long t0 = System.nanoTime();
        Node longLived = new Node(LONG_LIVED_DEPTH);
        populate(LONG_LIVED_DEPTH, longLived);
        double[] array = new double[ARRAY_SIZE];
        for (int i = 0; i < ARRAY_SIZE / 2; i++)
            array[i] = 1.0 / i;
        ph.ns = System.nanoTime() - t0;

        /* 3. short-lived trees; the last of each phase is checked untimed */
        for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += DEPTH_STEP) {
            checkTree(phase(r, "top-down", d, true), d, "a top-down tree");
            checkTree(phase(r, "bottom-up", d, false), d, "a bottom-up tree");
        }
        for (Result.Phase p : r.phases)
            r.totalNs += p.ns;

        checkTree(longLived, LONG_LIVED_DEPTH, "the long-lived tree");
        checkArray(array);
    }
}
