package hclrule

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/detc/detc/internal/rule"
)

// WriteDiagnostics writes diagnostics for people, as Terraform does: the
// severity and summary, the file and line with the block it is in, the
// source line with the problem highlighted (when color is true) and the
// detail wrapped at width columns (0: no wrapping). files are the sources
// the diagnostics point into; a diagnostic about another file is written
// without its source. Diagnostics from any front end can be written, not
// only HCL ones.
func WriteDiagnostics(w io.Writer, files []File, diags rule.Diagnostics, width uint, color bool) error {
	sources := make(map[string]*source, len(files))
	hfiles := make(map[string]*hcl.File, len(files))
	for _, f := range files {
		s := newSource(f)
		sources[f.Name] = s
		hfiles[f.Name] = s.file
	}
	wr := hcl.NewDiagnosticTextWriter(w, hfiles, width, color)
	for _, d := range diags {
		h := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: d.Summary, Detail: d.Detail}
		if d.Severity == rule.Warning {
			h.Severity = hcl.DiagWarning
		}
		if d.Pos.IsValid() {
			h.Subject = sources[d.Pos.File].subject(d.Pos)
		}
		if err := wr.WriteDiagnostic(h); err != nil {
			return err
		}
	}
	return nil
}

// source is a file prepared for snippets: its bytes and, for HCL, the
// parsed body (which names the block a line is in) and the tokens (which
// give the extent of the highlighted token).
type source struct {
	file   *hcl.File
	tokens hclsyntax.Tokens
}

func newSource(f File) *source {
	s := &source{file: &hcl.File{Bytes: printable(f.Data)}}
	if !strings.HasSuffix(f.Name, ".hcl") || checkLimits(f) != nil {
		return s
	}
	if parsed, _ := hclsyntax.ParseConfig(f.Data, f.Name, hcl.InitialPos); parsed != nil {
		s.file.Nav = parsed.Nav
	}
	s.tokens, _ = hclsyntax.LexConfig(f.Data, f.Name, hcl.InitialPos)
	return s
}

// subject is the range a position points at: the token that starts there,
// or one character. s may be nil (a file not given); the writer then says
// the source is not available.
func (s *source) subject(p rule.Pos) *hcl.Range {
	start := hcl.Pos{Line: p.Line, Column: p.Col}
	if s != nil {
		start.Byte = byteOffset(s.file.Bytes, p)
		i := sort.Search(len(s.tokens), func(i int) bool { return s.tokens[i].Range.Start.Byte >= start.Byte })
		if i < len(s.tokens) && s.tokens[i].Range.Start.Byte == start.Byte && s.tokens[i].Range.End.Byte > start.Byte {
			r := s.tokens[i].Range
			return &r
		}
	}
	end := start
	end.Byte++
	end.Column++
	return &hcl.Range{Filename: p.File, Start: start, End: end}
}

// byteOffset finds line and column (counted in characters) in src.
func byteOffset(src []byte, p rule.Pos) int {
	off := 0
	for line := 1; line < p.Line; line++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	for col := 1; col < p.Col && off < len(src) && src[off] != '\n'; col++ {
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	return off
}

// printable copies src with ASCII control characters other than tab and
// line ends replaced by "?", byte for byte so that offsets still hold: a
// file must not be able to drive the terminal its diagnostics are shown on.
func printable(src []byte) []byte {
	out := bytes.Clone(src)
	for i, c := range out {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			out[i] = '?'
		}
	}
	return out
}
