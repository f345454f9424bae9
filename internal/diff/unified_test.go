package diff

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lines(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(f(i) + "\n")
	}
	return b.String()
}

func TestUnified(t *testing.T) {
	ten := lines(10, strconv.Itoa)
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"both empty", "", "", ""},
		{"added text", "", "a\nb\n", "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"removed text", "a\n", "", "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-a\n"},
		{"one line changed, context around it", ten, strings.Replace(ten, "5\n", "five\n", 1),
			"--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"insert at the top", "b\nc\n", "a\nb\nc\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+a\n b\n c\n"},
		{"append at the end", "a\nb\n", "a\nb\nc\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
		{"changes far apart make two hunks", lines(20, strconv.Itoa), strings.Replace(strings.Replace(lines(20, strconv.Itoa), "2\n", "two\n", 1), "19\n", "nineteen\n", 1),
			"--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n"},
		{"changes six lines apart share a hunk", ten, strings.Replace(strings.Replace(ten, "1\n", "one\n", 1), "8\n", "eight\n", 1),
			"--- a/f\n+++ b/f\n@@ -1,10 +1,10 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n"},
		{"no newline at the end", "a\nb", "a\nc", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"a newline added at the end", "a", "a\n", "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Unified("f", "f", tt.old, tt.new))
		})
	}
	assert.Equal(t, "--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+x\n", Unified("", "new", "", "x\n"), "a side without the text is /dev/null")
	assert.Equal(t, "--- a/old\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n", Unified("old", "", "x\n", ""))
}

// patch applies a unified diff made by Unified to old, checking each
// context and deleted line against it.
func patch(t *testing.T, old, d string) string {
	t.Helper()
	a := splitLines(old)
	var out []string
	pos := 0
	body := strings.SplitAfter(d, "\n")
	require.GreaterOrEqual(t, len(body), 2)
	for i := 2; i < len(body) && body[i] != ""; i++ {
		line := body[i]
		// Fold a "\ No newline" marker into the line before it.
		noNL := i+1 < len(body) && strings.HasPrefix(body[i+1], "\\ ")
		text := line[1:]
		if noNL {
			text = strings.TrimSuffix(text, "\n")
			i++
		}
		switch line[0] {
		case '@':
			var aStart int
			_, err := fmt.Sscanf(line, "@@ -%d", &aStart)
			require.NoError(t, err, line)
			if !strings.HasPrefix(line, fmt.Sprintf("@@ -%d,0 ", aStart)) {
				aStart--
			}
			require.GreaterOrEqual(t, aStart, pos)
			out = append(out, a[pos:aStart]...)
			pos = aStart
		case ' ', '-':
			require.Less(t, pos, len(a), "diff reads past the old text")
			require.Equal(t, a[pos], text, "context or deleted line does not match the old text")
			if line[0] == ' ' {
				out = append(out, text)
			}
			pos++
		case '+':
			out = append(out, text)
		default:
			t.Fatalf("unexpected diff line %q", line)
		}
	}
	out = append(out, a[pos:]...)
	return strings.Join(out, "")
}

// TestUnifiedRoundTrip: for random edits of random texts, the diff turns
// the old text into the new one, and is as short as the edits made.
func TestUnifiedRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "d\n", "e\n", "f"}
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			w := words[rnd.Intn(len(words))]
			if w == "f" && i != n-1 {
				w = "f\n"
			}
			b.WriteString(w)
		}
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		old, new := text(rnd.Intn(30)), text(rnd.Intn(30))
		if i%2 == 0 {
			// Mostly-equal pairs: a few lines edited in a longer text.
			a := splitLines(text(40))
			b := append([]string(nil), a...)
			for k := rnd.Intn(4); k >= 0 && len(b) > 0; k-- {
				j := rnd.Intn(len(b))
				if rnd.Intn(2) == 0 {
					b = append(b[:j], b[j+1:]...)
				} else {
					b = append(b[:j], append([]string{"new\n"}, b[j:]...)...)
				}
			}
			old, new = strings.Join(a, ""), strings.Join(b, "")
		}
		d := Unified("f", "f", old, new)
		if old == new {
			assert.Empty(t, d)
			continue
		}
		require.Equal(t, new, patch(t, old, d), "old %q new %q diff:\n%s", old, new, d)
		require.Equal(t, lcsEdits(splitLines(old), splitLines(new)), countEdits(d), "the diff is a shortest one: old %q new %q diff:\n%s", old, new, d)
	}
}

// lcsEdits is the edit distance (inserts and deletes) by dynamic
// programming, to check that Myers finds a shortest script.
func lcsEdits(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return len(a) + len(b) - 2*dp[0][0]
}

func countEdits(d string) int {
	n := 0
	for _, line := range strings.Split(d, "\n")[2:] {
		if strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			n++
		}
	}
	return n
}

func TestUnifiedLargeAndDifferent(t *testing.T) {
	// Beyond maxEdits the diff replaces the differing lines; it is still
	// a correct diff.
	old := lines(3000, func(i int) string { return "old " + strconv.Itoa(i) })
	new := lines(3000, func(i int) string { return "new " + strconv.Itoa(i) })
	d := Unified("f", "f", old, new)
	assert.Equal(t, new, patch(t, old, d))
	assert.Equal(t, 6000, countEdits(d))
}

func BenchmarkUnified(b *testing.B) {
	old := lines(2000, strconv.Itoa)
	new := strings.Replace(strings.Replace(old, "100\n", "x\n", 1), "1900\n", "y\n", 1)
	for i := 0; i < b.N; i++ {
		Unified("f", "f", old, new)
	}
}

// A long changed line is shown as the words that changed, with a little
// context, in Readable; Unified keeps whole lines.
func TestReadableWords(t *testing.T) {
	hosts := func(extra ...string) string {
		var hs []string
		for i := range 40 {
			hs = append(hs, fmt.Sprintf(`"host%d.example.com"`, i))
			if i == 20 {
				hs = append(hs, extra...)
			}
		}
		return "| where Host in~ (" + strings.Join(hs, ", ") + ")\n"
	}
	old, new := "T\n"+hosts(), "T\n"+hosts(`"new.example.org"`)
	assert.Equal(t, "--- a/q.kql\n+++ b/q.kql\n@@ -1,2 +1,2 @@\n"+
		` …host19.example.com", "host20.example.com", `+"\n"+
		`+"new.example.org", `+"\n"+
		` "host21.example.com", "host22.example.com…`+"\n", Readable("q.kql", "q.kql", old, new),
		"the new value whole, its quotes and the comma after it, placed after the space")
	assert.Contains(t, Unified("q.kql", "q.kql", old, new), "\n-| where Host in~", "Unified shows whole lines")
	short := Readable("q.kql", "q.kql", "T\n| where a == 1\n", "T\n| where a == 2\n")
	assert.Equal(t, Unified("q.kql", "q.kql", "T\n| where a == 1\n", "T\n| where a == 2\n"), short, "short lines stay whole")
	// A run that could sit in several places sits where it reads best.
	assert.Equal(t, "--- a/q\n+++ b/q\n@@ -1 +1 @@\n"+` …x = ("a", `+"\n"+`+"b", `+"\n"+` "c")…`+"\n",
		Readable("q", "q", `x = ("a", "c")`+strings.Repeat(" ", LongLine)+"\n", `x = ("a", "b", "c")`+strings.Repeat(" ", LongLine)+"\n"))
	assert.Equal(t, []string{"a.b-c_d@e", ":", "f", " ", "(", "\"", "x", "\"", ")", "\n"}, tokens(`a.b-c_d@e:f ("x")`+"\n"))
}
