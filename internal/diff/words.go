package diff

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LongLine is the length (in bytes) past which changed lines are diffed
// word by word: a query compiled to one long line would otherwise show
// whole for one value added to it.
const LongLine = 160

// wordContext is how much unchanged text (in bytes, whole words, a word
// longer than twice as much left out) a word-level change shows on each
// side, within its line.
const wordContext = 40

// Readable is Unified for a reviewer: a hunk whose changed lines are long
// shows the words that changed, each with a little of the text around it,
// instead of the whole lines. It is not meant to be applied as a patch.
func Readable(oldName, newName, old, new string) string {
	return unified(oldName, newName, old, new, true)
}

// needsWords reports whether a hunk changes a line longer than LongLine.
func needsWords(a, b []string, ops []op) bool {
	for _, o := range ops {
		if o.kind == opDelete && len(a[o.a]) > LongLine || o.kind == opInsert && len(b[o.b]) > LongLine {
			return true
		}
	}
	return false
}

// writeWordHunk writes a hunk's header, then each run of changed lines as
// the words that changed.
func writeWordHunk(out *strings.Builder, a, b []string, ops []op) {
	writeHunkHeader(out, ops)
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		var old, new strings.Builder
		for ; i < len(ops) && ops[i].kind != opEqual; i++ {
			if ops[i].kind == opDelete {
				old.WriteString(a[ops[i].a])
			} else {
				new.WriteString(b[ops[i].b])
			}
		}
		writeWords(out, old.String(), new.String())
	}
}

// writeWords writes the word-level changes from old to new: per group of
// nearby changes, the unchanged text before it (" …"), the old words
// ("-"), the new words ("+") and the unchanged text after it.
func writeWords(out *strings.Builder, old, new string) {
	ta, tb := tokens(old), tokens(new)
	ops := slide(myers(ta, tb), ta, tb)
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		// A group runs to the next stretch of unchanged text longer than
		// twice the context.
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run, n := end, 0
			for run < len(ops) && ops[run].kind == opEqual {
				n += len(ta[ops[run].a])
				run++
			}
			if run == len(ops) || n > 2*wordContext {
				break
			}
			end = run
		}
		var removed, added, after strings.Builder
		var before []string
		for j, n := i-1, 0; j >= 0 && ops[j].kind == opEqual; j-- {
			t := ta[ops[j].a]
			if n >= wordContext || n+len(t) > 2*wordContext || strings.Contains(t, "\n") {
				break
			}
			before = append(before, t)
			n += len(t)
		}
		slices.Reverse(before)
		for _, o := range ops[i:end] {
			if o.kind != opInsert {
				removed.WriteString(ta[o.a])
			}
			if o.kind != opDelete {
				added.WriteString(tb[o.b])
			}
		}
		for j := end; j < len(ops) && ops[j].kind == opEqual; j++ {
			t := ta[ops[j].a]
			if n := after.Len(); n >= wordContext || n+len(t) > 2*wordContext || strings.Contains(t, "\n") {
				break
			}
			after.WriteString(t)
		}
		if s := strings.Join(before, ""); s != "" {
			writeWordLines(out, ' ', "…"+s)
		}
		writeWordLines(out, '-', removed.String())
		writeWordLines(out, '+', added.String())
		if s := after.String(); s != "" {
			writeWordLines(out, ' ', s+"…")
		}
		i = end
	}
}

// slide moves each run of only inserted (or only deleted) words to where
// it reads best, when the words around it allow several places: `, "b"`
// added after `"a"` may equally be `b", "` after `"a", "`. The run is
// moved right over each word it can, and placed where it starts after
// white space (else after punctuation) with a word or a quote.
func slide(ops []op, ta, tb []string) []op {
	for i := 0; i < len(ops); i++ {
		kind := ops[i].kind
		if kind == opEqual {
			continue
		}
		j := i
		for j < len(ops) && ops[j].kind == kind {
			j++
		}
		tok := func(o op) string {
			if kind == opInsert {
				return tb[o.b]
			}
			return ta[o.a]
		}
		// Shift the run left as far as it goes (the word before it equals
		// its last word), then right one word at a time while the word
		// after it equals its first word, remembering the best place.
		for i > 0 && ops[i-1].kind == opEqual && tok(ops[j-1]) == ta[ops[i-1].a] {
			ops = shiftLeft(ops, i, j, kind)
			i, j = i-1, j-1
		}
		best, bestScore := 0, score(ops, i, ta, tok)
		shifted := append([]op(nil), ops...)
		for k := 1; j+k-1 < len(shifted) && shifted[j+k-1].kind == opEqual && tok(shifted[i+k-1]) == ta[shifted[j+k-1].a]; k++ {
			shifted = shiftRight(shifted, i+k-1, j+k-1, kind)
			if sc := score(shifted, i+k, ta, tok); sc > bestScore {
				best, bestScore = k, sc
			}
		}
		for k := 0; k < best; k++ {
			ops = shiftRight(ops, i+k, j+k, kind)
		}
		i = j + best - 1
	}
	return ops
}

