/*
 * Gate.java — the start and finish gates of a multi-threaded ring run, as
 * perf/gate.c: every worker announces it is ready and waits; the main
 * thread opens the gate once all of them are ready, so the measured loops
 * start together (start gate) and no thread's untimed check runs beside
 * another thread's loop (finish gate).  Unlike a CyclicBarrier it survives
 * a thread that could not be started: the main thread opens it aborted and
 * the others skip their loops.
 */
package rgcpeer;

final class Gate {
    private int ready;
    private boolean open;
    private boolean abort;

    /* A worker: announce readiness, wait for the gate; false if aborted. */
    synchronized boolean pass() {
        ready++;
        notifyAll();
        boolean interrupted = false;
        while (!open) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; /* nobody interrupts: keep waiting */
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        return !abort;
    }

    /* The main thread: wait until n workers are ready, then open. */
    synchronized void open(int n, boolean abort) {
        boolean interrupted = false;
        while (ready < n) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        open = true;
        this.abort = abort;
        notifyAll();
        if (interrupted)
            Thread.currentThread().interrupt();
    }
}
