// Package fastyaml reads the YAML subset that Sigma rules are written in into
// the same yaml.Node trees yaml.v3 builds (Kind, Style, Tag, Value, Line,
// Column, Content; comments are not kept, the decoder does not read them),
// ten to fifteen times faster on the SigmaHQ corpus. Anything outside the
// subset makes it decline, and the loader parses the file with yaml.v3, so
// behaviour and error messages stay yaml.v3's. Its tests compare the two
// on the corpus, the repository's YAML, generated documents and fuzzed
// input.
//
// The subset: documents separated by "---" lines; block mappings whose keys
// are one-line plain or quoted scalars; block sequences; one-line plain,
// single-quoted and double-quoted scalars; literal and folded block scalars
// (|, >, with - or + chomping); one-line flow sequences and mappings of
// scalars and flow collections; comments. Declined: anchors, aliases, tags,
// directives, "...", complex keys, merge keys, scalars or flow collections
// over several lines, block scalars with an indentation indicator or no
// content, tabs outside comments, CR, BOM and other special characters.
package fastyaml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fastDeclined is the panic value that abandons the fast parse.
type fastDeclined struct{}

// fastMaxDepth bounds nesting; deeper files go to yaml.v3.
const fastMaxDepth = 100

// fastMaxKey is below the 1024 characters within which yaml.v3 must find
// an implicit key's ':'.
const fastMaxKey = 1000

type Parser struct {
	src       string
	ascii     bool // no multi-byte characters: columns are byte offsets
	pos       int
	line      int // 1-based line of pos
	lineStart int // offset of the first byte of that line
	depth     int

	// next's cached answer while pos has not moved.
	peekPos, peekInd int
	peekOK           bool

	// col's last answer: column colVal at offset colPos of the line
	// starting at colLine.
	colLine, colPos, colVal int

	nodes arena[yaml.Node]  // the nodes
	ptrs  arena[*yaml.Node] // the Content slices
	stack []*yaml.Node      // children of the collections being read
	buf   []byte            // scratch for values that are not a slice of src
}

// Parsers are reused with their memory: a Sigma file has about a hundred
// nodes, and allocating them anew for every file was most of the
// loader's allocation.
var parsers = sync.Pool{New: func() any { return new(Parser) }}

// Parse returns the documents yaml.v3 would read from data, each a
// DocumentNode, or ok false when data is outside the subset. The nodes
// belong to p: call p.Release when done with them.
func Parse(data []byte) (docs []*yaml.Node, p *Parser, ok bool) {
	ascii, valid := fastChars(data)
	if !valid {
		return nil, nil, false
	}
	p = parsers.Get().(*Parser)
	p.src, p.ascii, p.pos, p.line, p.lineStart, p.depth, p.peekPos, p.colLine = string(data), ascii, 0, 1, 0, 0, -1, -1
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(fastDeclined); !is {
				panic(r)
			}
			p.Release()
			docs, p, ok = nil, nil, false
		}
	}()
	return p.stream(), p, true
}

// Release returns the parser and its nodes to the pool.
func (p *Parser) Release() {
	p.nodes.reset()
	p.ptrs.reset()
	clear(p.stack)
	p.src, p.stack = "", p.stack[:0]
	parsers.Put(p)
}

// arena hands out slices of chunks that are kept for the next file.
type arena[T any] struct {
	chunks [][]T
	n      int // chunks in use
	used   int // items used in the last of them
}

// arenaChunk is the size of a chunk: a few times a typical rule's nodes.
const arenaChunk = 512

func (a *arena[T]) alloc(k int) []T {
	if a.n == 0 || a.used+k > arenaChunk {
		if k > arenaChunk {
			return make([]T, k)
		}
		if a.n == len(a.chunks) {
			a.chunks = append(a.chunks, make([]T, arenaChunk))
		}
		a.n++
		a.used = 0
	}
	s := a.chunks[a.n-1][a.used : a.used+k : a.used+k]
	a.used += k
	return s
}

// reset makes every chunk free. What the chunks hold is overwritten as
// they are handed out again; until then they keep the last files' text
// alive, which costs less than clearing the chunks for every file did.
func (a *arena[T]) reset() {
	a.n, a.used = 0, 0
}

