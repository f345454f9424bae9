package fastyaml

import (
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// v3Docs reads data with yaml.v3 as the loader does; a panic is an error.
func v3Docs(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml.v3 panicked: %v", p)
		}
	}()
	err = Decode(data, &docs)
	return docs, err
}

// treeDiff describes the first difference between two trees in the
// fields the decoder reads (and Anchor and Alias, which the fast parser
// never sets), or returns "".
func treeDiff(path string, a, b *yaml.Node) string {
	if a == nil || b == nil {
		if a != b {
			return path + ": one node is nil"
		}
		return ""
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Line != b.Line || a.Column != b.Column || a.Anchor != b.Anchor || (a.Alias == nil) != (b.Alias == nil) ||
		len(a.Content) != len(b.Content) {
		return fmt.Sprintf("%s: fast {kind %d style %d tag %q value %q at %d:%d, %d children} != yaml.v3 {kind %d style %d tag %q value %q at %d:%d, %d children}",
			path, a.Kind, a.Style, a.Tag, a.Value, a.Line, a.Column, len(a.Content),
			b.Kind, b.Style, b.Tag, b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if d := treeDiff(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// fastDiff runs both parsers on data. It reports whether the fast parser
// read it and, if so, how its documents differ from yaml.v3's ("" when
// they are the same).
func fastDiff(data []byte) (fast bool, diff string) {
	docs, p, ok := Parse(data)
	if !ok {
		return false, ""
	}
	defer p.Release()
	want, err := v3Docs(data)
	if err != nil {
		return true, "the fast parser read a file yaml.v3 rejects: " + err.Error()
	}
	if len(docs) != len(want) {
		return true, fmt.Sprintf("fast parser read %d documents, yaml.v3 %d", len(docs), len(want))
	}
	for i := range docs {
		if d := treeDiff(fmt.Sprintf("doc%d", i), docs[i], want[i]); d != "" {
			return true, d
		}
	}
	return true, ""
}

// TestFastYAMLCorpus checks the fast parser against yaml.v3 on every
// SigmaHQ rule: it reads at least 99% of them, with the same trees.
func TestFastYAMLCorpus(t *testing.T) {
	files := testutil.SigmaCorpusFiles(t)
	fast := 0
	var declined []string
	for name, data := range files {
		ok, diff := fastDiff(data)
		require.Empty(t, diff, name)
		if ok {
			fast++
		} else {
			declined = append(declined, name)
		}
	}
	sort.Strings(declined)
	t.Logf("fast path: %d of %d corpus files (%.2f%%); declined: %v", fast, len(files), 100*float64(fast)/float64(len(files)), declined)
	assert.GreaterOrEqual(t, fast*100, len(files)*99)
}

// TestFastYAMLRepo checks the fast parser against yaml.v3 on every YAML
// file of the repository (rules, fixtures, profiles, CI files). The
// Sigma rules of this package's testdata and of detections/ must all take
// the fast path.
func TestFastYAMLRepo(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	fast, total := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".yml") && !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ok, diff := fastDiff(data)
		require.Empty(t, diff, path)
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(rel, "internal/sigma/testdata/rules/") || strings.HasPrefix(rel, "detections/") {
			assert.True(t, ok, "%s: the fast parser declined it", rel)
		}
		total++
		if ok {
			fast++
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("fast path: %d of %d repository YAML files", fast, total)
	require.Greater(t, total, 10)
}

// fastCases are inputs around the edges of the subset: want says whether
// the fast parser reads them (declining is always allowed to be correct,
// but these should not be declined, or must be).
// head starts a Sigma rule.
const head = "title: t\nlogsource:\n    category: proxy\n"

var fastCases = []struct {
	name string
	data string
	fast bool
}{
	{"rule", head + "detection:\n    sel:\n        a|contains: b\n    condition: sel\n", true},
	{"empty", "", true},
	{"comments only", "# a\n  # b\n", true},
	{"empty documents", "---\n---\n", true},
	{"empty document at the end", "a: b\n---\n", true},
	{"empty document without newline", "a: b\n---", true},
	{"empty document then comment", "a: b\n--- # x\n# y", true},
	{"documents", "a: b\n---\nc: d\n--- \ne: f\n", true},
	{"document start with comment", "--- # c\na: 1\n", true},
	{"second document without ---", "a: b\n...\nc: d\n", false},
	{"types", "a: 1\nb: 0x10\nc: 1.5\nd: true\ne: ~\nf: null\ng: 2023-01-02\nh: 2023/01/02\ni: .inf\nj: -.5\nk: +1\nl: 0o17\nm: 1_000\nn: yes\no: No\np: '1'\nq: \"true\"\n", true},
	{"empty values", "a:\nb:   \nc: # c\nd:\n  # only a comment\ne:\n", true},
	{"key spacing", "a : b\n'q'  : c\n\"d\": e\n", true},
	{"plain with colons and hashes", "a: http://x:8080/#frag\nb: a#b\nc: x :y\nd: -x\ne: :x\nf: ?x\n", true},
	{"plain ends at comment", "a: b c   # comment\nb: c#d # e\n", true},
	{"trailing spaces", "a: b   \nc: 'd'   \n", true},
	{"single quoted", "a: 'it''s'\nb: ''\nc: '\\x'\nd: '  sp  '\n", true},
	{"double quoted", "a: \"x\\ty\\n\\\\\\\"\\u00e9\\x41\\U0001F600\\0\\a\\b\\v\\f\\r\\e\\ \\/\"\n", false},
	{"double quoted escapes", "a: \"x\\ty\\n\\\\\\\"\\u00e9\\x41\\U0001F600\\0\\a\\b\\v\\f\\r\\e\\ \\N\\_\\L\\P\\'\"\nb: \"\"\n", true},
	{"double quoted bad escape", "a: \"\\q\"\n", false},
	{"double quoted surrogate", "a: \"\\ud800\"\n", false},
	{"block sequence", "a:\n    - x\n    - 'y'\n    -\n    - z: 1\n      w: 2\n    - - n\n", false},
	{"block sequences", "a:\n    - x\n    - 'y'\n    -\n    - z: 1\n      w: 2\n    -   v: 3\n    -\n        u: 4\n    - # c\n      t\nb: 1\n", true},
	{"indentless sequence", "a:\n- x\n- y: 1\n  z: 2\n-\nb:\n- c\n", true},
	{"indentless sequence in item", "- a:\n  - x\n  b: 1\n- c\n", true},
	{"root sequence", "- a\n- b\n", true},
	{"root scalar", "a\n", false},
	{"root at column 2", "  a: b\n  c: d\n", true},
	{"dedent to no level", "a:\n    b: c\n  d: e\n", false},
	{"more indented after value", "a: b\n  c: d\n", false},
	{"multi-line plain", "a: b\n  c\n", false},
	{"multi-line plain after comment", "a: b\n  # x\n  c\n", false},
	{"multi-line quoted", "a: 'b\n  c'\n", false},
	{"value on next line", "a:\n    b\nc:\n    'd'\n", true},
	{"literal", "a: |\n    x\n      y\n\n    z\n\n\nb: 1\n", true},
	{"literal keep", "a: |+\n    x\n\n\nb: |+\n    y\n", true},
	{"literal strip", "a: |-\n    x\n\n", true},
	{"folded", "a: >\n    x\n    y\n\n    z\n      more\n    w\nb: >-\n    c\n    d\n", true},
	{"folded keep", "a: >+\n  x\n  y\n\n", true},
	{"block scalar comment", "a: | # c\n  x\n# not content\nb: >- #c\n   y\n", true},
	{"block scalar with comment lines", "a: |\n  x\n  # content\n  y\n", true},
	{"block scalar in sequence", "- |\n  x\n- >\n  y\n  z\n", true},
	{"block scalar leading blank lines", "a: |\n\n  \n   x\n", true},
	{"block scalar more indented blank line", "a: |\n     \n  x\n", false},
	{"block scalar no newline", "a: |\n  x", true},
	{"block scalar indentation indicator", "a: |2\n   x\n", false},
	{"block scalar empty", "a: |\nb: 1\n", false},
	{"block scalar at end", "a: |", false},
	{"block scalar trailing spaces line", "a: |\n  x\n \n", true},
	{"flow", "a: [x, 'y', \"z\", 1, [n], {k: v}]\nb: {k: v, 'q': [1, 2], r: {s: t}}\nc: []\nd: {}\ne: [ x , y ]\n", true},
	{"flow comment after", "a: [x] # c\n", true},
	{"flow over lines", "a: [x,\n  y]\n", false},
	{"flow trailing comma", "a: [x, ]\n", false},
	{"flow pair", "a: [x: y]\n", false},
	{"flow empty value", "a: {x: }\n", false},
	{"flow json key", "a: {\"x\":y}\n", false},
	{"flow url", "a: [http://x]\n", false},
	{"flow key", "[a]: b\n", false},
	{"root flow", "{a: b}\n", true},
	{"anchor", "a: &x b\nc: *x\n", false},
	{"tag", "a: !!str 1\n", false},
	{"merge", "a: {b: c}\n<<: {d: e}\n", false},
	{"complex key", "? a\n: b\n", false},
	{"tab indentation", "a:\n\tb: c\n", false},
	{"tab in comment", "a: b # x\ty\n", true},
	{"tab in value", "a: b\tc\n", false},
	{"crlf", "a: b\r\nc: d\r\n", false},
	{"bom", "\ufeffa: b\n", false},
	{"directive", "%YAML 1.2\n---\na: b\n", false},
	{"non-ASCII columns", "ä: ö\nb: [é, 'ü']\nc: {ß: x}\n", true},
	{"non-ASCII columns in a long line", "ä: [é, ü, {ß: ö, x: [ä, 'ü', \"ö\"]}, 😀, x]\n- ü:\n", false},
	{"non-ASCII columns in nested flows", "ä: [é, ü, {ß: ö, x: [ä, 'ü', \"ö\"]}, 😀, x]\nö:\n  - ü: ä\n    ß:\n", true},
	{"control character", "a: \x01\n", false},
	{"nested value on line", "a: b: c\n", false},
	{"sequence after value", "a: b\n- c\n", false},
	{"key after sequence", "a:\n  - b\n  c: d\n", false},
	{"duplicate keys", "a: 1\na: 2\n", true},
	{"long key", strings.Repeat("k", 1100) + ": v\n", false},
	{"hash without space", "a: 'b'#c\n", false},
	{"dash values", "a: -\n", false},
	{"question mark key", "? a\n", false},
	{"indicator start", "a: @x\n", false},
	{"percent not at start", "a: '%x'\nb: x%\n", true},
	{"empty key line", ": b\n", false},
	{"document end marker", "a: b\n...\n", false},
	{"deep", strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n", false},
}

func TestFastYAMLCases(t *testing.T) {
	for _, tt := range fastCases {
		t.Run(tt.name, func(t *testing.T) {
			ok, diff := fastDiff([]byte(tt.data))
			require.Empty(t, diff)
			assert.Equal(t, tt.fast, ok, "fast path")
		})
	}
}

// FuzzFastYAML compares the fast parser with yaml.v3 on any input: it may
// decline, but a tree it returns must be yaml.v3's.
func FuzzFastYAML(f *testing.F) {
	for _, tt := range fastCases {
		f.Add([]byte(tt.data))
	}
	rules, err := filepath.Glob("../testdata/rules/*.yml")
	require.NoError(f, err)
	for _, name := range rules {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, diff := fastDiff(data); diff != "" {
			t.Fatal(diff)
		}
	})
}

var tagValues = []string{
	"", "0", "00", "07", "09", "1", "123456789012345678", "1234567890123456789", "99999999999999999999",
	"0x1F", "0X1f", "-0x1F", "+1", "-1", "-", "+", ".", ".5", "-.5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
	"1e3", "1.5E-3", "1_000", "0b101", "-0b101", "0o17", "-0o17", "1.2.3", "1:20", "190:20:30",
	"2023-01-02", "2024-02-29", "2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31", "0000-01-01", "2023-1-2",
	"2001-12-14t21:59:43.10+05:00", "2001-12-14T21:59:43.10Z", "2001-12-14 21:59:43.10", "2001-12-14 21:59:43,10",
	"2023/01/02", "5f2c4ae2-4b0a-4f5c-9c3c-1e1f2a3b4c5d", "12345678-1234-1234-1234-123456789012", "12ab", "1e", "1be0",
	"true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "yes", "Yes", "no", "No", "on", "off", "y", "n",
	"null", "Null", "NULL", "~", "~x", "nullx", "falsey", "title", "t", "f", "o", "-enc", "+x", "<<", "a", "Zebra", "%x",
}

// TestPlainTag checks plainTag's shortcuts against yaml.v3's resolution.
func TestPlainTag(t *testing.T) {
	for _, v := range tagValues {
		assert.Equal(t, (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag(), plainTag(v), "%q", v)
	}
}

func FuzzPlainTag(f *testing.F) {
	for _, v := range tagValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		require.Equal(t, (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag(), plainTag(v), "%q", v)
	})
}

// TestFastChars checks the eight-bytes-at-a-time test against the rule
// for every ASCII byte at every place in a word.
func TestFastChars(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		want := c >= 0x20 && c < 0x7f || c == '\n' || c == '\t'
		for at := 0; at < 16; at++ {
			data := []byte(strings.Repeat("a", 16))
			data[at] = byte(c)
			_, ok := fastChars(data)
			require.Equal(t, want, ok, "byte %#x at %d", c, at)
		}
	}
	for _, s := range []string{"\u0085", "\u2028", "\ufeff", "\uffff", "\x80", "\xed\xa0\x80", "\u009f"} {
		_, ok := fastChars([]byte("aaaaaaaa" + s + "aaaaaaaa"))
		assert.False(t, ok, "%q", s)
	}
	ascii, ok := fastChars([]byte("aaaaaaaaé\U0001F600\u00a0\ufffdaaaaaaaa"))
	assert.True(t, ok)
	assert.False(t, ascii)
}

// yamlGen writes random documents in the fast parser's subset: block
// mappings and sequences (nested, compact "- k: v", indentless), block
// scalars, flow collections, quoted and plain scalars, comments, blank
// lines and several documents.
type yamlGen struct {
	r     *rand.Rand
	lines []string
}

var (
	genKeys   = []string{"a", "b", "'k'", "\"k q\"", "a b", "x|y", "1", "null", "-k", "é", "a "}
	genValues = []string{"a", "b c", "1", "true", "~", "'q'", "\"d\\n\\u00e9\"", "[a, b]", "{a: b}", "a #c", "x:y",
		"http://u", "-x", "'it''s'", "[a, [b]]", "{}", "[]", "2023-01-02", "0x1f", "é ü", "'é'", "a  b",
		"[ 'x' , \"y\" ]", "{a: [b, c], d: e}", "[{a: b}]", ".5", "-1", "yes", "a#b"}
)

func (g *yamlGen) add(indent int, text string) {
	g.lines = append(g.lines, strings.Repeat(" ", indent)+text)
}

func (g *yamlGen) pick(list []string) string { return list[g.r.Intn(len(list))] }

// noise sometimes adds a comment or a blank line.
func (g *yamlGen) noise() {
	switch g.r.Intn(8) {
	case 0:
		g.add(g.r.Intn(8), "# comment")
	case 1:
		g.add(g.r.Intn(4), "")
	}
}

// blockScalar ends the last line with a block scalar header and adds its
// lines, more indented than the collection at column indent.
func (g *yamlGen) blockScalar(indent int) {
	g.lines[len(g.lines)-1] += g.pick([]string{"|", ">"}) + g.pick([]string{"", "-", "+"})
	at := indent + 1 + g.r.Intn(3)
	g.add(at, "first "+g.pick(genValues))
	for n := g.r.Intn(4); n > 0; n-- {
		switch g.r.Intn(4) {
		case 0:
			g.add(0, "")
		case 1:
			g.add(at+1+g.r.Intn(2), "more indented")
		default:
			g.add(at, "text "+g.pick(genValues))
		}
	}
}

// value ends line (a key or a '-' at column indent) with a value.
func (g *yamlGen) value(line string, indent, depth int) {
	switch k := g.r.Intn(10); {
	case depth > 3 || k < 5:
		g.lines = append(g.lines, line+" "+g.pick(genValues))
	case k == 5:
		g.lines = append(g.lines, line+" ")
		g.blockScalar(indent)
	case k == 6:
		g.lines = append(g.lines, line) // empty
	case k == 7:
		g.lines = append(g.lines, line)
		g.sequence(indent, depth+1) // indentless after a key
	default:
		g.lines = append(g.lines, line)
		if g.r.Intn(2) == 0 {
			g.mapping(indent+2+2*g.r.Intn(2), depth+1)
		} else {
			g.sequence(indent+2, depth+1)
		}
	}
	g.noise()
}

func (g *yamlGen) mapping(indent, depth int) {
	for n := 1 + g.r.Intn(4); n > 0; n-- {
		g.value(strings.Repeat(" ", indent)+g.pick(genKeys)+":", indent, depth)
	}
}

func (g *yamlGen) sequence(indent, depth int) {
	for n := 1 + g.r.Intn(4); n > 0; n-- {
		if g.r.Intn(3) == 0 && depth < 4 {
			g.value(strings.Repeat(" ", indent)+"- "+g.pick(genKeys)+":", indent+2, depth+1)
			if g.r.Intn(2) == 0 {
				g.value(strings.Repeat(" ", indent+2)+g.pick(genKeys)+":", indent+2, depth+1)
			}
			continue
		}
		g.value(strings.Repeat(" ", indent)+"-", indent, depth)
	}
}

// TestFastYAMLGenerated compares the fast parser with yaml.v3 on
// generated documents, a third of them damaged (a line indented one more
// or less, two lines swapped). Every undamaged document yaml.v3 reads must
// take the fast path.
func TestFastYAMLGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	fast := 0
	const docs = 20000
	for range docs {
		g := &yamlGen{r: r}
		for d := 1 + r.Intn(2); d > 0; d-- {
			if len(g.lines) > 0 || r.Intn(3) == 0 {
				g.add(0, "---")
			}
			if r.Intn(4) == 0 {
				g.sequence(0, 0)
			} else {
				g.mapping(0, 0)
			}
		}
		damaged := r.Intn(3) == 0
		if damaged {
			i, j := r.Intn(len(g.lines)), r.Intn(len(g.lines))
			switch r.Intn(3) {
			case 0:
				g.lines[i] = " " + g.lines[i]
			case 1:
				g.lines[i] = strings.TrimPrefix(g.lines[i], " ")
			default:
				g.lines[i], g.lines[j] = g.lines[j], g.lines[i]
			}
		}
		data := strings.Join(g.lines, "\n")
		if r.Intn(2) == 0 {
			data += "\n"
		}
		ok, diff := fastDiff([]byte(data))
		require.Empty(t, diff, "%q", data)
		if !damaged && !ok {
			_, err := v3Docs([]byte(data))
			require.Error(t, err, "%q: the fast parser declined a document of its subset", data)
		}
		if ok {
			fast++
		}
	}
	t.Logf("fast path: %d of %d generated documents", fast, docs)
}
