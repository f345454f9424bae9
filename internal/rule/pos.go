package rule

import "fmt"

// Pos is a position in a source file. Line and Col are 1-based; a zero Pos
// means "no position" (for nodes built in code).
type Pos struct {
	File string
	Line int
	Col  int
}

// String renders the position as file:line:col, the form editors and CI
// annotations understand.
func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return "-"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// MarshalText writes the position as String does, for reports.
func (p Pos) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// IsValid reports whether the position points into a file.
func (p Pos) IsValid() bool { return p.Line > 0 }
