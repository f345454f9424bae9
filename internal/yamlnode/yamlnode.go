// Package yamlnode holds what detc's YAML readers (Sigma rules, mapping
// files) share about yaml.v3: where a syntax error is, and how to name a
// node's type in a message.
package yamlnode

import (
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/rule"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the yaml.v3 parser's (not scanner's) messages: for
// these, yaml.v3 v3.0.1 prints a 0-based line number (that of the
// collection being parsed), for scanner errors a 1-based one.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// SyntaxDiagnostic is a yaml.v3 error as an error diagnostic at the line
// it names (the file's start when it names none).
func SyntaxDiagnostic(file, code string, err error) rule.Diagnostic {
	pos := rule.Pos{File: file, Line: 1, Col: 1}
	line, msg := SyntaxError(err)
	if line > 0 {
		pos.Line = line
	}
	return rule.Diagnostic{Severity: rule.Error, Pos: pos, Code: code, Summary: "YAML syntax error: " + msg}
}

// Pos is a node's position in file.
func Pos(file string, n *yaml.Node) rule.Pos {
	return rule.Pos{File: file, Line: n.Line, Col: n.Column}
}

// SyntaxError splits a yaml.v3 error into the 1-based line it is about (0
// when it names none) and its message without the "yaml: line N:" prefix.
func SyntaxError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
			if parserProblems[msg] {
				line++
			}
		}
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return line, msg
}

// Deref follows a YAML alias to the node it names.
func Deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// IsNull reports an empty value (null, ~ or nothing).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// Kind names a node's type for messages: "a map", "a list", "a number" ...
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	}
	return "an alias"
}
