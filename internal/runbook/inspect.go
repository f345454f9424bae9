package runbook

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// CodeBlock is a fenced code block of a runbook.
type CodeBlock struct {
	Lang string
	Text string
}

// Inspect parses runbook Markdown as CommonMark with GitHub's tables and
// returns its fenced code blocks, with the structural problems it finds:
// a heading that skips a level, or a table row whose cells do not match
// its header. Tests use it to prove what a runbook holds.
func Inspect(md string) ([]CodeBlock, []string) {
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	var blocks []CodeBlock
	var problems []string
	last := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			if n.Level > last+1 {
				problems = append(problems, fmt.Sprintf("heading %q (level %d) follows level %d", string(n.Lines().Value(src)), n.Level, last))
			}
			last = n.Level
		case *ast.FencedCodeBlock:
			var b strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				b.Write(seg.Value(src))
			}
			blocks = append(blocks, CodeBlock{Lang: string(n.Language(src)), Text: strings.TrimRight(b.String(), "\n")})
		case *extast.Table:
			header := n.FirstChild()
			for row := header.NextSibling(); row != nil; row = row.NextSibling() {
				if row.ChildCount() != header.ChildCount() {
					problems = append(problems, fmt.Sprintf("a table row has %d cells, its header %d", row.ChildCount(), header.ChildCount()))
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return blocks, problems
}