// shiftRight moves the run ops[i:j] of kind one word right: the equal op
// at j comes before it, and the run covers the next word.
func shiftRight(ops []op, i, j int, kind opKind) []op {
	eq := ops[j]
	first := ops[i]
	out := append([]op(nil), ops[:i]...)
	if kind == opInsert {
		out = append(out, op{opEqual, eq.a, first.b})
		for _, o := range ops[i+1 : j] {
			out = append(out, op{kind, eq.a + 1, o.b})
		}
		out = append(out, op{kind, eq.a + 1, eq.b})
	} else {
		out = append(out, op{opEqual, first.a, eq.b})
		for _, o := range ops[i+1 : j] {
			out = append(out, op{kind, o.a, eq.b + 1})
		}
		out = append(out, op{kind, eq.a, eq.b + 1})
	}
	return append(out, ops[j+1:]...)
}

// shiftLeft moves the run ops[i:j] of kind one word left: the equal op
// at i-1 comes after it, and the run covers the word before.
func shiftLeft(ops []op, i, j int, kind opKind) []op {
	eq, last := ops[i-1], ops[j-1]
	out := append([]op(nil), ops[:i-1]...)
	if kind == opInsert {
		out = append(out, op{kind, eq.a, eq.b})
		for _, o := range ops[i : j-1] {
			out = append(out, op{kind, eq.a, o.b})
		}
		out = append(out, op{opEqual, eq.a, last.b})
	} else {
		out = append(out, op{kind, eq.a, eq.b})
		for _, o := range ops[i : j-1] {
			out = append(out, op{kind, o.a, eq.b})
		}
		out = append(out, op{opEqual, last.a, eq.b})
	}
	return append(out, ops[j:]...)
}

// score rates a run starting at ops[i]: after white space best, then
// after punctuation, and starting with a word or a quote.
func score(ops []op, i int, ta []string, tok func(op) string) int {
	sc := 0
	if first := tok(ops[i]); isWordToken(first) || first == `"` || first == "'" {
		sc++
	}
	if i > 0 && ops[i-1].kind == opEqual {
		switch prev := ta[ops[i-1].a]; {
		case strings.TrimSpace(prev) == "":
			sc += 2
		case !isWordToken(prev):
			sc++
		}
	}
	return sc
}

// writeWordLines writes text as diff lines starting with mark, one per
// line of text; nothing for an empty text.
func writeWordLines(out *strings.Builder, mark byte, text string) {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		out.WriteByte(mark)
		out.WriteString(line)
		out.WriteByte('\n')
	}
}

// tokens cuts s into words (letters, digits and . - _ @, so that a host
// name or an address is one word), runs of white space, and single other
// characters.
func tokens(s string) []string {
	var out []string
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n := size
		switch {
		case isWord(r):
			for n < len(s) {
				r, size := utf8.DecodeRuneInString(s[n:])
				if !isWord(r) {
					break
				}
				n += size
			}
		case r == ' ' || r == '\t':
			for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
				n++
			}
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_@", r)
}

// writeHunkHeader writes a hunk's "@@ -a,n +b,m @@" line.
func writeHunkHeader(out *strings.Builder, ops []op) {
	aStart, bStart := ops[0].a, ops[0].b
	aLen, bLen := 0, 0
	for _, o := range ops {
		if o.kind != opInsert {
			aLen++
		}
		if o.kind != opDelete {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
}