// fastChars checks that data holds only characters yaml.v3 reads the same
// way as the fast parser: printable UTF-8 without CR, NEL, LS, PS or BOM
// (tabs are checked where they occur).
func fastChars(data []byte) (ascii, ok bool) {
	ascii = true
	for i := 0; i < len(data); {
		if i+8 <= len(data) && plainWord(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
			continue
		}
		c := data[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		if c < 0x80 {
			return false, false
		}
		ascii = false
		r, size := utf8.DecodeRune(data[i:])
		if size == 1 || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe && r <= 0xffff {
			return false, false
		}
		i += size
	}
	return ascii, true
}

// plainWord reports whether eight bytes are all printable ASCII, line
// feeds or tabs, a byte at a time within the word: with the high bit set
// first, subtracting from a byte never borrows from the next.
func plainWord(x uint64) bool {
	const hi, ones = 0x8080808080808080, 0x0101010101010101
	if (x|(x+ones))&hi != 0 { // a byte of 0x7f or more
		return false
	}
	below := ^((x | hi) - 0x20*ones) & hi        // bytes below 0x20
	lf := ^(((x ^ '\n'*ones) | hi) - ones) & hi  // line feeds
	tab := ^(((x ^ '\t'*ones) | hi) - ones) & hi // tabs
	return below&^(lf|tab) == 0
}

func (p *Parser) decline() { panic(fastDeclined{}) }

func (p *Parser) node(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) *yaml.Node {
	n := &p.nodes.alloc(1)[0]
	*n = yaml.Node{Kind: kind, Style: style, Tag: tag, Value: value, Line: line, Column: col}
	return n
}

// content moves the children pushed since base into a Content slice.
func (p *Parser) content(base int) []*yaml.Node {
	k := len(p.stack) - base
	if k == 0 {
		return nil
	}
	out := p.ptrs.alloc(k)
	copy(out, p.stack[base:])
	p.stack = p.stack[:base]
	return out
}

// col is the 1-based column of an offset on the current line, in
// characters as yaml.v3 counts them. With multi-byte characters it counts
// on from the last offset asked about on the line, so that a long line
// is not counted over for each of its nodes.
func (p *Parser) col(pos int) int {
	if p.ascii {
		return pos - p.lineStart + 1
	}
	if p.colLine != p.lineStart || p.colPos > pos {
		p.colLine, p.colPos, p.colVal = p.lineStart, p.lineStart, 1
	}
	for ; p.colPos < pos; p.colPos++ {
		if p.src[p.colPos]&0xc0 != 0x80 {
			p.colVal++
		}
	}
	return p.colVal
}

// newline moves to the line that starts at pos.
func (p *Parser) newline(pos int) {
	p.pos, p.lineStart = pos, pos
	p.line++
}

// blankAt reports whether i is past the end, a space or a line break
// (tabs are declined where they matter).
func (p *Parser) blankAt(i int) bool {
	return i >= len(p.src) || p.src[i] == ' ' || p.src[i] == '\n' || p.src[i] == '\t'
}

func (p *Parser) skipSpaces() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] == '\t' {
		p.decline()
	}
}

// atLineEnd reports, after skipSpaces, whether the line has nothing more
// than a comment.
func (p *Parser) atLineEnd() bool {
	return p.pos >= len(p.src) || p.src[p.pos] == '\n' || p.src[p.pos] == '#'
}

// endLine consumes the rest of a line, which must be spaces and an
// optional comment, and its line break.
func (p *Parser) endLine() {
	start := p.pos
	p.skipSpaces()
	if p.pos < len(p.src) && p.src[p.pos] == '#' {
		if p.pos == start && p.pos > p.lineStart && p.src[p.pos-1] != ' ' {
			p.decline()
		}
		if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
			p.pos += i
		} else {
			p.pos = len(p.src)
		}
	}
	if p.pos < len(p.src) {
		if p.src[p.pos] != '\n' {
			p.decline()
		}
		p.newline(p.pos + 1)
	}
}

