package lucenere

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Elasticsearch runs every regex detc writes (query_string /regex/ terms,
// EQL's regex, ES|QL's RLIKE) through Lucene's RegExp, whose automaton it
// determinizes with Lucene's default limit, and rejects the query when the
// subset construction goes past it (TooComplexToDeterminizeException):
//
//   - Lucene 8 (Elasticsearch 7, and the tests' checker):
//     RegExp.toAutomaton() uses Operations.DEFAULT_MAX_DETERMINIZED_STATES,
//     10,000 states, and minimizes after every union, concatenation and
//     repetition (RegExp.toAutomatonInternal);
//   - Lucene 9 and 10 (Elasticsearch 8 and 9): DEFAULT_DETERMINIZE_WORK_LIMIT
//     is 10,000, and Operations.determinize turns it into an effort limit
//     of workLimit*10 (LUCENE-9981), the effort being the number of NFA
//     states of each subset it expands, summed. Lucene 9 still minimizes
//     each node; Lucene 10 determinizes the whole NFA once (RegexpQuery,
//     and Elasticsearch's RLikePattern.createAutomaton, which EQL and
//     ES|QL share: Operations.determinize(..., DEFAULT_DETERMINIZE_WORK_LIMIT)).
//
// Sources: apache/lucene lucene/core/src/java/org/apache/lucene/util/
// automaton/Operations.java and RegExp.java (branch_8x, branch_9x, main),
// elastic/elasticsearch x-pack/plugin/esql-core .../regex/RLikePattern.java.
//
// detc has no Lucene at compile time, so it measures the regex it wrote
// itself: the position (Glushkov) automaton of the Lucene regex, which is
// what Lucene's Operations build once their virtual epsilons are followed
// (one state per character class, counted repetitions copied out), then
// the subset construction over code-point intervals, as in
// Operations.determinize, counting both measures and stopping as soon as
// either passes its limit. The parts Lucene 8 and 9 determinize on their
// own are parts of this automaton, whose subsets hold theirs. The
// automaton differs from Lucene's in details (Lucene skips determinizing
// an automaton that is deterministic already, and minimizes parts), so
// detc refuses from stateBudget states on, a margin below Lucene's
// 10,000; the tests check the estimate against the real Lucene.
const (
	// luceneLimit is Lucene's default limit: maxDeterminizedStates in
	// Lucene 8, DEFAULT_DETERMINIZE_WORK_LIMIT in Lucene 9 and 10.
	luceneLimit = 10000
	// stateBudget is the most subset states detc lets through.
	stateBudget = luceneLimit * 9 / 10
	// workBudget is Lucene 9's effort limit (workLimit*10), with the
	// same margin.
	workBudget = luceneLimit * 10 * 9 / 10
	// maxPositions bounds the automaton detc builds: a regex with more
	// character positions (counted repetitions copied out) is refused.
	maxPositions = 50000
	// smallRegex is the size up to which a regex cannot pass either
	// budget: 2^11 subsets of at most 11 positions, and the start.
	smallRegex = 11
)

// TooComplex is a regex Elasticsearch would reject when the query runs:
// Lucene cannot determinize its automaton within its limit.
type TooComplex struct {
	// Regex is the Lucene regex; Over says which of detc's budgets it
	// passes.
	Regex, Over string
	// Wildcards is set for a wildcard pattern, whose automaton is Regex's.
	Wildcards bool
}

func (e *TooComplex) Error() string {
	what := "regular expression"
	if e.Wildcards {
		what = "wildcard pattern"
	}
	return fmt.Sprintf("Elasticsearch cannot determinize this %s within Lucene's limit of %s "+
		"(states in Lucene 8, work in Lucene 9 and 10) and rejects the query when it runs: "+
		"the subset construction of %s takes %s (detc's budget, set below Lucene's limit because its count "+
		"estimates Lucene's); bound the repetitions or split the expression",
		what, thousands(luceneLimit), quoteShort(e.Regex), e.Over)
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// quoteShort quotes s, cut after 120 characters.
func quoteShort(s string) string {
	const most = 120
	if utf8.RuneCountInString(s) > most {
		s = string([]rune(s)[:most]) + "…"
	}
	return strconv.Quote(s)
}

// CheckDeterminizable returns a *TooComplex error when Lucene could not
// determinize the regex within its limit (by detc's estimate, which errs
// on the side of refusing), and an error for syntax outside what this
// package writes.
func CheckDeterminizable(regex string) error {
	verdicts.Lock()
	err, ok := verdicts.m[regex]
	verdicts.Unlock()
	if ok {
		return err
	}
	n, err := parseLucene(regex)
	if err != nil || n.size <= smallRegex {
		return err
	}
	if _, _, over := measure(n); over != "" {
		err = &TooComplex{Regex: regex, Over: over}
	}
	verdicts.Lock()
	if len(verdicts.m) >= maxVerdicts {
		clear(verdicts.m)
	}
	verdicts.m[regex] = err
	verdicts.Unlock()
	return err
}

// verdicts remembers the verdicts on the regexes measured: a rule's
// regexes are checked in each pass of the backend and for each
// deployment, and a large automaton takes milliseconds. At most
// maxVerdicts are kept (the cache starts over when full).
var verdicts = struct {
	sync.Mutex
	m map[string]error
}{m: map[string]error{}}

const maxVerdicts = 4096

// lnode is a node of a Lucene regex: a character class (sorted, disjoint
// ranges), a concatenation, a union, or a repetition of its one sub.
type lnode struct {
	kind     lkind
	ranges   [][2]rune
	subs     []*lnode
	min, max int // repetition bounds; max -1 for none
	size     int // positions, counted repetitions copied out (capped)
}

type lkind uint8

const (
	lClass lkind = iota
	lConcat
	lUnion
	lRepeat
)

// setSize computes the number of positions of n, capped above maxPositions.
func (n *lnode) setSize() *lnode {
	switch n.kind {
	case lClass:
		n.size = 1
	case lConcat, lUnion:
		n.size = 0
		for _, s := range n.subs {
			n.size = min(n.size+s.size, maxPositions+1)
		}
	case lRepeat:
		copies := max(n.max, n.min+1, 1)
		n.size = min(n.subs[0].size*copies, maxPositions+1)
	}
	return n
}

// parseLucene reads the Lucene regex syntax this package writes: literals
// and \-escapes, ., classes ([...], [^...]), groups, |, *, +, ? and {n},
// {n,}, {n,m}.
func parseLucene(s string) (*lnode, error) {
	p := &lparser{s: s}
	n := p.union()
	if p.err == nil && p.i < len(s) {
		p.fail("unexpected " + strconv.QuoteRune(p.peek()))
	}
	if p.err != nil {
		return nil, p.err
	}
	return n, nil
}

type lparser struct {
	s   string
	i   int
	err error
}

func (p *lparser) fail(msg string) {
	if p.err == nil {
		p.err = fmt.Errorf("lucene regex %q at offset %d: %s", p.s, p.i, msg)
	}
}

func (p *lparser) peek() rune {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return r
}

func (p *lparser) next() rune {
	r, w := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += w
	return r
}

func (p *lparser) more() bool { return p.err == nil && p.i < len(p.s) }

func (p *lparser) union() *lnode {
	alts := []*lnode{p.concat()}
	for p.more() && p.peek() == '|' {
		p.next()
		alts = append(alts, p.concat())
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return (&lnode{kind: lUnion, subs: alts}).setSize()
}

func (p *lparser) concat() *lnode {
	var parts []*lnode
	for p.more() && p.peek() != '|' && p.peek() != ')' {
		parts = append(parts, p.repeat())
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return (&lnode{kind: lConcat, subs: parts}).setSize()
}

func (p *lparser) repeat() *lnode {
	n := p.atom()
	for p.more() {
		lo, hi := 0, 0
		switch p.peek() {
		case '*':
			lo, hi = 0, -1
		case '+':
			lo, hi = 1, -1
		case '?':
			lo, hi = 0, 1
		case '{':
			p.next()
			lo, hi = p.bounds()
			if p.err != nil {
				return n
			}
			n = (&lnode{kind: lRepeat, subs: []*lnode{n}, min: lo, max: hi}).setSize()
			continue
		default:
			return n
		}
		p.next()
		n = (&lnode{kind: lRepeat, subs: []*lnode{n}, min: lo, max: hi}).setSize()
	}
	return n
}

// bounds reads n}, n,} or n,m} after a {.
func (p *lparser) bounds() (int, int) {
	lo := p.number()
	hi := lo
	if p.more() && p.peek() == ',' {
		p.next()
		hi = -1
		if p.more() && p.peek() != '}' {
			hi = p.number()
		}
	}
	if !p.more() || p.next() != '}' || hi >= 0 && hi < lo {
		p.fail("bad repetition")
	}
	return lo, hi
}

func (p *lparser) number() int {
	start := p.i
	for p.more() && '0' <= p.peek() && p.peek() <= '9' {
		p.next()
	}
	v, err := strconv.Atoi(p.s[start:p.i])
	if err != nil {
		p.fail("bad number")
	}
	return v
}

func (p *lparser) atom() *lnode {
	switch r := p.next(); r {
	case '(':
		var n *lnode
		if p.more() && p.peek() == ')' {
			n = (&lnode{kind: lConcat}).setSize()
		} else {
			n = p.union()
		}
		if !p.more() || p.next() != ')' {
			p.fail("unclosed group")
		}
		return n
	case '[':
		return p.class()
	case '.':
		return classNode([][2]rune{{0, utf8.MaxRune}})
	case '\\':
		if !p.more() {
			p.fail("escape at the end")
			return classNode(nil)
		}
		c := p.next()
		return classNode([][2]rune{{c, c}})
	default:
		if strings.ContainsRune(`*+?{}|)]#@&<>~"`, r) {
			p.fail("operator " + strconv.QuoteRune(r) + " detc does not write")
		}
		return classNode([][2]rune{{r, r}})
	}
}

func classNode(rs [][2]rune) *lnode {
	return (&lnode{kind: lClass, ranges: rs}).setSize()
}

// class reads a class after its [: runes, ranges a-b, \-escapes, and a
// leading ^ for the complement over every code point.
func (p *lparser) class() *lnode {
	negated := false
	if p.more() && p.peek() == '^' {
		p.next()
		negated = true
	}
	var rs [][2]rune
	for p.more() && p.peek() != ']' {
		lo := p.classRune()
		hi := lo
		if p.more() && p.peek() == '-' && p.i+1 < len(p.s) && p.s[p.i+1] != ']' {
			p.next()
			hi = p.classRune()
		}
		if hi < lo {
			p.fail("bad range")
		}
		rs = append(rs, [2]rune{lo, hi})
	}
	if !p.more() || p.next() != ']' {
		p.fail("unclosed class")
	}
	rs = normalize(rs)
	if negated {
		rs = complement(rs)
	}
	return classNode(rs)
}

func (p *lparser) classRune() rune {
	r := p.next()
	if r == '\\' && p.more() {
		r = p.next()
	}
	return r
}

// normalize sorts ranges and merges those that overlap or touch.
func normalize(rs [][2]rune) [][2]rune {
	slices.SortFunc(rs, func(a, b [2]rune) int { return int(a[0] - b[0]) })
	var out [][2]rune
	for _, r := range rs {
		if len(out) > 0 && r[0] <= out[len(out)-1][1]+1 {
			out[len(out)-1][1] = max(out[len(out)-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// glushkov is the position automaton of a node: state 0 is the start,
// every other state a character position reached by its class.
type glushkov struct {
	class  [][][2]rune
	follow [][]int32
}

// fragment is what a subexpression contributes: its first and last
// positions and whether it matches the empty text.
type fragment struct {
	first, last []int32
	nullable    bool
}

func buildGlushkov(n *lnode) *glushkov {
	g := &glushkov{class: [][][2]rune{nil}, follow: [][]int32{nil}}
	f := g.build(n)
	g.follow[0] = f.first
	for i, fs := range g.follow {
		slices.Sort(fs)
		g.follow[i] = slices.Compact(fs)
	}
	return g
}

func (g *glushkov) link(from, to []int32) {
	for _, p := range from {
		g.follow[p] = append(g.follow[p], to...)
	}
}

func (g *glushkov) build(n *lnode) fragment {
	switch n.kind {
	case lClass:
		p := int32(len(g.class))
		g.class = append(g.class, n.ranges)
		g.follow = append(g.follow, nil)
		return fragment{first: []int32{p}, last: []int32{p}}
	case lConcat:
		f := fragment{nullable: true}
		for _, s := range n.subs {
			f = g.concat(f, g.build(s))
		}
		return f
	case lUnion:
		var f fragment
		for _, s := range n.subs {
			sf := g.build(s)
			f.first = append(f.first, sf.first...)
			f.last = append(f.last, sf.last...)
			f.nullable = f.nullable || sf.nullable
		}
		return f
	}
	// A repetition: min copies, then max-min optional ones (or a star),
	// each nested in the one before, as Operations.repeat builds them.
	sub := n.subs[0]
	f := fragment{nullable: true}
	for i := 0; i < n.min; i++ {
		f = g.concat(f, g.build(sub))
	}
	if n.max < 0 {
		s := g.build(sub)
		g.link(s.last, s.first)
		s.nullable = true
		return g.concat(f, s)
	}
	var opt []fragment
	for i := n.min; i < n.max; i++ {
		opt = append(opt, g.build(sub))
	}
	// x(x(x)?)?: fold from the innermost copy outwards.
	var tail fragment
	for i := len(opt) - 1; i >= 0; i-- {
		o := opt[i]
		if i < len(opt)-1 {
			o = g.concat(o, tail)
		}
		o.nullable = true
		tail = o
	}
	if len(opt) > 0 {
		f = g.concat(f, tail)
	}
	return f
}

func (g *glushkov) concat(a, b fragment) fragment {
	g.link(a.last, b.first)
	f := fragment{nullable: a.nullable && b.nullable}
	f.first = append(f.first, a.first...)
	if a.nullable {
		f.first = append(f.first, b.first...)
	}
	f.last = append(f.last, b.last...)
	if b.nullable {
		f.last = append(f.last, a.last...)
	}
	return f
}

// measure runs the subset construction of n's position automaton over
// code-point intervals, as Operations.determinize does, and reports the
// subsets made and the work spent (NFA states of each subset expanded,
// summed). It stops as soon as either goes past its budget and says which
// in over ("" when neither does).
//
// The code points are cut once into atoms, the intervals between the
// bounds of every class, so that each class is a set of spans of atoms.
// From a set, a character reaches the next positions of every class that
// holds it: the targets are grouped by class, each atom gets the mask of
// the classes that hold it, and each distinct mask is one successor.
func measure(n *lnode) (states, work int, over string) {
	if n.size > maxPositions {
		return 0, 0, fmt.Sprintf("more than %s character positions once its counted repetitions are written out", thousands(maxPositions))
	}
	g := buildGlushkov(n)
	classOf, spans, atoms := alphabet(g.class)
	local := make([]int, len(spans)) // a class's index among present, -1 if absent
	for i := range local {
		local[i] = -1
	}
	var present []int32  // the classes of this set's targets
	var groups [][]int32 // the targets of each present class, sorted
	var masks []uint64   // per atom, the present classes that hold it
	var targets, next []int32
	var key []byte
	seen := map[string]struct{}{string(appendKey(nil, []int32{0})): {}}
	queue := [][]int32{{0}}
	states = 1
	for len(queue) > 0 {
		set := queue[0]
		queue = queue[1:]
		work += len(set)
		if work >= workBudget {
			return states, work, thousands(workBudget) + " units of work or more"
		}
		targets = targets[:0]
		for _, p := range set {
			targets = append(targets, g.follow[p]...)
		}
		slices.Sort(targets)
		targets = slices.Compact(targets)
		present = present[:0]
		for _, q := range targets {
			c := classOf[q]
			if local[c] < 0 {
				local[c] = len(present)
				present = append(present, c)
				if len(groups) < len(present) {
					groups = append(groups, nil)
				}
				groups[local[c]] = groups[local[c]][:0]
			}
			groups[local[c]] = append(groups[local[c]], q)
		}
		words := (len(present) + 63) / 64
		masks = slices.Grow(masks[:0], atoms*words)[:atoms*words]
		clear(masks)
		for i, c := range present {
			for _, span := range spans[c] {
				for a := span[0]; a < span[1]; a++ {
					masks[int(a)*words+i/64] |= 1 << (i % 64)
				}
			}
		}
		var prev []uint64
		for a := 0; a < atoms; a++ {
			m := masks[a*words : (a+1)*words]
			if !slices.ContainsFunc(m, func(w uint64) bool { return w != 0 }) || slices.Equal(m, prev) {
				continue
			}
			prev = m
			next = next[:0]
			for i := range present {
				if m[i/64]&(1<<(i%64)) != 0 {
					next = append(next, groups[i]...)
				}
			}
			slices.Sort(next)
			key = appendKey(key[:0], next)
			if _, ok := seen[string(key)]; ok {
				continue
			}
			seen[string(key)] = struct{}{}
			states++
			if states > stateBudget {
				return states, work, "more than " + thousands(stateBudget) + " states"
			}
			queue = append(queue, slices.Clone(next))
		}
		for _, c := range present {
			local[c] = -1
		}
	}
	return states, work, ""
}

func appendKey(key []byte, set []int32) []byte {
	for _, p := range set {
		key = binary.LittleEndian.AppendUint32(key, uint32(p))
	}
	return key
}

// alphabet cuts the code points at the bounds of every class into atoms.
// It returns each position's class (positions with the same ranges share
// one), each class as the spans [from, to) of the atoms its ranges cover,
// and the number of atoms.
func alphabet(classes [][][2]rune) (classOf []int32, spans [][][2]int32, atoms int) {
	var points []rune
	for _, c := range classes {
		for _, r := range c {
			points = append(points, r[0], r[1]+1)
		}
	}
	slices.Sort(points)
	points = slices.Compact(points)
	atom := func(r rune) int32 {
		i, _ := slices.BinarySearch(points, r)
		return int32(i)
	}
	ids := map[string]int32{}
	classOf = make([]int32, len(classes))
	var key []byte
	for i, c := range classes {
		key = key[:0]
		for _, r := range c {
			key = binary.LittleEndian.AppendUint32(key, uint32(r[0]))
			key = binary.LittleEndian.AppendUint32(key, uint32(r[1]))
		}
		id, ok := ids[string(key)]
		if !ok {
			id = int32(len(spans))
			ids[string(key)] = id
			var ss [][2]int32
			for _, r := range c {
				ss = append(ss, [2]int32{atom(r[0]), atom(r[1] + 1)})
			}
			spans = append(spans, ss)
		}
		classOf[i] = id
	}
	return classOf, spans, max(len(points)-1, 0)
}
