package site

import (
	"bytes"
	"html"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingOffset(2), 100))),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 100))),
)

// headingOffset moves the runbook's headings down under the page's own
// (its title becomes an h3 in the page's "Runbook" section), so a page has
// one h1 and an outline screen readers can follow.
type headingOffset int

func (o headingOffset) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+int(o), 6)
		}
		return ast.WalkContinue, nil
	})
}

// MarkdownHTML renders a runbook. HTML written in the Markdown (a rule
// title such as "<b>x</b>" lands in the runbook's heading) is shown as
// text, and goldmark drops dangerous link schemes, so what a rule author
// wrote can add neither markup nor script to the page.
func MarkdownHTML(md string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(md), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// rawHTMLAsText renders inline and block HTML escaped, where goldmark
// would otherwise drop it ("raw HTML omitted") and lose the text.
type rawHTMLAsText struct{}

func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				w.WriteString(html.EscapeString(string(seg.Value(source))))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		w.WriteString("<p>")
		lines := b.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			w.WriteString(html.EscapeString(string(seg.Value(source))))
		}
		if b.HasClosure() {
			w.WriteString(html.EscapeString(string(b.ClosureLine.Value(source))))
		}
		w.WriteString("</p>\n")
		return ast.WalkSkipChildren, nil
	})
}