// next moves to the first character of the next line with content,
// skipping empty and comment lines, and returns its indentation. ok is
// false at the end of the file or at a "---" line (pos then at its start).
func (p *Parser) next() (ind int, ok bool) {
	if p.pos == p.peekPos {
		return p.peekInd, p.peekOK
	}
	for {
		i := p.pos
		for i < len(p.src) && p.src[i] == ' ' {
			i++
		}
		if i < len(p.src) && p.src[i] == '#' {
			if j := strings.IndexByte(p.src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(p.src)
			}
		}
		if i >= len(p.src) {
			p.pos, ind, ok = i, 0, false
			break
		}
		if p.src[i] == '\n' {
			p.newline(i + 1)
			continue
		}
		if p.src[i] == '\t' {
			p.decline()
		}
		ind = i - p.pos
		if ind == 0 {
			if p.src[i] == '%' || p.marker(i, '.') {
				p.decline()
			}
			if p.marker(i, '-') {
				ok = false
				break
			}
		}
		p.pos, ok = i, true
		break
	}
	p.peekPos, p.peekInd, p.peekOK = p.pos, ind, ok
	return ind, ok
}

// marker reports a document marker ("---" or "...") at line start i.
func (p *Parser) marker(i int, c byte) bool {
	return i+3 <= len(p.src) && p.src[i] == c && p.src[i+1] == c && p.src[i+2] == c && p.blankAt(i+3)
}

func (p *Parser) stream() []*yaml.Node {
	var docs []*yaml.Node
	for {
		ind, ok := p.next()
		if p.pos >= len(p.src) {
			return docs
		}
		var doc *yaml.Node
		if !ok { // "---"
			doc = p.node(yaml.DocumentNode, 0, "", "", p.line, 1)
			p.pos += 3
			p.endLine()
			ind, ok = p.next()
			if !ok {
				line := p.line
				if p.pos > p.lineStart { // the end of a last line without a line break
					line++
				}
				base := len(p.stack)
				p.stack = append(p.stack, p.node(yaml.ScalarNode, 0, "!!null", "", line, 1))
				doc.Content = p.content(base)
				docs = append(docs, doc)
				continue
			}
		}
		root := p.blockNode(ind, -1)
		if root.Kind == yaml.ScalarNode {
			p.decline()
		}
		if doc == nil {
			doc = p.node(yaml.DocumentNode, 0, "", "", root.Line, root.Column)
		}
		base := len(p.stack)
		p.stack = append(p.stack, root)
		doc.Content = p.content(base)
		docs = append(docs, doc)
		if _, ok := p.next(); ok {
			p.decline()
		}
	}
}

// blockNode reads the node that starts at pos, in column ind, inside a
// block collection at column parent (-1 at the top).
func (p *Parser) blockNode(ind, parent int) *yaml.Node {
	p.depth++
	if p.depth > fastMaxDepth {
		p.decline()
	}
	defer func() { p.depth-- }()
	switch p.src[p.pos] {
	case '-':
		if p.blankAt(p.pos + 1) {
			return p.blockSeq(ind, false)
		}
	case '[', '{':
		n := p.flowCollection()
		p.endLine()
		return n
	case '|', '>':
		return p.blockScalar(parent)
	}
	n := p.scalar(false)
	if p.keyFollows() {
		return p.blockMap(ind, n)
	}
	p.endLine()
	return n
}

// keyFollows reports whether a ':' that makes the scalar just read a key
// follows, leaving pos at the ':' if so.
func (p *Parser) keyFollows() bool {
	i := p.pos
	for i < len(p.src) && p.src[i] == ' ' {
		i++
	}
	if i < len(p.src) && p.src[i] == ':' && p.blankAt(i+1) {
		p.pos = i
		return true
	}
	return false
}

// blockMap reads a block mapping at column ind whose first key has been
// read; pos is at that key's ':'.
func (p *Parser) blockMap(ind int, key *yaml.Node) *yaml.Node {
	m := p.node(yaml.MappingNode, 0, "!!map", "", key.Line, key.Column)
	base := len(p.stack)
	for {
		if p.pos-p.lineStart > fastMaxKey {
			p.decline()
		}
		p.pos++                           // ':'
		line, col := p.line, p.col(p.pos) // yaml.v3 puts an empty value after the ':'
		p.stack = append(p.stack, key)
		p.skipSpaces()
		var val *yaml.Node
		if p.atLineEnd() {
			p.endLine()
			next, ok := p.next()
			switch {
			case ok && next > ind:
				val = p.blockNode(next, ind)
			case ok && next == ind && p.src[p.pos] == '-' && p.blankAt(p.pos+1):
				val = p.blockSeq(ind, true)
			default:
				val = p.node(yaml.ScalarNode, 0, "!!null", "", line, col)
			}
		} else {
			val = p.inlineValue(ind)
		}
		p.stack = append(p.stack, val)
		next, ok := p.next()
		if !ok || next < ind {
			break
		}
		if next > ind {
			p.decline()
		}
		if p.src[p.pos] == '-' && p.blankAt(p.pos+1) {
			p.decline()
		}
		key = p.scalar(false)
		if !p.keyFollows() {
			p.decline()
		}
	}
	m.Content = p.content(base)
	return m
}

