package diff

import (
	"fmt"
	"strings"
)

// Context is how many unchanged lines a unified diff shows around a change.
const Context = 3

// maxEdits bounds the edit distance the line diff searches for. Past it
// the two texts have little in common, and the diff replaces every
// differing line instead: still correct, never slow or large in memory.
const maxEdits = 1000

type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// op is one line of an edit script; a and b are the line's index in the
// old and the new text (the one it is not in is where it would be).
type op struct {
	kind opKind
	a, b int
}

// Unified returns a unified diff of old and new (as `diff -u` and git
// write it, with Context lines of context), naming them oldName and
// newName; "" when they are equal. An empty name is written /dev/null, for
// a text that does not exist on that side.
func Unified(oldName, newName, old, new string) string {
	return unified(oldName, newName, old, new, false)
}

// unified is Unified, with long changed lines diffed word by word when
// words is set (Readable).
func unified(oldName, newName, old, new string, words bool) string {
	if old == new {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := lineEdits(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", sideName("a/", oldName), sideName("b/", newName))
	for _, h := range hunks(ops) {
		if words && needsWords(a, b, ops[h[0]:h[1]]) {
			writeWordHunk(&out, a, b, ops[h[0]:h[1]])
			continue
		}
		writeHunk(&out, a, b, ops[h[0]:h[1]])
	}
	return out.String()
}

func sideName(prefix, name string) string {
	if name == "" {
		return "/dev/null"
	}
	return prefix + name
}

// splitLines cuts s after each newline; a last line without one stays as
// it is, so that "x" and "x\n" differ.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// lineEdits is the shortest edit script from a to b (Myers' O(ND)
// algorithm), after taking off the lines both start and end with.
func lineEdits(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{opEqual, i, i})
	}
	mid := myers(a[pre:len(a)-suf], b[pre:len(b)-suf])
	for _, o := range mid {
		ops = append(ops, op{o.kind, o.a + pre, o.b + pre})
	}
	for i := 0; i < suf; i++ {
		ops = append(ops, op{opEqual, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

// myers finds a shortest edit script. trace[d] keeps the furthest x
// reached on each diagonal k (index k+d) before step d, for the walk back.
func myers(a, b []string) []op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(n, m)
	}
	limit := min(n+m, maxEdits)
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m)
			}
		}
	}
	return replaceAll(n, m)
}

// backtrack walks the trace from (n, m) to (0, 0), collecting the script.
func backtrack(trace [][]int, n, m int) []op {
	var rev []op
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d] }
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, op{opEqual, x, y})
		}
		if x == prevX {
			rev = append(rev, op{opInsert, x, prevY})
		} else {
			rev = append(rev, op{opDelete, prevX, y})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{opEqual, x, y})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}

// replaceAll deletes every line of a and inserts every line of b.
func replaceAll(n, m int) []op {
	ops := make([]op, 0, n+m)
	for i := 0; i < n; i++ {
		ops = append(ops, op{opDelete, i, 0})
	}
	for j := 0; j < m; j++ {
		ops = append(ops, op{opInsert, n, j})
	}
	return ops
}

// hunks groups the changes of ops with their context into [start, end)
// ranges of ops; two changes closer than twice the context share a hunk.
func hunks(ops []op) [][2]int {
	var hs [][2]int
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		start := max(0, i-Context)
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*Context {
				end = min(run, end+Context)
				break
			}
			end = run
		}
		hs = append(hs, [2]int{start, end})
		i = end
	}
	return hs
}

func writeHunk(out *strings.Builder, a, b []string, ops []op) {
	writeHunkHeader(out, ops)
	for _, o := range ops {
		line := ""
		switch o.kind {
		case opInsert:
			line = b[o.b]
		default:
			line = a[o.a]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange writes a hunk's start and length as diff -u does: 1-based,
// the length left out when it is 1, and an empty range named by the line
// before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
