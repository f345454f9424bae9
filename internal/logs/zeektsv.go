package logs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/logs/jsonscan"
)

// zeekTSV is the state of a Zeek log in its tab-separated form (Zeek's
// default writer): the #separator, #set_separator, #empty_field,
// #unset_field, #fields and #types headers, and where each column's value
// goes in the plan's slots.
type zeekTSV struct {
	sep, setSep   []byte
	empty, unset  string
	fields, types []string
	fieldsLine    int
	slotOf        []int // per column: the plan slot, or -1
}

func newZeekTSV() *zeekTSV {
	return &zeekTSV{sep: []byte{'\t'}, setSep: []byte{','}, empty: "(empty)", unset: "-"}
}

// header reads one # line. A #fields header that names no column, or a
// column twice, is an error that ends the file: no row could be read.
func (r *Reader) zeekHeader(line []byte, num int) error {
	z := r.tsv
	line = bytes.TrimRight(line, "\r")
	name, rest, _ := bytes.Cut(line, z.sep)
	if bytes.HasPrefix(line, []byte("#separator ")) {
		name, rest, _ = bytes.Cut(line, []byte{' '})
	}
	switch string(name) {
	case "#separator":
		sep, err := unescapeZeek(string(rest))
		if err != nil || sep == "" {
			return fmt.Errorf("%s:%d: bad #separator header %s: write it as Zeek does (#separator \\x09)", r.name, num, quoteStart(rest))
		}
		z.sep = []byte(sep)
	case "#set_separator":
		z.setSep = bytes.Clone(rest)
	case "#empty_field":
		z.empty = string(rest)
	case "#unset_field":
		z.unset = string(rest)
	case "#fields":
		if z.fields != nil {
			return fmt.Errorf("%s:%d: a second #fields header (the first is on line %d): one log file holds one Zeek log", r.name, num, z.fieldsLine)
		}
		z.fields = strings.Split(string(rest), string(z.sep))
		seen := map[string]bool{}
		for _, f := range z.fields {
			if f == "" || seen[f] {
				return fmt.Errorf("%s:%d: bad #fields header: %s", r.name, num, map[bool]string{true: fmt.Sprintf("column %q is named twice", f), false: "a column has no name"}[f != ""])
			}
			seen[f] = true
		}
		z.fieldsLine = num
		z.slotOf = make([]int, len(z.fields))
		for i, f := range z.fields {
			z.slotOf[i] = -1
			if s, ok := r.plan.slotOf[f]; ok {
				z.slotOf[i] = s
			}
		}
	case "#types":
		z.types = strings.Split(string(rest), string(z.sep))
	}
	return nil // #path, #open, #close and comments say nothing a row needs
}

// zeekRow reads one data row of a Zeek TSV log.
func (r *Reader) zeekRow(line []byte, num int) (*Event, error) {
	z := r.tsv
	if z.fields == nil {
		return nil, fmt.Errorf("%s:%d: a Zeek log row before the #fields header that names its columns", r.name, num)
	}
	line = bytes.TrimRight(line, "\r")
	row := line
	n := bytes.Count(line, z.sep) + 1
	if n != len(z.fields) {
		r.skipped++
		return nil, r.eventError(num, 1, "a row has %d columns; the #fields header on line %d names %d", n, z.fieldsLine, len(z.fields))
	}
	for i := range r.present {
		r.present[i] = false
	}
	r.leaves = r.leaves[:0]
	for i := 0; i < n; i++ {
		cell := line
		if j := bytes.Index(line, z.sep); j >= 0 {
			cell, line = line[:j], line[j+len(z.sep):]
		}
		s := bytesString(cell)
		if s == z.unset {
			continue
		}
		v := z.value(i, s)
		if slot := z.slotOf[i]; slot >= 0 {
			r.cols[slot], r.present[slot] = v, true
		}
		if r.plan.all {
			r.leaves = append(r.leaves, jsonscan.Leaf{Name: z.fields[i], Value: v})
		}
	}
	r.ev.Line = num
	r.ev.raw = row
	r.plan.fill(&r.ev, source{cols: r.cols, present: r.present}, r.tsvValue, r.leaves)
	return &r.ev, nil
}

func (r *Reader) tsvValue(i int) (eval.Value, bool) { return r.cols[i], r.present[i] }

// value types a cell by its column's #types entry: numbers for count,
// int, double, time, interval and port, a list for set and vector (of
// values typed the same way), a boolean for bool; text otherwise (and
// when #types is missing).
func (z *zeekTSV) value(col int, s string) eval.Value {
	typ := ""
	if col < len(z.types) {
		typ = z.types[col]
	}
	return z.typed(typ, s)
}

func (z *zeekTSV) typed(typ, s string) eval.Value {
	if s == z.empty {
		s = ""
	}
	switch typ {
	case "count", "int", "double", "time", "interval", "port":
		if v, ok := eval.NumberText(s); ok {
			return v
		}
	case "bool":
		return eval.Bool(s == "T")
	}
	if elem, ok := strings.CutSuffix(typ, "]"); ok {
		if _, elem, ok = strings.Cut(elem, "["); ok {
			if s == "" {
				return eval.List()
			}
			parts := strings.Split(s, string(z.setSep))
			vs := make([]eval.Value, len(parts))
			for i, p := range parts {
				vs[i] = z.typed(elem, p)
			}
			return eval.List(vs...)
		}
	}
	return eval.String(s)
}

// unescapeZeek reads Zeek's \xHH escapes (the #separator header writes
// the tab as \x09).
func unescapeZeek(s string) (string, error) {
	if !strings.Contains(s, `\x`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], `\x`) && i+4 <= len(s) {
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}