// blockSeq reads a block sequence at column ind; indentless is a
// sequence at the column of the mapping whose value it is.
func (p *Parser) blockSeq(ind int, indentless bool) *yaml.Node {
	s := p.node(yaml.SequenceNode, 0, "!!seq", "", p.line, ind+1)
	base := len(p.stack)
	for {
		line, col := p.line, ind+2
		p.pos++ // '-'
		p.skipSpaces()
		var item *yaml.Node
		if p.atLineEnd() {
			p.endLine()
			if next, ok := p.next(); ok && next > ind {
				item = p.blockNode(next, ind)
			} else {
				item = p.node(yaml.ScalarNode, 0, "!!null", "", line, col)
			}
		} else {
			item = p.seqItem(ind)
		}
		p.stack = append(p.stack, item)
		next, ok := p.next()
		if !ok || next < ind {
			break
		}
		if next > ind {
			p.decline()
		}
		if p.src[p.pos] != '-' || !p.blankAt(p.pos+1) {
			if indentless {
				break
			}
			p.decline()
		}
	}
	s.Content = p.content(base)
	return s
}

// seqItem reads a sequence item that starts on the line of its '-': a
// value, or a mapping whose first key is there.
func (p *Parser) seqItem(parent int) *yaml.Node {
	switch p.src[p.pos] {
	case '-':
		if p.blankAt(p.pos + 1) {
			p.decline() // a sequence in a sequence on one line
		}
	case '[', '{', '|', '>':
		return p.inlineValue(parent)
	}
	p.depth++
	if p.depth > fastMaxDepth {
		p.decline()
	}
	defer func() { p.depth-- }()
	ind := p.pos - p.lineStart // only spaces and '-' before it
	n := p.scalar(false)
	if p.keyFollows() {
		return p.blockMap(ind, n)
	}
	p.endLine()
	return n
}

// inlineValue reads a value that starts on the line of its key or '-'.
func (p *Parser) inlineValue(parent int) *yaml.Node {
	var n *yaml.Node
	switch p.src[p.pos] {
	case '|', '>':
		return p.blockScalar(parent)
	case '[', '{':
		n = p.flowCollection()
	default:
		n = p.scalar(false)
		if p.keyFollows() {
			p.decline() // yaml.v3: "mapping values are not allowed in this context"
		}
	}
	p.endLine()
	return n
}

// scalar reads a one-line plain, single-quoted or double-quoted scalar.
func (p *Parser) scalar(flow bool) *yaml.Node {
	line, col := p.line, p.col(p.pos)
	switch p.src[p.pos] {
	case '\'':
		return p.node(yaml.ScalarNode, yaml.SingleQuotedStyle, "!!str", p.singleQuoted(), line, col)
	case '"':
		return p.node(yaml.ScalarNode, yaml.DoubleQuotedStyle, "!!str", p.doubleQuoted(), line, col)
	}
	v := p.plain(flow)
	return p.node(yaml.ScalarNode, 0, plainTag(v), v, line, col)
}

