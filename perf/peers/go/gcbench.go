// gcbench.go — Hans Boehm's GCBench (after John Ellis and Pete Kovac) as
// perf/gcbench.c runs it:
//
//  1. stretch:    build one bottom-up tree of depth 17 and drop it;
//  2. long-lived: build a top-down tree of depth 16 and an array of
//     500,000 float64s (a[i] = 1/i for the first half), both kept until
//     the end;
//  3. for d = 4, 6, ... 16: numIters(d) top-down trees (populate: parents
//     first), then as many bottom-up trees (makeTree: children first),
//     numIters(d) = 2 * treeSize(17) / treeSize(d).
//
// A node is two pointers and two int32s; its first int holds its height,
// so after each timed phase (untimed) its last tree, and at the end the
// long-lived tree and the array, are checked node by node as the C
// version checks them.  Each phase is timed; the total is their sum.

package main

import (
	"fmt"
	"math"
)

const (
	stretchDepth   = 17
	longLivedDepth = 16
	minDepth       = 4
	maxDepth       = 16
	depthStep      = 2
	arraySize      = 500000
)

type node struct {
	left, right  *node
	height, _pad int32
}

func treeSize(depth int) uint64 { return uint64(1)<<(depth+1) - 1 }

func numIters(depth int) uint64 { return 2 * treeSize(stretchDepth) / treeSize(depth) }

// Give n (of height depth) its subtrees, parents first.
func populate(depth int, n *node) {
	if depth <= 0 {
		return
	}
	depth--
	n.left = &node{height: int32(depth)}
	n.right = &node{height: int32(depth)}
	populate(depth, n.left)
	populate(depth, n.right)
}

// A tree of the given depth, children first.
func makeTree(depth int) *node {
	if depth <= 0 {
		return &node{}
	}
	l := makeTree(depth - 1)
	r := makeTree(depth - 1)
	return &node{left: l, right: r, height: int32(depth)}
}

// A depth-first walk with a bounded explicit stack, as check_tree.
func checkTree(root *node, depth int, what string) error {
	if root == nil {
		return fmt.Errorf("gcbench: %s: the tree is missing", what)
	}
	var count uint64
	want := treeSize(depth)
	stack := make([]*node, 0, depth+8)
	stack = append(stack, root)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if count++; count > want {
			break
		}
		h, l, r := int(n.height), n.left, n.right
		if h < 0 || h > depth || (h == 0) != (l == nil) || (h == 0) != (r == nil) {
			return fmt.Errorf("gcbench: %s: node %d has height %d and children %p, %p",
				what, count, h, l, r)
		}
		if h == 0 {
			continue
		}
		if int(l.height) != h-1 || int(r.height) != h-1 {
			return fmt.Errorf("gcbench: %s: a node of height %d has children of heights %d and %d",
				what, h, l.height, r.height)
		}
		if len(stack)+2 > cap(stack) {
			return fmt.Errorf("gcbench: %s: the tree is deeper than %d", what, depth)
		}
		stack = append(stack, r, l)
	}
	if count != want {
		more := ""
		if count > want {
			more = "+"
		}
		return fmt.Errorf("gcbench: %s: %d%s nodes, expected %d", what, count, more, want)
	}
	return nil
}

func checkArray(a []float64) error {
	if len(a) != arraySize {
		return fmt.Errorf("gcbench: the array has %d elements, expected %d", len(a), arraySize)
	}
	for i, v := range a {
		want := 0.0
		if i < len(a)/2 {
			want = 1 / float64(i)
		}
		if math.Float64bits(v) != math.Float64bits(want) {
			return fmt.Errorf("gcbench: array[%d] is %g, expected %g", i, v, want)
		}
	}
	return nil
}

func (r *result) begin(name string, depth int, trees uint64) *phase {
	ph := &phase{Phase: name, Depth: depth, Trees: trees}
	r.phases = append(r.phases, ph)
	return ph
}

// One phase of short-lived trees; the last one is returned.
func shortLived(r *result, name string, depth int, topDown bool) *node {
	iters := numIters(depth)
	ph := r.begin(name, depth, iters)
	var keep *node
	t0 := nowNs()
	for i := uint64(0); i < iters; i++ {
		if topDown {
			keep = &node{height: int32(depth)}
			populate(depth, keep)
		} else {
			keep = makeTree(depth)
		}
	}
	ph.Ns = uint64(nowNs() - t0)
	return keep
}

func runGcBench(r *result) {
	if err := gcBench(r); err != nil {
		r.fail("%v", err)
	}
}

func gcBench(r *result) error {
	// 1. stretch
	ph := r.begin("stretch", stretchDepth, 1)
	t0 := nowNs()
	stretch := makeTree(stretchDepth)
	ph.Ns = uint64(nowNs() - t0)
	// its last use: garbage from here on
	if err := checkTree(stretch, stretchDepth, "the stretch tree"); err != nil {
		return err
	}

	// 2. long-lived tree and array
	ph = r.begin("long-lived", longLivedDepth, 1)
	t0 = nowNs()
	longLived := &node{height: longLivedDepth}
	populate(longLivedDepth, longLived)
	array := make([]float64, arraySize)
	for i := 0; i < arraySize/2; i++ {
		array[i] = 1 / float64(i)
	}
	ph.Ns = uint64(nowNs() - t0)

	// 3. short-lived trees; the last of each phase is checked untimed
	for d := minDepth; d <= maxDepth; d += depthStep {
		if err := checkTree(shortLived(r, "top-down", d, true), d, "a top-down tree"); err != nil {
			return err
		}
		if err := checkTree(shortLived(r, "bottom-up", d, false), d, "a bottom-up tree"); err != nil {
			return err
		}
	}
	for _, p := range r.phases {
		r.totalNs += p.Ns
	}

	if err := checkTree(longLived, longLivedDepth, "the long-lived tree"); err != nil {
		return err
	}
	return checkArray(array)
}
