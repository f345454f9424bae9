package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// HashLengths are the algorithms Sysmon writes in its Hashes field (its
// HashAlgorithms setting: MD5, SHA1, SHA256, IMPHASH) and the number of
// hexadecimal digits of each hash.
var HashLengths = map[string]int{"MD5": 32, "SHA1": 40, "SHA256": 64, "IMPHASH": 32}

func hashAlgorithms() []string {
	names := make([]string, 0, len(HashLengths))
	for n := range HashLengths {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// splitHashes rewrites a comparison on Sysmon's Hashes string into
// comparisons on the target's per-algorithm fields (table: algorithm to
// the profile's field holding it), or refuses it.
//
// Sysmon writes Hashes as comma-separated ALGO=HEX tokens, one for each
// algorithm it is configured for, in its own order, each hash in full.
// The only exact form is contains of one whole token: "SHA256=" can begin
// only at the start of the SHA256 token (hexadecimal digits, commas and the
// other algorithms' names never spell it), and a value with the full
// number of digits then covers the whole hash, so the string contains
// "SHA256=<hash>" exactly when the SHA256 field equals <hash>
// (case-insensitively: both are hexadecimal). Equals, startswith and
// endswith on the whole string depend on which algorithms Sysmon was
// configured for and their order, and a partial hash or a wildcard is no
// comparison of a whole field: they are refused. A list of tokens is an
// OR, one comparison per algorithm; with neq each value's comparison is
// negated before that OR, which the per-algorithm comparisons keep.
func (p *Profile) splitHashes(m *rule.Matcher, table map[string]string, s *Source) ([]*rule.Matcher, error) {
	// failAt refuses the comparison, at pos.
	failAt := func(pos rule.Pos, format string, args ...any) error {
		return &ValueError{Field: m.Field, Pos: pos, Reason: fmt.Sprintf(format, args...) +
			fmt.Sprintf(" (the target keeps Sysmon's %s as one field per algorithm: %s)", m.Field, p.describeHashes(table, s))}
	}
	fail := func(format string, args ...any) error { return failAt(m.Pos, format, args...) }
	switch {
	case m.Cased:
		return nil, fail("a case-sensitive comparison (%s) cannot be kept: Sysmon writes hashes in upper case, the target in its own case", comparison(m))
	case m.Op != rule.OpContains || m.FieldRef:
		return nil, fail("only contains of a whole ALGO=hash token (such as SHA256=<64 hex digits>) can be split exactly, not %s: the algorithms and their order in the string depend on Sysmon's configuration", comparison(m))
	}
	var order []string
	byAlgo := map[string][]rule.Value{}
	for _, v := range m.Values {
		lit, ok := v.Pattern.Literal()
		if v.Kind != rule.KindString || !ok {
			return nil, fail("the value %q is not a plain ALGO=hash token", v.Text)
		}
		name, hex, found := strings.Cut(lit, "=")
		algo := strings.ToUpper(name)
		digits, known := HashLengths[algo]
		switch {
		case !found || !known:
			return nil, fail("the value %q is not a whole ALGO=hash token (ALGO one of %s)", lit, strings.Join(hashAlgorithms(), ", "))
		case len(hex) != digits || strings.Trim(hex, "0123456789abcdefABCDEF") != "":
			return nil, fail("the value %q is not a whole %s hash (%d hexadecimal digits), so it matches part of a hash", lit, algo, digits)
		case strings.Trim(hex, "0") == "":
			return nil, fail("the value %q is all zeros, what Sysmon writes when it computed no %s, which the target does not keep as a hash", lit, algo)
		}
		if _, ok := table[algo]; !ok {
			return nil, failAt(m.ValuePos(v), "a value compares the %s hash, which the target does not record for this log source", algo)
		}
		if _, seen := byAlgo[algo]; !seen {
			order = append(order, algo)
		}
		hex = strings.ToLower(hex)
		byAlgo[algo] = append(byAlgo[algo], rule.Value{Kind: rule.KindString, Pattern: rule.LiteralPattern(hex), Text: hex, Pos: v.Pos})
	}
	out := make([]*rule.Matcher, len(order))
	for i, algo := range order {
		out[i] = &rule.Matcher{Field: table[algo], Op: rule.OpEquals, Negate: m.Negate, Values: byAlgo[algo], Pos: m.Pos}
	}
	return out, nil
}

// describeHashes names, in a stable order, the target's field for each
// algorithm of a hash table.
func (p *Profile) describeHashes(table map[string]string, s *Source) string {
	var parts []string
	for _, algo := range hashAlgorithms() {
		field, ok := table[algo]
		if !ok {
			continue
		}
		parts = append(parts, algo+" in "+p.describeField(field, s))
	}
	return strings.Join(parts, ", ")
}