// plainTag is the tag yaml.v3 resolves a plain scalar to. The common
// cases are answered here (a value with a character no number or
// timestamp can hold is a string); the others ask yaml.v3.
func plainTag(v string) string {
	if v == "" {
		return "!!null"
	}
	switch c := v[0]; {
	case c >= '0' && c <= '9':
		if len(v) > 1 && c == '0' && (v[1] == 'x' || v[1] == 'X') {
			break
		}
		if isDecimal(v) {
			return "!!int"
		}
		if isDate(v) {
			return "!!timestamp"
		}
		if !onlyIn(v, &digitForms) {
			return "!!str"
		}
	case c == '+' || c == '-' || c == '.':
		if !onlyIn(v, &numberForms) {
			return "!!str"
		}
	default: // yaml.v3's spellings of booleans and null (not yes, no, on, off)
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
		return "!!str"
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
}

// digitForms holds every character of what yaml.v3 reads as a number or
// timestamp when it starts with a digit (other than 0x hexadecimal):
// 1_000, 0o17, 0b101, 1.5e3, 2001-12-14t21:59:43.10+05:00 (Go also takes
// a comma before fractional seconds). numberForms adds what may follow a
// sign or a leading dot: -0x1f, .inf, -.NaN.
var (
	digitForms  = charSet("0123456789_-+.:, eEtTzZbBoO")
	numberForms = charSet("0123456789_-+.:, eEtTzZbBoOxXaAcCdDfFiInN")
)

func charSet(chars string) (set [256]bool) {
	for i := range len(chars) {
		set[chars[i]] = true
	}
	return set
}

func onlyIn(v string, set *[256]bool) bool {
	for i := range len(v) {
		if !set[v[i]] {
			return false
		}
	}
	return true
}

// isDecimal reports a decimal integer that fits an int64 without a
// leading zero (which yaml.v3 reads as octal).
func isDecimal(v string) bool {
	if len(v) > 18 || v[0] == '0' && len(v) > 1 {
		return false
	}
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// isDate reports a valid date written YYYY-MM-DD, which yaml.v3 reads as
// a timestamp.
func isDate(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	n := [8]int{}
	for i, j := range [8]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if v[j] < '0' || v[j] > '9' {
			return false
		}
		n[i] = int(v[j] - '0')
	}
	year, month, day := n[0]*1000+n[1]*100+n[2]*10+n[3], n[4]*10+n[5], n[6]*10+n[7]
	return month >= 1 && month <= 12 && day >= 1 && day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// blockStops and flowStops are the characters a plain scalar's scan
// stops at to look closer.
var (
	blockStops = charSet("\n \t:")
	flowStops  = charSet("\n \t:,[]{}?")
)

// plain reads a one-line plain scalar. In block context it ends before
// ": ", " #" or the line end; in flow context also before , [ ] { }.
func (p *Parser) plain(flow bool) string {
	src := p.src
	start := p.pos
	switch c := src[start]; c {
	case '-':
		if p.blankAt(start+1) || flow && strings.IndexByte(",[]{}", src[start+1]) >= 0 {
			p.decline()
		}
	case '?', ':':
		if flow || p.blankAt(start+1) {
			p.decline()
		}
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\t', '\n':
		p.decline()
	}
	end := start
	stops := &blockStops
	if flow {
		stops = &flowStops
	}
scan:
	for i := start; i < len(src); {
		j := i
		for j < len(src) && !stops[src[j]] {
			j++
		}
		if j > i {
			i, end = j, j
		}
		if i == len(src) {
			break
		}
		c := src[i]
		switch {
		case c == '\n':
			break scan
		case c == ' ':
			j := i + 1
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j >= len(src) || src[j] == '\n' || src[j] == '#' {
				if flow {
					p.decline() // a flow collection over several lines, or a comment in it
				}
				break scan
			}
			i = j
			continue
		case c == '\t':
			p.decline()
		case c == ':':
			if p.blankAt(i + 1) {
				if i+1 < len(src) && src[i+1] == '\t' {
					p.decline()
				}
				break scan
			}
			if flow {
				p.decline()
			}
		case flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}'):
			break scan
		case flow && c == '?':
			p.decline()
		}
		i++
		end = i
	}
	v := src[start:end]
	if v == "<<" {
		p.decline() // a merge key
	}
	p.pos = end
	return v
}

// singleQuoted reads a one-line single-quoted scalar (” is a quote).
func (p *Parser) singleQuoted() string {
	src := p.src
	start := p.pos + 1
	copied := false
	p.buf = p.buf[:0]
	for i := start; i < len(src); i++ {
		switch src[i] {
		case '\'':
			if i+1 < len(src) && src[i+1] == '\'' {
				if !copied {
					p.buf = append(p.buf, src[start:i]...)
					copied = true
				}
				p.buf = append(p.buf, '\'')
				i++
				continue
			}
			p.pos = i + 1
			if !copied {
				return src[start:i]
			}
			return string(p.buf)
		case '\n', '\t':
			p.decline()
		}
		if copied {
			p.buf = append(p.buf, src[i])
		}
	}
	p.decline()
	return ""
}

// doubleQuoted reads a one-line double-quoted scalar with yaml.v3's
// escapes.
func (p *Parser) doubleQuoted() string {
	src := p.src
	start := p.pos + 1
	copied := false
	p.buf = p.buf[:0]
	for i := start; i < len(src); {
		c := src[i]
		switch c {
		case '"':
			p.pos = i + 1
			if !copied {
				return src[start:i]
			}
			return string(p.buf)
		case '\n', '\t':
			p.decline()
		case '\\':
			if !copied {
				p.buf = append(p.buf, src[start:i]...)
				copied = true
			}
			i = p.escape(i + 1)
			continue
		}
		if copied {
			p.buf = append(p.buf, c)
		}
		i++
	}
	p.decline()
	return ""
}

// escape appends the character the escape after a backslash at i stands
// for and returns the offset after it.
func (p *Parser) escape(i int) int {
	src := p.src
	if i >= len(src) {
		p.decline()
	}
	var s string
	n := 0
	switch src[i] {
	case '0':
		s = "\x00"
	case 'a':
		s = "\a"
	case 'b':
		s = "\b"
	case 't':
		s = "\t"
	case 'n':
		s = "\n"
	case 'v':
		s = "\v"
	case 'f':
		s = "\f"
	case 'r':
		s = "\r"
	case 'e':
		s = "\x1b"
	case ' ':
		s = " "
	case '"':
		s = "\""
	case '\'':
		s = "'"
	case '\\':
		s = "\\"
	case 'N':
		s = "\u0085"
	case '_':
		s = "\u00a0"
	case 'L':
		s = "\u2028"
	case 'P':
		s = "\u2029"
	case 'x':
		n = 2
	case 'u':
		n = 4
	case 'U':
		n = 8
	default: // including a tab and an escaped line break
		p.decline()
	}
	i++
	if n == 0 {
		p.buf = append(p.buf, s...)
		return i
	}
	if i+n > len(src) {
		p.decline()
	}
	v := 0
	for _, c := range []byte(src[i : i+n]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 + int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 + int(c-'A'+10)
		default:
			p.decline()
		}
	}
	if v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
		p.decline()
	}
	p.buf = utf8.AppendRune(p.buf, rune(v))
	return i + n
}

// blockScalar reads a literal (|) or folded (>) block scalar the way
// yaml.v3's scanner does, for a node inside a block collection at column
// parent.
func (p *Parser) blockScalar(parent int) *yaml.Node {
	src := p.src
	line, col := p.line, p.col(p.pos)
	style := yaml.LiteralStyle
	if src[p.pos] == '>' {
		style = yaml.FoldedStyle
	}
	p.pos++
	chomp := 0
	if p.pos < len(src) && (src[p.pos] == '+' || src[p.pos] == '-') {
		chomp = 1
		if src[p.pos] == '-' {
			chomp = -1
		}
		p.pos++
	}
	if p.pos < len(src) && src[p.pos] >= '0' && src[p.pos] <= '9' {
		p.decline() // an indentation indicator
	}
	p.skipSpaces()
	if p.pos < len(src) && src[p.pos] == '#' {
		if i := strings.IndexByte(src[p.pos:], '\n'); i >= 0 {
			p.pos += i
		} else {
			p.pos = len(src)
		}
	}
	if p.pos >= len(src) {
		p.decline() // no content
	}
	if src[p.pos] != '\n' {
		p.decline()
	}
	p.newline(p.pos + 1)

	indent := 0
	trailing := p.blockBreaks(&indent, parent)
	s := p.buf[:0]
	leadingBreak, leadingBlank := false, false
	lines := 0
	for p.pos-p.lineStart == indent && p.pos < len(src) {
		blank := src[p.pos] == ' '
		if style == yaml.FoldedStyle && leadingBreak && !leadingBlank && !blank {
			if trailing == 0 {
				s = append(s, ' ')
			}
		} else if leadingBreak {
			s = append(s, '\n')
		}
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
		leadingBlank = blank
		end := strings.IndexByte(src[p.pos:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += p.pos
		}
		if strings.IndexByte(src[p.pos:end], '\t') >= 0 {
			p.decline()
		}
		s = append(s, src[p.pos:end]...)
		leadingBreak = false
		if end < len(src) {
			p.newline(end + 1)
			leadingBreak = true
		} else {
			p.pos = end
		}
		lines++
		trailing = p.blockBreaks(&indent, parent)
	}
	if lines == 0 {
		p.decline()
	}
	if chomp != -1 && leadingBreak {
		s = append(s, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
	}
	p.buf = s
	if p.pos < len(src) {
		p.pos = p.lineStart // the next line with content starts here
	}
	return p.node(yaml.ScalarNode, style, "!!str", string(s), line, col)
}

// blockBreaks skips the indentation and empty lines before a block
// scalar's next line, sets the indentation on the first call and returns
// the number of line breaks skipped. pos is left after the indentation.
func (p *Parser) blockBreaks(indent *int, parent int) int {
	src := p.src
	breaks, maxIndent := 0, 0
	for {
		for (*indent == 0 || p.pos-p.lineStart < *indent) && p.pos < len(src) && src[p.pos] == ' ' {
			p.pos++
		}
		maxIndent = max(maxIndent, p.pos-p.lineStart)
		if p.pos < len(src) && src[p.pos] == '\t' {
			p.decline()
		}
		if p.pos >= len(src) || src[p.pos] != '\n' {
			break
		}
		p.newline(p.pos + 1)
		breaks++
	}
	if *indent == 0 {
		*indent = max(maxIndent, parent+1, 1)
	}
	return breaks
}

// flowCollection reads a one-line flow sequence or mapping.
func (p *Parser) flowCollection() *yaml.Node {
	p.depth++
	if p.depth > fastMaxDepth {
		p.decline()
	}
	defer func() { p.depth-- }()
	src := p.src
	seq := src[p.pos] == '['
	var n *yaml.Node
	closer := byte('}')
	if seq {
		n = p.node(yaml.SequenceNode, yaml.FlowStyle, "!!seq", "", p.line, p.col(p.pos))
		closer = ']'
	} else {
		n = p.node(yaml.MappingNode, yaml.FlowStyle, "!!map", "", p.line, p.col(p.pos))
	}
	p.pos++
	base := len(p.stack)
	p.flowSpaces()
	if src[p.pos] == closer {
		p.pos++
		return n
	}
	for {
		if seq {
			p.stack = append(p.stack, p.flowItem())
		} else {
			if c := src[p.pos]; c == '[' || c == '{' {
				p.decline() // a complex key
			}
			start := p.pos
			p.stack = append(p.stack, p.scalar(true))
			p.flowSpaces()
			if src[p.pos] != ':' || p.pos+1 >= len(src) || src[p.pos+1] != ' ' || p.pos-start > fastMaxKey {
				p.decline()
			}
			p.pos++
			p.flowSpaces()
			p.stack = append(p.stack, p.flowItem())
		}
		p.flowSpaces()
		switch src[p.pos] {
		case ',':
			p.pos++
			p.flowSpaces()
			if src[p.pos] == closer {
				p.decline() // a trailing comma
			}
			continue
		case closer:
			p.pos++
		default:
			p.decline()
		}
		break
	}
	n.Content = p.content(base)
	return n
}

// flowItem reads a scalar or flow collection inside a flow collection.
func (p *Parser) flowItem() *yaml.Node {
	switch p.src[p.pos] {
	case '[', '{':
		return p.flowCollection()
	}
	return p.scalar(true)
}

// flowSpaces skips spaces inside a flow collection, which must go on on
// the same line.
func (p *Parser) flowSpaces() {
	p.skipSpaces()
	if p.pos >= len(p.src) || p.src[p.pos] == '\n' || p.src[p.pos] == '#' {
		p.decline()
	}
}

// Decode appends the documents yaml.v3 reads from data to docs, up to
// its first error: the reader of files outside the subset.
func Decode(data []byte, docs *[]*yaml.Node) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(doc.Content) == 1 {
			*docs = append(*docs, &doc)
		}
	}
}
